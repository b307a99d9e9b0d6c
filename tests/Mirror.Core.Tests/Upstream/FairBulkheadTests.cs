using Mirror.Upstream;

namespace Mirror.Tests.Upstream;

public sealed class FairBulkheadTests
{
    [Fact]
    public async Task Release_WaitersOfSeveralClients_ServedRoundRobin()
    {
        var bulkhead = new FairBulkhead(permits: 1, queueLimit: 100);
        var held = await bulkhead.AcquireAsync("greedy", default);
        var order = new List<string>();
        var waits = new List<Task>();
        foreach (var client in new[] { "greedy", "greedy", "greedy", "greedy", "polite" })
        {
            var waiting = bulkhead.AcquireAsync(client, default).AsTask();
            waits.Add(waiting.ContinueWith(t =>
            {
                lock (order)
                {
                    order.Add(client);
                }

                t.Result!.Dispose();
            }, TaskScheduler.Default));
        }

        held!.Dispose();
        await Task.WhenAll(waits);

        Assert.Equal("polite", order[1]); // not behind all four of greedy's
    }

    [Fact]
    public async Task Acquire_QueueFull_Null()
    {
        var bulkhead = new FairBulkhead(permits: 1, queueLimit: 1);
        using var held = await bulkhead.AcquireAsync("a", default);
        var queued = bulkhead.AcquireAsync("a", default);

        Assert.Null(await bulkhead.AcquireAsync("b", default));
        held!.Dispose();
        (await queued)!.Dispose();
    }

    [Fact]
    public async Task Acquire_CancelledWhileQueued_SkippedAndPermitNotLost()
    {
        var bulkhead = new FairBulkhead(permits: 1, queueLimit: 10);
        var held = await bulkhead.AcquireAsync("a", default);
        using var cancel = new CancellationTokenSource();
        var abandoned = bulkhead.AcquireAsync("a", cancel.Token).AsTask();
        var next = bulkhead.AcquireAsync("b", default).AsTask();

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        held!.Dispose();

        using var lease = await next.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(lease);
    }
}
