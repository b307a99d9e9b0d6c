using System.Buffers;
using System.IO.Pipelines;

namespace Mirror.Caching;

/// <summary>The reader side of a fill: every client streams from the temp file as it grows.</summary>
internal sealed partial class BlobFill
{
    /// <summary>
    /// Streams bytes [<paramref name="offset"/>, offset + <paramref name="count"/>) to <paramref name="destination"/>
    /// as they arrive. <paramref name="count"/> null means "to the end, whatever the end is". A failed fill is
    /// <see cref="CopyResult.SourceFailed"/> with the reason: the caller aborts its client.
    /// </summary>
    public Task<(CopyResult Result, string? Reason)> CopyToAsync(Stream destination, long offset, long? count, CancellationToken cancellationToken) =>
        CopyAsync(destination, null, offset, count, cancellationToken);

    /// <summary>
    /// The same into a <see cref="PipeWriter"/>: each read goes straight into the writer's memory, as a stored hit's
    /// does (<see cref="StoredBlobContent"/>) — no intermediate buffer, no thread-pool hop per chunk.
    /// </summary>
    public Task<(CopyResult Result, string? Reason)> CopyToAsync(PipeWriter destination, long offset, long? count, CancellationToken cancellationToken) =>
        CopyAsync(null, destination, offset, count, cancellationToken);

    /// <summary>One loop for both destinations: exactly one of <paramref name="stream"/> and <paramref name="writer"/> is set.</summary>
    private async Task<(CopyResult Result, string? Reason)> CopyAsync(Stream? stream, PipeWriter? writer, long offset, long? count, CancellationToken cancellationToken)
    {
        using var file = OpenRead();
        if (file is null)
        {
            return (CopyResult.SourceFailed, $"fill of {Digest} failed");
        }

        var buffer = stream is null ? null : ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var position = offset;
            var end = count is { } c ? offset + c : long.MaxValue;
            while (position < end)
            {
                // Take the signal before reading the counters: a write that lands in between completes it.
                var progress = Volatile.Read(ref _progress).Task;
                var outcome = _outcome;

                // The last byte of the blob waits for the digest check: a client that has every byte of a
                // Content-Length sees a complete 200, so a corrupt blob must break off before its end.
                var holdBack = outcome != FillOutcome.Committed && end >= (_length ?? long.MaxValue) ? 1 : 0;
                var available = Math.Min(Written - holdBack, end) - position;
                if (available > 0)
                {
                    int read;
                    if (writer is not null)
                    {
                        var want = (int)Math.Min(available, WriterChunk);
                        var target = writer.GetMemory(want);
                        read = RandomAccess.Read(file.Handle, target.Span[..Math.Min(want, target.Length)], position);
                    }
                    else
                    {
                        read = await RandomAccess.ReadAsync(file.Handle, buffer.AsMemory(0, (int)Math.Min(available, buffer!.Length)), position, cancellationToken).ConfigureAwait(false);
                    }

                    if (read == 0)
                    {
                        return (CopyResult.SourceFailed, $"fill of {Digest}: temp file shorter than reported");
                    }

                    if (writer is not null)
                    {
                        writer.Advance(read);
                    }

                    var written = writer is not null
                        ? await BlobContent.FlushAsync(writer, cancellationToken).ConfigureAwait(false)
                        : await BlobContent.WriteAsync(stream!, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    if (written != CopyResult.Completed)
                    {
                        return (written, null);
                    }

                    position += read;
                    continue;
                }

                switch (outcome)
                {
                    case FillOutcome.Committed when count is null:
                        return (CopyResult.Completed, null);
                    case FillOutcome.Committed:
                        return (CopyResult.SourceFailed, $"fill of {Digest} ended at {Written} bytes, before {end}");
                    case FillOutcome.Failed:
                        return (CopyResult.SourceFailed, $"fill of {Digest} failed after {Written} bytes");
                }

                await progress.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return (CopyResult.Completed, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (CopyResult.Canceled, null);
        }
        catch (IOException ex)
        {
            return (CopyResult.SourceFailed, $"reading the fill of {Digest} failed: {ex.Message}");
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
