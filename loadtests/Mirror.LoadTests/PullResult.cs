namespace Mirror.LoadTests;

/// <summary>One pull, successful or not. Times are seconds from the start of the pull (manifest request).</summary>
/// <param name="Seconds">Whole pull: manifest(s), config and every layer verified.</param>
/// <param name="Bytes">Body bytes received (manifests and blobs).</param>
/// <param name="FirstLayerByteSeconds">When the first byte of any layer arrived, from the start of the pull.</param>
/// <param name="SlowestLayerFirstByteSeconds">The longest wait of one layer request for its first body byte.</param>
internal sealed record PullResult(
    ImageReference Image,
    bool Ok,
    double Seconds,
    long Bytes,
    double? FirstLayerByteSeconds,
    double? SlowestLayerFirstByteSeconds,
    string? Error);
