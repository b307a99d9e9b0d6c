namespace Mirror.Caching;

/// <summary>What one blob fill may cost: its time, its resumes, its bytes.</summary>
/// <param name="Timeout">The longest the fill may run, clients or not (Mirror:Cache:FillTimeout).</param>
/// <param name="MaxResumes">Range re-requests after a broken body (the upstream's MaxResumes).</param>
/// <param name="MaxBytes">The most bytes it may write: MaxBlobSize, and never more than MaxDiskSize.</param>
internal sealed record FillLimits(TimeSpan Timeout, int MaxResumes, long MaxBytes);
