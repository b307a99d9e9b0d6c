namespace Mirror.Caching;

/// <summary>A flight whose work produces one value, shared by all its waiters (a manifest, a token).</summary>
internal sealed class TaskFlight<T> : Flight
{
    private readonly Func<CancellationToken, Task<T>> _work;
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _cancelWhenAbandoned;
    private T? _value;
    private Exception? _error;

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
            _value = await _work(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _error = ex;
        }
    }

    protected override void OnClosed()
    {
        switch (_error)
        {
            case null:
                _result.TrySetResult(_value!);
                break;
            case OperationCanceledException canceled:
                _result.TrySetCanceled(canceled.CancellationToken);
                break;
            default:
                _result.TrySetException(_error);
                break;
        }
    }
}
