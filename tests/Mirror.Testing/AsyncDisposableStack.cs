namespace Mirror.Testing;

/// <summary>
/// What a fixture started, disposed in reverse order: the mirror before the relay before the upstream before the temp
/// folder they all write into. Disposal goes on past a failure, so one process that will not stop does not leave the
/// others running; the failures are thrown together at the end.
/// </summary>
public sealed class AsyncDisposableStack : IAsyncDisposable
{
    private readonly Stack<Func<ValueTask>> _disposals = new();

    public int Count => _disposals.Count;

    /// <summary>Disposes <paramref name="resource"/> after everything pushed later; returns it.</summary>
    public T Push<T>(T resource)
        where T : IAsyncDisposable
    {
        _disposals.Push(resource.DisposeAsync);
        return resource;
    }

    /// <summary>The synchronous counterpart of <see cref="Push{T}(T)"/>.</summary>
    public T PushDisposable<T>(T resource)
        where T : IDisposable
    {
        _disposals.Push(() =>
        {
            resource.Dispose();
            return ValueTask.CompletedTask;
        });
        return resource;
    }

    /// <summary>Runs <paramref name="disposal"/> after everything pushed later.</summary>
    public void Push(Func<ValueTask> disposal) => _disposals.Push(disposal);

    /// <summary>Pops and disposes everything, newest first; throws an <see cref="AggregateException"/> of every failure.</summary>
    public async ValueTask DisposeAsync()
    {
        List<Exception>? failures = null;
        while (_disposals.TryPop(out var disposal))
        {
            try
            {
                await disposal();
            }
            catch (Exception e)
            {
                (failures ??= []).Add(e);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException("Disposing the test resources failed.", failures);
        }
    }
}
