namespace Mirror.Storage;

/// <summary>The last thing that went wrong in the disk tier, for the admin API and readiness.</summary>
public sealed record CacheError(string Operation, string Message, DateTimeOffset At);
