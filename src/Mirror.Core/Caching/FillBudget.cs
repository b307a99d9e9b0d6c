using System.Collections.Concurrent;

namespace Mirror.Caching;

/// <summary>
/// How many running blob fills each client started and then walked away from. A fill outlives its clients (so the
/// next pull is a hit); without a bound, a client that asks for hundreds of digests and hangs up would keep the
/// upstream's bulkhead busy for everyone else. Fills with readers cost nothing here: a client pulling 200 layers
/// at once is not refused.
/// </summary>
internal sealed class FillBudget
{
    private readonly ConcurrentDictionary<string, int> _abandoned = new(StringComparer.Ordinal);

    public FillBudget(int perClient)
    {
        PerClient = perClient;
    }

    public int PerClient { get; }

    /// <summary>Whether <paramref name="client"/> may start another fill.</summary>
    public bool MayStart(string client) => _abandoned.GetValueOrDefault(client) < PerClient;

    public void Abandoned(string client) => _abandoned.AddOrUpdate(client, 1, static (_, n) => n + 1);

    /// <summary>A fill counted by <see cref="Abandoned"/> ended or got a reader again.</summary>
    public void Released(string client)
    {
        while (true)
        {
            var current = _abandoned.GetValueOrDefault(client);
            if (current <= 1)
            {
                if (current == 0 || _abandoned.TryRemove(new KeyValuePair<string, int>(client, current)))
                {
                    return;
                }
            }
            else if (_abandoned.TryUpdate(client, current - 1, current))
            {
                return;
            }
        }
    }
}
