namespace Mirror.Prewarm;

/// <summary>Where a prewarm job is.</summary>
public enum PrewarmState
{
    /// <summary>Accepted, not started yet.</summary>
    Queued,

    /// <summary>Resolving and pulling.</summary>
    Running,

    /// <summary>Every image is in the cache.</summary>
    Succeeded,

    /// <summary>Done, and at least one image (or one of its blobs) failed.</summary>
    Failed,
}
