using Mirror.Upstream;

namespace Mirror.Caching;

/// <summary>
/// What a fill knows once the upstream has answered: the length (null when the upstream sent none) or why it
/// could not start.
/// </summary>
internal sealed record FillHead(long? Length, UpstreamStatus Status, string? Detail)
{
    public bool Started => Status == UpstreamStatus.Ok && !Uncacheable;

    /// <summary>The upstream answered but the cache cannot be written (disk full, directory unwritable).</summary>
    public bool Uncacheable { get; init; }

    /// <summary>The mirror's own refusal (a blob over MaxBlobSize), when it is not the upstream's status.</summary>
    public Mirror.Oci.OciError? Error { get; init; }
}
