using Mirror.Oci;
using Mirror.Storage;

namespace Mirror.Caching;

/// <summary>
/// The answer to "give me this blob": stored bytes, a running fill to stream from, or an error. Disposing it
/// releases the file handle or the place on the fill.
/// </summary>
public sealed class BlobLookup : IDisposable
{
    private readonly StoredBlob? _stored;
    private readonly FlightLease<BlobFill>? _fill;

    private BlobLookup(StoredBlob? stored, FlightLease<BlobFill>? fill, long? length, CacheResult result, OciError? error)
    {
        _stored = stored;
        _fill = fill;
        Length = length;
        Result = result;
        Error = error;
    }

    /// <summary>The blob's size, when known (a fill from an upstream that sent no Content-Length does not know it).</summary>
    public long? Length { get; }

    public CacheResult Result { get; }

    public OciError? Error { get; }

    /// <summary>Where the bytes come from: <c>disk</c> or <c>upstream</c>.</summary>
    public string Source => _stored is not null ? "disk" : "upstream";

    internal static BlobLookup Hit(StoredBlob stored) => new(stored, null, stored.Length, CacheResult.Hit, null);

    internal static BlobLookup Filling(FlightLease<BlobFill> lease, long? length) =>
        new(null, lease, length, lease.IsOwner ? CacheResult.Miss : CacheResult.Coalesced, null);

    internal static BlobLookup Failed(OciError error) => new(null, null, null, CacheResult.Error, error);

    /// <summary>Waits for a running fill to end; false when it failed. For callers that need the full length first.</summary>
    public async Task<bool> WaitForCompletionAsync(CancellationToken cancellationToken)
    {
        if (_fill is null)
        {
            return _stored is not null;
        }

        await _fill.Flight.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        return _fill.Flight.Outcome == FillOutcome.Committed;
    }

    /// <summary>The fill's final length, once <see cref="WaitForCompletionAsync"/> returned true.</summary>
    public long CompletedLength => _fill?.Flight.Written ?? Length ?? 0;

    /// <summary>
    /// Copies bytes [offset, offset+count) to <paramref name="destination"/>; count null = to the end. Throws
    /// <see cref="FillFailedException"/> when the fill fails: the caller must then abort its client.
    /// </summary>
    public async Task CopyToAsync(Stream destination, long offset, long? count, CancellationToken cancellationToken)
    {
        if (_fill is not null)
        {
            await _fill.Flight.CopyToAsync(destination, offset, count, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_stored is null)
        {
            throw new InvalidOperationException("no content to copy");
        }

        await StoredCopy.CopyAsync(_stored.Stream, destination, offset, count ?? _stored.Length - offset, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stored?.Stream.Dispose();
        _fill?.Dispose();
    }
}
