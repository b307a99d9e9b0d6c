using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;

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

    /// <summary>
    /// ASP.NET Core's server spans for requests to <paramref name="path"/> on <paramref name="mirror"/>, by start. The
    /// upstream sees the same path: the mirror's are the ones on the mirror's port.
    /// </summary>
    public Activity[] RequestsTo(MirrorServer mirror, string path)
    {
        var port = mirror.Url.Port.ToString(CultureInfo.InvariantCulture);
        return [.. Snapshot()
            .Where(a => a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server
                && Equals(a.GetTagItem("url.path"), path) && Convert.ToString(a.GetTagItem("server.port"), CultureInfo.InvariantCulture) == port)
            .OrderBy(a => a.StartTimeUtc)];
    }

    /// <summary>The <paramref name="index"/>th request (by start) to <paramref name="path"/> on <paramref name="mirror"/>, once it has ended.</summary>
    public async Task<Activity> WaitForRequestAsync(MirrorServer mirror, string path, int index)
    {
        await WaitForAsync(_ => RequestsTo(mirror, path).Length > index, $"for request {index + 1} to {path}");
        return RequestsTo(mirror, path)[index];
    }

    /// <summary>The first span that matches, waiting up to 10 s for it to end.</summary>
    public async Task<Activity> WaitForAsync(Func<Activity, bool> match, string what)
    {
        await Poll.UntilAsync(() => Snapshot().Any(match), $"the span {what}", TimeSpan.FromSeconds(10));
        return Snapshot().First(match);
    }

    protected override void InsertItem(int index, Activity item)
    {
        lock (_gate)
        {
            base.InsertItem(index, item);
        }
    }
}
