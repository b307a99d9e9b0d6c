using System.Collections.Concurrent;

namespace Mirror.Caching;

/// <summary>
/// The one single-flight primitive of Mirror: at most one running <typeparamref name="TFlight"/> per key; the
/// first caller creates and starts it (the owner), later callers join it. Every caller holds a
/// <see cref="FlightLease{TFlight}"/> and disposes it when it stops waiting.
/// </summary>
/// <remarks>
/// Built like HybridCache's stampede state: an owner/joiner map whose entry leaves when the work ends (in a
/// <c>finally</c>), so a failure is seen only by those who waited for it.
/// </remarks>
internal sealed class SingleFlight<TKey, TFlight>
    where TKey : notnull
    where TFlight : Flight
{
    private readonly ConcurrentDictionary<TKey, TFlight> _flights;

    public SingleFlight(IEqualityComparer<TKey>? comparer = null)
    {
        _flights = new ConcurrentDictionary<TKey, TFlight>(comparer);
    }

    /// <summary>Flights running now.</summary>
    public int Count => _flights.Count;

    /// <summary>Applies <paramref name="selector"/> to every running flight and adds up the results.</summary>
    public int Sum(Func<TFlight, int> selector)
    {
        var total = 0;
        foreach (var flight in _flights.Values)
        {
            total += selector(flight);
        }

        return total;
    }

    /// <summary>The running flight for <paramref name="key"/>, if any; does not join it.</summary>
    public TFlight? Peek(TKey key) => _flights.TryGetValue(key, out var flight) ? flight : null;

    /// <summary>
    /// Joins the running flight for <paramref name="key"/> or starts a new one made by <paramref name="factory"/>.
    /// The factory must be cheap and must not start work: it may lose a race and be thrown away.
    /// </summary>
    public FlightLease<TFlight> Join<TState>(TKey key, Func<TKey, TState, TFlight> factory, TState state)
    {
        while (true)
        {
            if (_flights.TryGetValue(key, out var running) && running.TryAddWaiter())
            {
                return new FlightLease<TFlight>(running, isOwner: false);
            }

            var created = factory(key, state);
            created.TryAddWaiter();
            var added = running is null
                ? _flights.TryAdd(key, created)
                : _flights.TryUpdate(key, created, running); // replace a closed flight that has not left yet
            if (added)
            {
                created.Start(() => _flights.TryRemove(new KeyValuePair<TKey, TFlight>(key, created)));
                return new FlightLease<TFlight>(created, isOwner: true);
            }

            created.Dispose();
        }
    }
}
