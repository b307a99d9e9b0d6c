namespace Mirror.Caching;

/// <summary>A flight whose work produces one value, shared by all its waiters (a manifest, a token).</summary>
public sealed class TaskFlight<T> : Flight
{
    private readonly Func<CancellationToken, Task<T>> _work;
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _cancelWhenAbandoned;

    public TaskFlight(Func<CancellationToken, Task<T>> work, TimeSpan timeout, bool cancelWhenAbandoned = true)
        : base(timeout)
    {
        _work = work;
        _cancelWhenAbandoned = cancelWhenAbandoned;
    }

    protected override bool CancelWhenAbandoned => _cancelWhenAbandoned;

    /// <summary>Waits for the shared value; <paramref name="cancellationToken"/> ends only this caller's wait.</summary>
    public Task<T> WaitAsync(CancellationToken cancellationToken) => _result.Task.WaitAsync(cancellationToken);

    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            _result.TrySetResult(await _work(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException ex)
        {
            _result.TrySetCanceled(ex.CancellationToken);
        }
        catch (Exception ex)
        {
            _result.TrySetException(ex);
        }
    }
}
