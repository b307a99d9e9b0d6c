namespace Mirror.Prewarm;

/// <summary>One prewarm: images and platforms asked for, and how far each image got.</summary>
public sealed class PrewarmJob
{
    private int _state;

    internal PrewarmJob(string id, IReadOnlyList<string> images, IReadOnlyList<string> platforms, string origin, DateTimeOffset created)
    {
        Id = id;
        Platforms = platforms;
        Origin = origin;
        Created = created;
        Images = [.. images.Select(i => new PrewarmProgress(i))];
    }

    public string Id { get; }

    /// <summary>Platforms to take from an index (<c>linux/amd64</c>, <c>linux/arm64/v8</c>); empty = all.</summary>
    public IReadOnlyList<string> Platforms { get; }

    /// <summary>Who started it: <c>admin</c> or <c>schedule</c>.</summary>
    public string Origin { get; }

    public DateTimeOffset Created { get; }

    public DateTimeOffset? Finished { get; internal set; }

    public IReadOnlyList<PrewarmProgress> Images { get; }

    public PrewarmState State
    {
        get => (PrewarmState)Volatile.Read(ref _state);
        internal set => Volatile.Write(ref _state, (int)value);
    }
}
