
namespace Mirror.Tests.Caching;

public sealed class SingleFlightTests
{
    // Long enough never to fire on a loaded machine; a test that waits this long has failed anyway.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly SingleFlight<string, TaskFlight<int>> _flights = new();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(64)]
    public async Task Join_ConcurrentCallers_WorkRunsOnceAndAllGetSameValue(int callers)
    {
        var runs = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<CancellationToken, Task<int>> work = async ct =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task.WaitAsync(ct);
            return 42;
        };
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var joins = Enumerable.Range(0, callers)
            .Select(_ => Task.Run(async () =>
            {
                await start.Task;
                return Join("key", work);
            }))
            .ToArray();

        start.SetResult();
        var leases = await Task.WhenAll(joins).WaitAsync(Patience);
        try
        {
            Assert.Single(leases, l => l.IsOwner);
            var flight = leases[0].Flight;
            Assert.All(leases, l => Assert.Same(flight, l.Flight));
            Assert.Equal(callers, flight.Waiters);

            gate.SetResult();
            var values = await Task.WhenAll(leases.Select(l => l.Flight.WaitAsync(CancellationToken.None))).WaitAsync(Patience);

            Assert.All(values, v => Assert.Equal(42, v));
            Assert.Equal(1, Volatile.Read(ref runs));
            await flight.Completion.WaitAsync(Patience);
            Assert.Equal(0, _flights.Count);
        }
        finally
        {
            foreach (var lease in leases)
            {
                lease.Dispose();
            }
        }
    }

    [Fact]
    public async Task Join_SecondCaller_IsNotOwnerAndSharesFlight()
    {
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        using var owner = Join("key", _ => gate.Task);
        using var joiner = Join("key", _ => throw new InvalidOperationException("a joiner's work must never run"));

        Assert.True(owner.IsOwner);
        Assert.False(joiner.IsOwner);
        Assert.Same(owner.Flight, joiner.Flight);
        Assert.Same(owner.Flight, _flights.Peek("key"));
        Assert.Equal(2, owner.Flight.Waiters);
        gate.SetResult(7);
        Assert.Equal(7, await joiner.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task Join_OwnerCancelsItsWait_WorkCompletesForOthers()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workToken = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<CancellationToken, Task<int>> work = async ct =>
        {
            workToken.SetResult(ct);
            await gate.Task;
            return 42;
        };
        var owner = Join("key", work);
        using var joiner = Join("key", work);
        using var ownerCancel = new CancellationTokenSource();
        var ownerWait = owner.Flight.WaitAsync(ownerCancel.Token);
        var joinerWait = joiner.Flight.WaitAsync(CancellationToken.None);

        ownerCancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ownerWait);
        owner.Dispose();

        var token = await workToken.Task.WaitAsync(Patience);
        Assert.False(token.IsCancellationRequested);
        Assert.Equal(1, joiner.Flight.Waiters);
        gate.SetResult();
        Assert.Equal(42, await joinerWait.WaitAsync(Patience));
        Assert.False(token.IsCancellationRequested);
    }

    [Fact]
    public async Task Join_JoinerLeaves_OwnerStillGetsValue()
    {
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var owner = Join("key", _ => gate.Task);
        var joiner = Join("key", _ => gate.Task);

        joiner.Dispose();
        gate.SetResult(5);

        Assert.Equal(5, await owner.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task Dispose_AllWaitersLeaveAndCancelWhenAbandoned_WorkTokenCancelled()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<CancellationToken, Task<int>> work = async ct =>
        {
            using var registration = ct.Register(() => cancelled.TrySetResult());
            started.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return 1;
        };
        var first = Join("key", work, cancelWhenAbandoned: true);
        var second = Join("key", work, cancelWhenAbandoned: true);
        var flight = first.Flight;
        await started.Task.WaitAsync(Patience);

        first.Dispose();
        Assert.False(cancelled.Task.IsCompleted); // one waiter is left
        second.Dispose();

        await cancelled.Task.WaitAsync(Patience);
        await flight.Completion.WaitAsync(Patience);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flight.WaitAsync(CancellationToken.None));
        Assert.Equal(0, _flights.Count);
    }

    [Fact]
    public async Task Dispose_AllWaitersLeaveAndNotCancelWhenAbandoned_WorkRunsToCompletion()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tokenCancelled = true;
        var completed = false;
        Func<CancellationToken, Task<int>> work = async ct =>
        {
            started.SetResult();
            await gate.Task;
            tokenCancelled = ct.IsCancellationRequested;
            completed = true;
            return 3;
        };
        var first = Join("key", work, cancelWhenAbandoned: false);
        var second = Join("key", work, cancelWhenAbandoned: false);
        var flight = first.Flight;
        await started.Task.WaitAsync(Patience);

        first.Dispose();
        second.Dispose();

        Assert.Equal(0, flight.Waiters);
        Assert.Same(flight, _flights.Peek("key"));
        gate.SetResult();
        await flight.Completion.WaitAsync(Patience);
        Assert.True(completed);
        Assert.False(tokenCancelled);
        Assert.Equal(3, await flight.WaitAsync(CancellationToken.None));
        Assert.Equal(0, _flights.Count);
    }

    [Fact]
    public async Task Join_AbandonedFlightStillRunningAndNotCancelWhenAbandoned_JoinsIt()
    {
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = Join("key", _ => gate.Task, cancelWhenAbandoned: false);
        first.Dispose();

        using var second = Join("key", _ => throw new InvalidOperationException("must join the running fill"), cancelWhenAbandoned: false);

        Assert.False(second.IsOwner);
        Assert.Same(first.Flight, second.Flight);
        gate.SetResult(9);
        Assert.Equal(9, await second.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task Join_AbandonedFlightStillRunningAndCancelWhenAbandoned_StartsNewFlight()
    {
        // The abandoned work ignores its token, so it is still in the map, closed, when the newcomer arrives.
        var oldGate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = Join("key", async _ =>
        {
            started.SetResult();
            return await oldGate.Task;
        });
        var oldFlight = first.Flight;
        await started.Task.WaitAsync(Patience);
        first.Dispose();
        Assert.Same(oldFlight, _flights.Peek("key"));

        using var second = Join("key", _ => Task.FromResult(2));

        Assert.True(second.IsOwner);
        Assert.NotSame(oldFlight, second.Flight);
        Assert.Equal(2, await second.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
        oldGate.SetResult(1);
        await oldFlight.Completion.WaitAsync(Patience);
        await second.Flight.Completion.WaitAsync(Patience);
        Assert.Equal(0, _flights.Count);
    }

    [Fact]
    public async Task Join_WorkThrows_WaitersSeeExceptionAndNextJoinRunsAgain()
    {
        var runs = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<CancellationToken, Task<int>> failing = async _ =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            throw new InvalidOperationException("upstream broke");
        };
        var owner = Join("key", failing);
        var joiner = Join("key", failing);
        var flight = owner.Flight;

        gate.SetResult();
        var ownerError = await Assert.ThrowsAsync<InvalidOperationException>(() => owner.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
        var joinerError = await Assert.ThrowsAsync<InvalidOperationException>(() => joiner.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
        Assert.Same(ownerError, joinerError);
        owner.Dispose();
        joiner.Dispose();
        await flight.Completion.WaitAsync(Patience);
        Assert.Equal(0, _flights.Count);

        using var retry = Join("key", async _ =>
        {
            Interlocked.Increment(ref runs);
            await Task.Yield();
            return 11;
        });

        Assert.True(retry.IsOwner);
        Assert.NotSame(flight, retry.Flight);
        Assert.Equal(11, await retry.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
        Assert.Equal(2, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task Join_WorkThrowsSynchronously_WaitersSeeException()
    {
        using var lease = Join("key", _ => throw new InvalidOperationException("bad request"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => lease.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
        await lease.Flight.Completion.WaitAsync(Patience);
        Assert.Equal(0, _flights.Count);
    }

    [Fact]
    public async Task Completion_WorkSucceeded_KeyRemoved()
    {
        using var lease = Join("key", _ => Task.FromResult(1));

        await lease.Flight.Completion.WaitAsync(Patience);

        Assert.Equal(0, _flights.Count);
        Assert.Null(_flights.Peek("key"));
    }

    [Fact]
    public async Task Join_DifferentKeys_RunInParallel()
    {
        var startedA = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var startedB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gateA = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gateB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using var a = Join("a", async _ =>
        {
            startedA.SetResult();
            await gateA.Task;
            return 1;
        });
        using var b = Join("b", async _ =>
        {
            startedB.SetResult();
            await gateB.Task;
            return 2;
        });

        // Both works run while neither is released: no key waits for another.
        await Task.WhenAll(startedA.Task, startedB.Task).WaitAsync(Patience);
        Assert.True(a.IsOwner);
        Assert.True(b.IsOwner);
        Assert.NotSame(a.Flight, b.Flight);
        Assert.Equal(2, _flights.Count);

        gateB.SetResult();
        Assert.Equal(2, await b.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
        Assert.False(a.Flight.WaitAsync(CancellationToken.None).IsCompleted);
        gateA.SetResult();
        Assert.Equal(1, await a.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task Join_KeyComparer_IsUsed()
    {
        var flights = new SingleFlight<string, TaskFlight<int>>(StringComparer.OrdinalIgnoreCase);
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        using var upper = flights.Join("KEY", static (_, g) => new TaskFlight<int>(_ => g.Task, Timeout.InfiniteTimeSpan), gate);
        using var lower = flights.Join("key", static (_, g) => new TaskFlight<int>(_ => g.Task, Timeout.InfiniteTimeSpan), gate);

        Assert.Same(upper.Flight, lower.Flight);
        gate.SetResult(1);
        await upper.Flight.Completion.WaitAsync(Patience);
    }

    [Fact]
    public async Task Dispose_Twice_LeavesOnce()
    {
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var owner = Join("key", _ => gate.Task);
        using var joiner = Join("key", _ => gate.Task);

        owner.Dispose();
        owner.Dispose();

        Assert.Equal(1, joiner.Flight.Waiters);
        gate.SetResult(4);
        Assert.Equal(4, await joiner.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task Join_TimeoutElapses_WaitersSeeCancellation()
    {
        var lease = _flights.Join(
            "key",
            static (_, _) => new TaskFlight<int>(async ct =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return 1;
            }, TimeSpan.FromMilliseconds(5)),
            0);
        using (lease)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lease.Flight.WaitAsync(CancellationToken.None).WaitAsync(Patience));
            await lease.Flight.Completion.WaitAsync(Patience);
            Assert.Equal(0, _flights.Count);
        }
    }

    private FlightLease<TaskFlight<int>> Join(string key, Func<CancellationToken, Task<int>> work, bool cancelWhenAbandoned = true) =>
        _flights.Join(
            key,
            static (_, state) => new TaskFlight<int>(state.work, Timeout.InfiniteTimeSpan, state.cancelWhenAbandoned),
            (work, cancelWhenAbandoned));
}
