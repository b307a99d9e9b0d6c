using System.Buffers;
using Mirror.Storage;

namespace Mirror.Caching;

/// <summary>A blob committed to the disk tier: a hit.</summary>
internal sealed class StoredBlobContent(StoredBlob stored) : BlobContent
{
    private const int BufferSize = 64 * 1024;

    public override long? Length => stored.Length;

    public override CacheResult Result => CacheResult.Hit;

    public override CacheSource Source => CacheSource.Disk;

    public override async Task<CopyResult> CopyToAsync(Stream destination, long offset, long? count, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var position = offset;
            var end = offset + (count ?? stored.Length - offset);
            while (position < end)
            {
                int read;
                try
                {
                    read = await RandomAccess.ReadAsync(stored.Stream.SafeFileHandle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - position)), position, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return CopyResult.Canceled;
                }
                catch (IOException ex)
                {
                    FailureReason = $"reading the stored blob failed: {ex.Message}";
                    return CopyResult.SourceFailed;
                }

                if (read == 0)
                {
                    FailureReason = $"stored file ended at {position}, expected {end} bytes";
                    return CopyResult.SourceFailed;
                }

                if (await WriteAsync(destination, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false) is not CopyResult.Completed and var gone)
                {
                    return gone;
                }

                position += read;
            }

            return CopyResult.Completed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override void Dispose() => stored.Stream.Dispose();
}
