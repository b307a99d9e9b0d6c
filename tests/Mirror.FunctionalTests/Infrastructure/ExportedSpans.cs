using System.Collections.ObjectModel;
using System.Diagnostics;

namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>
/// What the in-memory exporter collected, safe to read while spans still end on other threads. A span ends after
/// its response has gone out (the request span) or after its last reader was released (a fill), so a test waits.
/// </summary>
/// <remarks>
/// Listeners are process-wide: spans of other tests' mirrors running at the same time land here too, so every
/// lookup matches on something unique to its test (a digest, a repository, a trace id).
/// </remarks>
public sealed class ExportedSpans : Collection<Activity>
{
    private readonly Lock _gate = new();

    public Activity[] Snapshot()
    {
        lock (_gate)
        {
            return [.. Items];
        }
    }

    /// <summary>The first span that matches, waiting up to 10 s for it to end.</summary>
    public async Task<Activity> WaitForAsync(Func<Activity, bool> match, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (Snapshot().FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                var seen = string.Join(", ", Snapshot().Select(a => $"{a.Source.Name}/{a.DisplayName}"));
                throw new Xunit.Sdk.XunitException($"no span {what} was exported; seen: {seen}");
            }

            await Task.Delay(25);
        }
    }

    protected override void InsertItem(int index, Activity item)
    {
        lock (_gate)
        {
            base.InsertItem(index, item);
        }
    }
}
