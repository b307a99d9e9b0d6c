using System.Buffers;
using System.IO.Pipelines;
using Mirror.Storage;

namespace Mirror.Caching;

/// <summary>A blob committed to the disk tier: a hit.</summary>
internal sealed class StoredBlobContent(StoredBlob stored) : BlobContent
{
    private const int BufferSize = 64 * 1024;

    /// <summary>
    /// What one read into the response writer asks for. Larger than Kestrel's response buffer (64 KiB), so each
    /// flush has a full socket's worth to send and waits once for it to drain; small enough that a thousand
    /// concurrent hits hold a bounded amount of memory (the pipe rents it from the shared array pool).
    /// </summary>
    private const int WriterChunk = 128 * 1024;

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
                    read = await RandomAccess.ReadAsync(stored.Handle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - position)), position, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return CopyResult.Canceled;
                }
                catch (IOException ex)
                {
                    return Failed($"reading the stored blob failed: {ex.Message}");
                }

                if (read == 0)
                {
                    return Failed($"stored file ended at {position}, expected {end} bytes");
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

    /// <summary>
    /// Reads the file straight into the writer's memory: no intermediate buffer, one copy (page cache → pipe) fewer
    /// than through a stream. The read is synchronous: on Linux an "asynchronous" file read is a synchronous one
    /// queued to the thread pool, a hop per chunk for data that a hit usually finds in the page cache.
    /// </summary>
    public override async Task<CopyResult> CopyToAsync(PipeWriter destination, long offset, long? count, CancellationToken cancellationToken)
    {
        var handle = stored.Handle;
        var position = offset;
        var end = offset + (count ?? stored.Length - offset);
        while (position < end)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return CopyResult.Canceled;
            }

            var want = (int)Math.Min(WriterChunk, end - position);
            int read;
            try
            {
                var memory = destination.GetMemory(want);
                read = RandomAccess.Read(handle, memory.Span[..Math.Min(want, memory.Length)], position);
            }
            catch (IOException ex)
            {
                return Failed($"reading the stored blob failed: {ex.Message}");
            }

            if (read == 0)
            {
                return Failed($"stored file ended at {position}, expected {end} bytes");
            }

            destination.Advance(read);
            position += read;
            if (await FlushAsync(destination, cancellationToken).ConfigureAwait(false) is not CopyResult.Completed and var gone)
            {
                return gone;
            }
        }

        return CopyResult.Completed;
    }

    public override void Dispose() => stored.Dispose();

    private CopyResult Failed(string reason)
    {
        FailureReason = reason;
        return CopyResult.SourceFailed;
    }
}
