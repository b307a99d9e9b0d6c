using System.Buffers;
using System.Security.Cryptography;
using Mirror.Oci;
using Mirror.Upstream;

namespace Mirror.Caching;

/// <summary>
/// The cache cannot take this blob (disk full, a claim larger than the free space): the reader streams straight
/// from the upstream, hashing as it goes. The last chunk is held until the digest is checked, so a corrupt blob
/// ends in an aborted transfer here too. A partial range cannot be verified and is not held.
/// </summary>
internal sealed class UncachedBlobContent(UpstreamResponse response, Digest digest) : BlobContent
{
    private const int BufferSize = 64 * 1024;

    public override long? Length => response.ContentLength;

    public override CacheResult Result => CacheResult.Miss;

    public override CacheSource Source => CacheSource.Upstream;

    public override async Task<CopyResult> CopyToAsync(Stream destination, long offset, long? count, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(digest.HashAlgorithm);
        var current = ArrayPool<byte>.Shared.Rent(BufferSize);
        var held = ArrayPool<byte>.Shared.Rent(BufferSize);
        var heldLength = 0;
        var heldStart = 0L;
        try
        {
            await using var body = await response.Message!.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var position = 0L;
            var end = count is { } c ? offset + c : long.MaxValue;
            while (position < end)
            {
                int read;
                try
                {
                    read = await body.ReadAsync(current, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return CopyResult.Canceled;
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    FailureReason = $"the upstream stream broke at {position} bytes: {ex.Message}";
                    return CopyResult.SourceFailed;
                }

                if (read == 0)
                {
                    break;
                }

                hash.AppendData(current, 0, read);
                if (heldLength > 0 && await WriteSliceAsync(destination, held, heldStart, heldLength, offset, end, cancellationToken).ConfigureAwait(false) is not CopyResult.Completed and var gone)
                {
                    return gone;
                }

                (current, held) = (held, current);
                heldLength = read;
                heldStart = position;
                position += read;
            }

            var whole = offset == 0 && (count is null || (Length is { } total && count >= total));
            if (whole && Digest.FromHash(digest.Algorithm, hash.GetHashAndReset()) != digest)
            {
                FailureReason = $"blob {digest} from the upstream does not match its digest";
                return CopyResult.SourceFailed;
            }

            if (Length is { } expected && whole && position != expected)
            {
                FailureReason = $"the upstream sent {position} of {expected} bytes";
                return CopyResult.SourceFailed;
            }

            return heldLength > 0
                ? await WriteSliceAsync(destination, held, heldStart, heldLength, offset, end, cancellationToken).ConfigureAwait(false)
                : CopyResult.Completed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CopyResult.Canceled;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            FailureReason = $"the upstream stream failed: {ex.Message}";
            return CopyResult.SourceFailed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(held);
        }
    }

    private static ValueTask<CopyResult> WriteSliceAsync(Stream destination, byte[] chunk, long chunkStart, int chunkLength, long offset, long end, CancellationToken cancellationToken)
    {
        var from = Math.Max(offset, chunkStart);
        var to = Math.Min(end, chunkStart + chunkLength);
        return to <= from
            ? new ValueTask<CopyResult>(CopyResult.Completed)
            : WriteAsync(destination, chunk.AsMemory((int)(from - chunkStart), (int)(to - from)), cancellationToken);
    }

    public override void Dispose() => response.Dispose();
}
