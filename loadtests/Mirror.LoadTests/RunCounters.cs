namespace Mirror.LoadTests;

/// <summary>Live counters for the progress line; written with <see cref="Interlocked"/> from every pull.</summary>
internal sealed class RunCounters
{
    private long _bytes;
    private int _done;
    private int _failed;
    private int _inFlight;

    public long Bytes => Interlocked.Read(ref _bytes);
    public int Done => Volatile.Read(ref _done);
    public int Failed => Volatile.Read(ref _failed);
    public int InFlight => Volatile.Read(ref _inFlight);

    public void AddBytes(long n) => Interlocked.Add(ref _bytes, n);

    public void PullStarted() => Interlocked.Increment(ref _inFlight);

    public void PullEnded(bool ok)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _done);
        if (!ok)
        {
            Interlocked.Increment(ref _failed);
        }
    }
}
