namespace Mirror.Caching;

/// <summary>
/// One piece of shared work run by <see cref="SingleFlight{TKey, TFlight}"/>: the fill of a blob, the fetch of a
/// manifest, the request for a token. A flight counts its waiters; what happens when the last one leaves is the
/// flight's choice (<see cref="CancelWhenAbandoned"/>): a blob fill keeps going so the next pull is a hit, a
/// token request does not.
/// </summary>
/// <remarks>
/// Lifecycle:
/// <code>
///   created ──Start()──▶ running ──RunAsync ends──▶ closed (no new waiters) ──▶ removed from the map ──▶ Completion
///                           │
///                           └─ last waiter leaves and CancelWhenAbandoned ─▶ token cancelled
/// </code>
/// A flight closes to new waiters before it is removed and completed, so a caller that arrives after a failure
/// starts a fresh flight instead of inheriting the failure: failures are never cached.
/// </remarks>
internal abstract class Flight : IDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _cts;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiters;
    private bool _closed;

    /// <param name="timeout">The longest the work may run, whoever waits for it.</param>
    protected Flight(TimeSpan timeout)
    {
        _cts = timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(timeout);
    }

    /// <summary>Whether the work is cancelled once nobody waits for it any more.</summary>
    protected virtual bool CancelWhenAbandoned => true;

    /// <summary>Completes when the work has ended, however it ended. Never faults.</summary>
    public Task Completion => _completion.Task;

    /// <summary>How many callers wait on this flight now.</summary>
    public int Waiters
    {
        get
        {
            lock (_gate)
            {
                return _waiters;
            }
        }
    }

    /// <summary>The token the work runs under: the flight's own time limit, and abandonment when that applies.</summary>
    protected CancellationToken FlightToken => _cts.Token;

    /// <summary>The shared work. Exceptions are the flight's to record; one that escapes is logged as a bug by <see cref="OnUnhandled"/>.</summary>
    protected abstract Task RunAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Called once the flight is closed to newcomers and out of the map: the place to publish a final result, so a
    /// caller that sees it and asks again starts a new flight instead of joining this one.
    /// </summary>
    protected virtual void OnClosed()
    {
    }

    /// <summary>Called for an exception that escaped <see cref="RunAsync"/>.</summary>
    protected virtual void OnUnhandled(Exception exception)
    {
    }

    internal void Start(Action onClosed) => _ = RunCoreAsync(onClosed);

    internal bool TryAddWaiter()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _waiters++;
            return true;
        }
    }

    internal void RemoveWaiter()
    {
        bool cancel;
        lock (_gate)
        {
            _waiters--;
            cancel = _waiters == 0 && !_closed && CancelWhenAbandoned;
            if (cancel)
            {
                // Nobody can join an abandoned flight: a newcomer must not inherit a cancellation.
                _closed = true;
            }
        }

        if (cancel)
        {
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The work ended at the same moment; nothing left to cancel.
            }
        }
    }

    private async Task RunCoreAsync(Action onClosed)
    {
        // Run the work off the caller's stack: the owner is a request like any other waiter.
        await Task.Yield();
        try
        {
            await RunAsync(_cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            OnUnhandled(ex);
        }
        finally
        {
            lock (_gate)
            {
                _closed = true;
            }

            onClosed();
            try
            {
                OnClosed();
            }
            catch (Exception ex)
            {
                OnUnhandled(ex);
            }

            _completion.TrySetResult();

            // A flight that ran owns its resources until here and no longer: nothing else disposes it.
            Dispose();
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cts.Dispose();
        }
    }
}
