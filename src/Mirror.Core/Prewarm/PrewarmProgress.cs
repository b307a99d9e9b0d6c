namespace Mirror.Prewarm;

/// <summary>How far one image of a prewarm job got, as the admin API reports it.</summary>
public sealed class PrewarmProgress
{
    private readonly List<string> _errors = [];
    private long _manifestsDone;
    private long _manifestsTotal;
    private long _blobsDone;
    private long _blobsTotal;
    private long _bytesDone;
    private long _bytesTotal;

    public PrewarmProgress(string image)
    {
        Image = image;
    }

    public string Image { get; }

    public long ManifestsDone => Interlocked.Read(ref _manifestsDone);

    public long ManifestsTotal => Interlocked.Read(ref _manifestsTotal);

    public long BlobsDone => Interlocked.Read(ref _blobsDone);

    public long BlobsTotal => Interlocked.Read(ref _blobsTotal);

    public long BytesDone => Interlocked.Read(ref _bytesDone);

    public long BytesTotal => Interlocked.Read(ref _bytesTotal);

    /// <summary>What went wrong (empty when nothing did): one line per manifest or blob that failed.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    internal void ManifestFound() => Interlocked.Increment(ref _manifestsTotal);

    internal void ManifestDone() => Interlocked.Increment(ref _manifestsDone);

    internal void BlobFound(long size)
    {
        Interlocked.Increment(ref _blobsTotal);
        Interlocked.Add(ref _bytesTotal, size);
    }

    internal void BlobDone(long size)
    {
        Interlocked.Increment(ref _blobsDone);
        Interlocked.Add(ref _bytesDone, size);
    }

    internal void Failed(string error)
    {
        lock (_errors)
        {
            if (_errors.Count < 100)
            {
                _errors.Add(error);
            }
        }
    }
}
