using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Mirror.Upstream;

namespace Mirror.Tests.Caching;

/// <summary>
/// An upstream in memory, for unit tests of the cache's decisions: manifests by tag and digest, a status to answer
/// instead, and a count of what was asked. No sockets, no retries (MaxAttempts 1), time from the caller.
/// </summary>
internal sealed class StubUpstream : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, byte[]> _manifests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly ServiceProvider _services;

    public StubUpstream(TimeProvider time, Action<UpstreamOptions>? configure = null)
    {
        _services = new ServiceCollection().AddMemoryCache().AddHybridCache().Services.BuildServiceProvider();
        Cache = _services.GetRequiredService<HybridCache>();
        Options = new UpstreamOptions { Name = "docker.io", Url = "http://upstream.test", MaxAttempts = 1 };
        configure?.Invoke(Options);
        Client = new UpstreamClient(Options, Cache, time, NullLogger.Instance, this);
    }

    public HybridCache Cache { get; }

    public UpstreamOptions Options { get; }

    public UpstreamClient Client { get; }

    /// <summary>Answer every request with this status instead (null: serve).</summary>
    public HttpStatusCode? Status { get; set; }

    public ConcurrentQueue<string> Requests { get; } = new();

    public int Count(string method) => Requests.Count(r => r.StartsWith(method + " ", StringComparison.Ordinal));

    /// <summary>Serves <paramref name="json"/> for the tag and its digest; returns the digest.</summary>
    public Digest Tag(string repository, string tag, string json)
    {
        var content = Encoding.UTF8.GetBytes(json);
        var digest = Digest.Compute(content);
        _manifests[$"/v2/{repository}/manifests/{tag}"] = content;
        _manifests[$"/v2/{repository}/manifests/{digest}"] = content;
        return digest;
    }

    /// <summary>Serves <paramref name="content"/> as a blob under <paramref name="digest"/> (its own by default: pass another to corrupt it).</summary>
    public Digest Blob(byte[] content, Digest? digest = null)
    {
        var name = digest ?? Digest.Compute(content);
        _blobs[name.ToString()] = content;
        return name;
    }

    /// <summary>Holds every blob body until the test lets it go (a slow upstream, for coalescing).</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Gated { get; set; }

    public PullScope Scope(string repository, string? authorization = null) =>
        PullScope.Create(Client, RepositoryName.Parse(repository), authorization, "test-client");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        Requests.Enqueue($"{request.Method} {path}");
        if (Status is { } status)
        {
            return new HttpResponseMessage(status);
        }

        var blobAt = path.LastIndexOf("/blobs/", StringComparison.Ordinal);
        if (blobAt > 0)
        {
            if (!_blobs.TryGetValue(path[(blobAt + "/blobs/".Length)..], out var blob))
            {
                return new HttpResponseMessage(HttpStatusCode.NotFound);
            }

            if (Gated)
            {
                await Gate.Task.WaitAsync(cancellationToken);
            }

            var ok = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(request.Method == HttpMethod.Head ? [] : blob) };
            ok.Content.Headers.ContentLength = blob.Length;
            return ok;
        }

        if (!_manifests.TryGetValue(path, out var content))
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(request.Method == HttpMethod.Head ? [] : content) };
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(MediaTypes.OciManifest);
        response.Content.Headers.ContentLength = content.Length;
        response.Headers.TryAddWithoutValidation("Docker-Content-Digest", Digest.Compute(content).ToString());
        return response;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _services.Dispose();
        }

        base.Dispose(disposing);
    }
}
