using System.Buffers;
using System.Security.Cryptography;
using Mirror.Oci;
using Mirror.Upstream;
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
    private readonly UpstreamResponse? _direct;
    private readonly Digest _digest;

    private BlobLookup(StoredBlob? stored, FlightLease<BlobFill>? fill, long? length, CacheResult result, OciError? error, UpstreamResponse? direct = null, Digest digest = default)
    {
        _direct = direct;
        _digest = digest;
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

    /// <summary>True when the blob streams from the upstream without being cached (the disk tier is unavailable).</summary>
    public bool IsUncached => _direct is not null;

    internal static BlobLookup Hit(StoredBlob stored) => new(stored, null, stored.Length, CacheResult.Hit, null);

    internal static BlobLookup Filling(FlightLease<BlobFill> lease, long? length) =>
        new(null, lease, length, lease.IsOwner ? CacheResult.Miss : CacheResult.Coalesced, null);

    internal static BlobLookup Failed(OciError error) => new(null, null, null, CacheResult.Error, error);

    internal static BlobLookup Uncached(UpstreamResponse response, Digest digest) =>
        new(null, null, response.ContentLength, CacheResult.Miss, null, response, digest);

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

        if (_direct is not null)
        {
            await CopyUncachedAsync(destination, offset, count, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_stored is null)
        {
            throw new InvalidOperationException("no content to copy");
        }

        await StoredCopy.CopyAsync(_stored.Stream, destination, offset, count ?? _stored.Length - offset, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams straight from the upstream, hashing as it goes. The last chunk is held until the digest is checked,
    /// so a corrupt blob ends in an aborted transfer here too. A partial range cannot be verified and is not held.
    /// </summary>
    private async Task CopyUncachedAsync(Stream destination, long offset, long? count, CancellationToken cancellationToken)
    {
        await using var body = await _direct!.Message!.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(_digest.HashAlgorithm);
        var current = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var held = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var heldLength = 0;
        var heldStart = 0L;
        try
        {
            var position = 0L;
            var end = count is { } c ? offset + c : long.MaxValue;
            int read;
            while (position < end && (read = await body.ReadAsync(current, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(current, 0, read);
                if (heldLength > 0)
                {
                    await WriteSliceAsync(destination, held, heldStart, heldLength, offset, end, cancellationToken).ConfigureAwait(false);
                }

                (current, held) = (held, current);
                heldLength = read;
                heldStart = position;
                position += read;
            }

            var whole = offset == 0 && (count is null || (Length is { } total && count >= total));
            if (whole && Digest.FromHash(_digest.Algorithm, hash.GetHashAndReset()) != _digest)
            {
                throw new FillFailedException($"blob {_digest} from the upstream does not match its digest");
            }

            if (heldLength > 0)
            {
                await WriteSliceAsync(destination, held, heldStart, heldLength, offset, end, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(held);
        }
    }

    private static ValueTask WriteSliceAsync(Stream destination, byte[] chunk, long chunkStart, int chunkLength, long offset, long end, CancellationToken cancellationToken)
    {
        var from = Math.Max(offset, chunkStart);
        var to = Math.Min(end, chunkStart + chunkLength);
        return to <= from
            ? ValueTask.CompletedTask
            : destination.WriteAsync(chunk.AsMemory((int)(from - chunkStart), (int)(to - from)), cancellationToken);
    }

    public void Dispose()
    {
        _stored?.Stream.Dispose();
        _fill?.Dispose();
        _direct?.Dispose();
    }
}
