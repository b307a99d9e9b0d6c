using System.Net;

namespace Mirror.Cluster;

/// <summary>A peer response's content with its body read through <see cref="PeerBodyStream"/>; the headers are the peer's.</summary>
internal sealed class PeerContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly Action<string> _broken;

    public PeerContent(HttpContent inner, Action<string> broken)
    {
        _inner = inner;
        _broken = broken;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new PeerBodyStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _broken);

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var body = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
        await body.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = _inner.Headers.ContentLength ?? 0;
        return _inner.Headers.ContentLength is not null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
