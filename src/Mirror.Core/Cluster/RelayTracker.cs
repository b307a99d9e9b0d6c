using System.Collections.Concurrent;

namespace Mirror.Cluster;

/// <summary>
/// What this node is relaying from a peer right now, by ownership key. A peer that asks for something this node is
/// itself fetching from a peer is refused at once (503 + <see cref="PeerProtocol.RefusedHeader"/>): when two nodes
/// disagree about the owner (one saw a member leave before the other) each would otherwise wait on the other's fill.
/// The key is registered before the request is sent, so in any cycle of relays every node refuses the next.
/// </summary>
internal sealed class RelayTracker
{
    private readonly ConcurrentDictionary<string, int> _relaying = new(StringComparer.Ordinal);

    public bool IsRelaying(string key) => _relaying.ContainsKey(key);

    /// <summary>Marks <paramref name="key"/> relayed until the returned handle is disposed (with the peer's response).</summary>
    public IDisposable Begin(string key)
    {
        _relaying.AddOrUpdate(key, 1, static (_, n) => n + 1);
        return new Registration(this, key);
    }

    private void End(string key)
    {
        while (_relaying.TryGetValue(key, out var n))
        {
            if (n <= 1 ? _relaying.TryRemove(new KeyValuePair<string, int>(key, n)) : _relaying.TryUpdate(key, n - 1, n))
            {
                return;
            }
        }
    }

    private sealed class Registration(RelayTracker owner, string key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.End(key);
            }
        }
    }
}
