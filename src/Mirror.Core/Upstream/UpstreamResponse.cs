using System.Net;

namespace Mirror.Upstream;

/// <summary>
/// An upstream's answer. On <see cref="UpstreamStatus.Ok"/> the caller owns <see cref="Message"/> and must
/// dispose this object; the body has not been read.
/// </summary>
internal sealed class UpstreamResponse : IDisposable
{
    internal UpstreamResponse(UpstreamStatus status, HttpResponseMessage? message, string? detail)
    {
        Status = status;
        Message = message;
        Detail = detail;
    }

    public UpstreamStatus Status { get; }

    public HttpResponseMessage? Message { get; }

    /// <summary>A human-readable reason for a failure (what the upstream or the network said).</summary>
    public string? Detail { get; }

    public HttpStatusCode? StatusCode => Message?.StatusCode;

    /// <summary>Retry-After from a 429/503, if the upstream sent one.</summary>
    public TimeSpan? RetryAfter =>
        Message?.Headers.RetryAfter is { } ra
            ? ra.Delta ?? (ra.Date is { } d ? d - DateTimeOffset.UtcNow : null)
            : null;

    public long? ContentLength => Message?.Content.Headers.ContentLength;

    public string? ContentType => Message?.Content.Headers.ContentType?.MediaType;

    public string? DockerContentDigest =>
        Message is not null && Message.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;

    /// <summary>A peer node's answer (docs/cluster.md): its bytes are not upstream bytes.</summary>
    public bool FromPeer { get; init; }

    /// <summary>Relayed from a peer under <c>KeepPeerCopies=false</c>: serve it, then do not keep it (docs/cluster.md).</summary>
    public bool Transient { get; init; }

    /// <summary>The bulkhead slot this response holds until disposed.</summary>
    internal IDisposable? Lease { get; init; }

    /// <summary>
    /// Reads a small body (a manifest, a referrers page) whole, within <paramref name="maxBytes"/> and
    /// <paramref name="timeout"/>; on failure the content is null and the error says why (never an exception for
    /// what the upstream or the network did).
    /// </summary>
    public async Task<(byte[]? Content, string? Error)> ReadSmallAsync(long maxBytes, TimeSpan timeout, string upstream, CancellationToken cancellationToken)
    {
        if (ContentLength > maxBytes)
        {
            return (null, $"the answer from {upstream} is larger than {maxBytes} bytes");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await Message!.Content.LoadIntoBufferAsync(maxBytes, deadline.Token).ConfigureAwait(false);
            return (await Message.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (null, $"reading the answer from {upstream} failed ({ex.GetType().Name})");
        }
    }

    public static UpstreamResponse Failed(UpstreamStatus status, string detail) => new(status, null, detail);

    /// <summary>What the mirror makes of an HTTP status from a registry (or from a peer node answering for one).</summary>
    public static UpstreamStatus StatusOf(int code) => code switch
    {
        >= 200 and < 300 => UpstreamStatus.Ok,
        404 => UpstreamStatus.NotFound,
        401 => UpstreamStatus.Unauthorized,
        403 => UpstreamStatus.Denied,
        429 => UpstreamStatus.TooManyRequests,
        >= 500 => UpstreamStatus.ServerError,
        _ => UpstreamStatus.ClientError,
    };

    public void Dispose()
    {
        Message?.Dispose();
        Lease?.Dispose();
    }
}
