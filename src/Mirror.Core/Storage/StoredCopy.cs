using System.Buffers;

namespace Mirror.Storage;

/// <summary>Copies a slice of a file to a stream with a pooled buffer (no per-request large allocations).</summary>
internal static class StoredCopy
{
    private const int BufferSize = 64 * 1024;

    public static async Task CopyAsync(FileStream source, Stream destination, long offset, long count, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var position = offset;
            var end = offset + count;
            while (position < end)
            {
                var read = await RandomAccess.ReadAsync(source.SafeFileHandle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, end - position)), position, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"stored file ended at {position}, expected {end} bytes");
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                position += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
