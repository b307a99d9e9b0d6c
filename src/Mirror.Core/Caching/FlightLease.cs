namespace Mirror.Caching;

/// <summary>A caller's place on a flight. Disposing it leaves the flight (once).</summary>
internal sealed class FlightLease<TFlight> : IDisposable
    where TFlight : Flight
{
    private int _disposed;

    internal FlightLease(TFlight flight, bool isOwner)
    {
        Flight = flight;
        IsOwner = isOwner;
    }

    public TFlight Flight { get; }

    /// <summary>True for the caller that started the flight; false for one that joined it (a coalesced request).</summary>
    public bool IsOwner { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Flight.RemoveWaiter();
        }
    }
}
