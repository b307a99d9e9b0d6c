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

    public override Task<CopyResult> CopyToAsync(Stream destination, long offset, long? count, CancellationToken cancellationToken) =>
        CopyAsync(destination, null, offset, count, cancellationToken);

    /// <summary>
    /// Reads the file straight into the writer's memory: no intermediate buffer, one copy (page cache → pipe) fewer
    /// than through a stream. The read is synchronous: on Linux an "asynchronous" file read is a synchronous one
    /// queued to the thread pool, a hop per chunk for data that a hit usually finds in the page cache.
    /// </summary>
    public override Task<CopyResult> CopyToAsync(PipeWriter destination, long offset, long? count, CancellationToken cancellationToken) =>
        CopyAsync(null, destination, offset, count, cancellationToken);

    /// <summary>One loop for both destinations (as a fill's readers have): exactly one of <paramref name="stream"/> and <paramref name="writer"/> is set.</summary>
    private async Task<CopyResult> CopyAsync(Stream? stream, PipeWriter? writer, long offset, long? count, CancellationToken cancellationToken)
    {
        var buffer = stream is null ? null : ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var position = offset;
            var end = offset + (count ?? stored.Length - offset);
            while (position < end)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return CopyResult.Canceled;
                }

                int read;
                try
                {
                    if (writer is not null)
                    {
                        var want = (int)Math.Min(WriterChunk, end - position);
                        var memory = writer.GetMemory(want);
                        read = RandomAccess.Read(stored.Handle, memory.Span[..Math.Min(want, memory.Length)], position);
                    }
                    else
                    {
                        read = await RandomAccess.ReadAsync(stored.Handle, buffer.AsMemory(0, (int)Math.Min(buffer!.Length, end - position)), position, cancellationToken).ConfigureAwait(false);
                    }
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

                writer?.Advance(read);
                var sent = writer is not null
                    ? await FlushAsync(writer, cancellationToken).ConfigureAwait(false)
                    : await WriteAsync(stream!, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                if (sent != CopyResult.Completed)
                {
                    return sent;
                }

                position += read;
            }

            return CopyResult.Completed;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    public override void Dispose() => stored.Dispose();

    private CopyResult Failed(string reason)
    {
        FailureReason = reason;
        return CopyResult.SourceFailed;
    }
}
