namespace Mirror.Upstream;

/// <summary>
/// The per-upstream bulkhead: at most <c>permits</c> requests in flight, at most <c>queueLimit</c> waiting, and the
/// waiting ones served round-robin across clients — one client with 300 queued requests does not make everyone
/// else wait behind all 300.
/// </summary>
/// <remarks>
/// <code>
///  Acquire(client) ─ free permit? ─yes─▶ lease
///        │ no: queue full? ─yes─▶ null (the caller answers 429)
///        ▼ enqueue on the client's own queue
///  lease disposed ─▶ next client in turn (its oldest waiter) gets the permit; a cancelled waiter is skipped
/// </code>
/// </remarks>
internal sealed class FairBulkhead
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<Waiter>> _queues = new(StringComparer.Ordinal);
    private readonly Queue<string> _turns = new();
    private readonly int _queueLimit;
    private int _available;
    private int _queued;

    public FairBulkhead(int permits, int queueLimit)
    {
        _available = permits;
        _queueLimit = queueLimit;
    }

    /// <summary>Requests waiting for a permit now.</summary>
    public int Queued
    {
        get
        {
            lock (_gate)
            {
                return _queued;
            }
        }
    }

    /// <summary>A lease on one permit, or null when the queue is full.</summary>
    public ValueTask<IDisposable?> AcquireAsync(string client, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_gate)
        {
            if (_available > 0 && _queued == 0)
            {
                _available--;
                return new ValueTask<IDisposable?>(new Lease(this));
            }

            if (_queued >= _queueLimit)
            {
                return new ValueTask<IDisposable?>((IDisposable?)null);
            }

            waiter = new Waiter();
            if (!_queues.TryGetValue(client, out var queue))
            {
                queue = new Queue<Waiter>();
                _queues[client] = queue;
                _turns.Enqueue(client);
            }

            queue.Enqueue(waiter);
            _queued++;
        }

        return WaitAsync(waiter, cancellationToken);
    }

    private async ValueTask<IDisposable?> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(static w => ((Waiter)w!).Cancel(), waiter))
        {
            try
            {
                await waiter.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Granted in the same instant as cancelled: give the permit back.
                if (waiter.Granted)
                {
                    Release();
                }

                throw new OperationCanceledException(cancellationToken);
            }
        }

        return new Lease(this);
    }

    private void Release()
    {
        lock (_gate)
        {
            while (_turns.Count > 0)
            {
                var client = _turns.Dequeue();
                var queue = _queues[client];
                var next = queue.Dequeue();
                _queued--;
                if (queue.Count > 0)
                {
                    _turns.Enqueue(client); // back of the line: the next permit goes to another client
                }
                else
                {
                    _queues.Remove(client);
                }

                if (next.TryGrant())
                {
                    return;
                }
            }

            _available++;
        }
    }

    private sealed class Waiter
    {
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state; // 0 waiting, 1 granted, 2 cancelled

        public Task Task => _ready.Task;

        public bool Granted => Volatile.Read(ref _state) == 1;

        public bool TryGrant()
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            {
                return false;
            }

            _ready.TrySetResult();
            return true;
        }

        public void Cancel()
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
            {
                _ready.TrySetCanceled();
            }
        }
    }

    private sealed class Lease(FairBulkhead owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release();
            }
        }
    }
}
