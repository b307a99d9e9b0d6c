using Mirror.Observability;

namespace Mirror.Cluster;

/// <summary>
/// A peer's response body as the fill reads it: counts the bytes in, and reports a body that breaks so the peer is
/// down before the fill's resume asks for the rest — which then goes to the next candidate, not back to the dead one.
/// </summary>
internal sealed class PeerBodyStream(Stream inner, Action<string> broken) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            MirrorMetrics.PeerBytes.WithLabels("in").Inc(read);
            return read;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            broken($"the body broke: {ex.Message}");
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
