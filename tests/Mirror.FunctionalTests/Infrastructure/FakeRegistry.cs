using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>
/// A registry on real Kestrel (127.0.0.1, port 0) that serves blobs and manifests from memory and can misbehave
/// on request: slow bodies, corrupt bytes, bodies that break, error statuses, a token-auth challenge. It counts
/// every request it gets.
/// </summary>
public sealed partial class FakeRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly ConcurrentDictionary<string, (byte[] Content, string MediaType)> _manifests = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private int _activeBodies;
    private int _failsLeft;
    private int _failStatus;
    private string? _failRetryAfter;
    private int _maxActiveBodies;

    private FakeRegistry(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>Bytes per write of a body.</summary>
    public int ChunkSize { get; set; } = 64 * 1024;

    /// <summary>Pause after each chunk (a slow upstream).</summary>
    public TimeSpan ChunkDelay { get; set; }

    /// <summary>Flip one byte in every blob body (a corrupting upstream or CDN).</summary>
    public bool CorruptBlobs { get; set; }

    /// <summary>Abort the connection after this many body bytes of a non-ranged blob GET (an upstream that dies mid-blob).</summary>
    public long? BreakBlobAfter { get; set; }

    /// <summary>How many more blob GETs break as <see cref="BreakBlobAfter"/> says (null = all).</summary>
    public int? BreaksLeft { get; set; }

    /// <summary>Send this many body bytes of a non-ranged blob GET, then nothing more (a slow-loris upstream).</summary>
    public long? StallBlobAfter { get; set; }

    /// <summary>How many more blob GETs stall as <see cref="StallBlobAfter"/> says (null = all).</summary>
    public int? StallsLeft { get; set; }

    /// <summary>Times at which requests arrived, in order.</summary>
    public ConcurrentQueue<(DateTimeOffset At, string Request)> Log { get; } = new();

    /// <summary>Answers the next <paramref name="count"/> /v2/ requests with <paramref name="status"/> (and Retry-After).</summary>
    public void FailNext(int count, int status, string? retryAfter = null)
    {
        _failStatus = status;
        _failRetryAfter = retryAfter;
        Volatile.Write(ref _failsLeft, count);
    }

    /// <summary>Ignore Range headers and answer 200 with the whole body (an upstream or CDN without range support).</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>Answer ranged blob GETs (resumes) with this status.</summary>
    public int? RangedStatus { get; set; }

    /// <summary>Answer every request with this status (e.g. 500, 503, 429).</summary>
    public int? ForcedStatus { get; set; }

    /// <summary>Require Bearer tokens issued by this registry's own /token endpoint (the Docker token flow).</summary>
    public bool RequireToken { get; set; }

    /// <summary>Credentials the token endpoint demands (basic), when set.</summary>
    public (string User, string Password)? TokenCredentials { get; set; }

    /// <summary>Where the challenge's realm points; default this registry's /token.</summary>
    public string? RealmOverride { get; set; }

    /// <summary>Redirect blob GETs to /cdn/… (like Docker Hub's redirect to its CDN).</summary>
    public bool RedirectBlobs { get; set; }

    /// <summary>Authorization headers seen by /cdn/ (must stay empty: credentials never follow a redirect).</summary>
    public ConcurrentBag<string> CdnAuthorizations { get; } = [];

    /// <summary>Authorization headers seen by /token.</summary>
    public ConcurrentBag<string> TokenAuthorizations { get; } = [];

    /// <summary>Require <c>Authorization: Basic</c> with these credentials on every /v2/&lt;name&gt;/ request (a private registry with basic auth).</summary>
    public (string User, string Password)? BasicCredentials { get; set; }

    /// <summary>What a request without the right <see cref="BasicCredentials"/> gets: 401, or 404 as registries that hide private repositories answer.</summary>
    public int UnauthorizedStatus { get; set; } = 401;

    /// <summary>A status to answer for particular paths (null = serve normally): one repository broken, say.</summary>
    public Func<string, int?>? StatusForPath { get; set; }

    /// <summary>Redirect blob GETs to this Location (any URL, e.g. cloud metadata or <c>file:</c>).</summary>
    public string? RedirectBlobsTo { get; set; }

    /// <summary>Answer blob GETs with a body that never ends and no Content-Length.</summary>
    public bool EndlessBlobs { get; set; }

    /// <summary>Claim this Content-Length on blob GETs (then send what there is and hang up).</summary>
    public long? ClaimedBlobLength { get; set; }

    /// <summary>Content-Type to answer manifests with, whatever they are (a confused or hostile upstream).</summary>
    public string? ManifestContentType { get; set; }

    /// <summary>Never send response headers for /v2/&lt;name&gt;/ requests (an upstream that accepts and stalls).</summary>
    public bool HangHeaders { get; set; }

    /// <summary>Docker Hub's pull budget headers to send on manifest answers (limit, remaining), when set.</summary>
    public (int Limit, int Remaining)? RateLimit { get; set; }

    /// <summary>The W3C <c>traceparent</c> header of every request that carried one, with its "METHOD /path".</summary>
    public ConcurrentQueue<(string Request, string TraceParent)> TraceParents { get; } = new();

    /// <summary>Authorization headers seen on /v2/&lt;name&gt;/ requests, in order.</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    /// <summary>The most blob bodies that were being sent at once.</summary>
    public int MaxConcurrentBodies => Volatile.Read(ref _maxActiveBodies);

    public static async Task<FakeRegistry> StartAsync()
    {
        var builder = LoopbackApp.CreateBuilder();
        builder.WebHost.UseKestrel(o => o.Limits.MaxResponseBufferSize = null);
        var app = builder.Build();
        var registry = new FakeRegistry(app);
        app.Run(registry.HandleAsync);
        registry.Url = await LoopbackApp.StartAsync(app);
        return registry;
    }

    public string AddBlob(byte[] content)
    {
        var digest = Sha256Digest.Of(content);
        _blobs[digest] = content;
        return digest;
    }

    /// <summary>Stores <paramref name="length"/> random (incompressible, unique) bytes as a blob.</summary>
    public (byte[] Content, string Digest) AddRandomBlob(int length)
    {
        var content = RandomNumberGenerator.GetBytes(length);
        return (content, AddBlob(content));
    }

    /// <summary>The next non-ranged blob GET breaks after <paramref name="bytes"/> body bytes (an upstream dying mid-blob once).</summary>
    public void BreakNextBlobAfter(long bytes)
    {
        BreakBlobAfter = bytes;
        BreaksLeft = 1;
    }

    /// <summary>The next non-ranged blob GET stalls after <paramref name="bytes"/> body bytes (a slow-loris upstream, once).</summary>
    public void StallNextBlobAfter(long bytes)
    {
        StallBlobAfter = bytes;
        StallsLeft = 1;
    }

    /// <summary>Bodies in chunks of <paramref name="chunkSize"/> bytes, each followed by <paramref name="chunkDelay"/> (a slow upstream).</summary>
    public void SlowBodies(int chunkSize, TimeSpan chunkDelay)
    {
        ChunkSize = chunkSize;
        ChunkDelay = chunkDelay;
    }

    /// <summary>Stores a manifest under its digest and, when given, a tag; returns the digest.</summary>
    public string AddManifest(string repository, string? tag, string json, string mediaType = "application/vnd.oci.image.manifest.v1+json")
    {
        var content = Encoding.UTF8.GetBytes(json);
        var digest = Sha256Digest.Of(content);
        _manifests[$"{repository}@{digest}"] = (content, mediaType);
        if (tag is not null)
        {
            _manifests[$"{repository}:{tag}"] = (content, mediaType);
        }

        return digest;
    }

    public void RemoveTag(string repository, string tag) => _manifests.TryRemove($"{repository}:{tag}", out _);

    /// <summary>Requests seen for "METHOD /path" (path without query).</summary>
    public int Count(string method, string path) => _counts.GetValueOrDefault($"{method} {path}");

    /// <summary>Requests seen whose "METHOD /path" contains <paramref name="fragment"/>.</summary>
    public int CountMatching(string fragment) => _counts.Where(kv => kv.Key.Contains(fragment, StringComparison.Ordinal)).Sum(kv => kv.Value);

    public void ResetCounts() => _counts.Clear();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        _counts.AddOrUpdate($"{request.Method} {path}", 1, (_, n) => n + 1);
        Log.Enqueue((DateTimeOffset.UtcNow, $"{request.Method} {path}"));
        if (request.Headers.TryGetValue("traceparent", out var traceParent))
        {
            TraceParents.Enqueue(($"{request.Method} {path}", traceParent.ToString()));
        }

        var response = context.Response;
        if (path.StartsWith("/v2/", StringComparison.Ordinal) && path.Length > 4 && Interlocked.Decrement(ref _failsLeft) >= 0)
        {
            response.StatusCode = _failStatus;
            if (_failRetryAfter is not null)
            {
                response.Headers.RetryAfter = _failRetryAfter;
            }

            return;
        }

        if (path == "/token")
        {
            TokenAuthorizations.Add(request.Headers.Authorization.ToString());
            if (TokenCredentials is { } creds)
            {
                var expected = BasicAuth.Value(creds.User, creds.Password);
                if (request.Headers.Authorization != expected)
                {
                    response.StatusCode = 401;
                    return;
                }
            }

            var scope = request.Query["scope"].ToString();
            response.ContentType = "application/json";
            await response.WriteAsync($$"""{"token":"tok-{{Uri.EscapeDataString(scope)}}","expires_in":300}""");
            return;
        }

        if (path.StartsWith("/cdn/", StringComparison.Ordinal))
        {
            CdnAuthorizations.Add(request.Headers.Authorization.ToString());
            await ServeBlobAsync(context, path["/cdn/".Length..]);
            return;
        }

        if (ForcedStatus is { } forced)
        {
            response.StatusCode = forced;
            if (forced is 429 or 503)
            {
                response.Headers.RetryAfter = "1";
            }

            return;
        }

        if (path == "/v2/" || path == "/v2")
        {
            if (BasicCredentials is { } baseCredentials
                && request.Headers.Authorization != BasicAuth.Value(baseCredentials.User, baseCredentials.Password))
            {
                response.StatusCode = 401;
                response.Headers.WWWAuthenticate = "Basic realm=\"fake\"";
                return;
            }

            if (RequireToken && !request.Headers.Authorization.ToString().StartsWith("Bearer tok-", StringComparison.Ordinal))
            {
                // Like Docker Hub: the base endpoint challenges without a scope.
                response.StatusCode = 401;
                response.Headers.WWWAuthenticate = $"Bearer realm=\"{RealmOverride ?? new Uri(Url, "/token").AbsoluteUri}\",service=\"fake\"";
            }

            return;
        }

        if (path == "/v2/_catalog")
        {
            response.ContentType = "application/json";
            await response.WriteAsync("{\"repositories\":[\"library/app\"]}");
            return;
        }

        Authorizations.Enqueue(request.Headers.Authorization.ToString());
        if (HangHeaders)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
            return;
        }

        if (StatusForPath?.Invoke(path) is { } pathStatus)
        {
            response.StatusCode = pathStatus;
            return;
        }

        if (BasicCredentials is { } basic
            && request.Headers.Authorization != BasicAuth.Value(basic.User, basic.Password))
        {
            response.StatusCode = UnauthorizedStatus;
            if (UnauthorizedStatus == 401)
            {
                response.Headers.WWWAuthenticate = "Basic realm=\"fake\"";
            }

            return;
        }

        var uploads = path.IndexOf("/blobs/uploads", StringComparison.Ordinal);
        if (uploads > 0)
        {
            var name = path[4..uploads];
            if (HttpMethods.IsPost(request.Method))
            {
                response.StatusCode = 202;
                response.Headers.Location = new Uri(Url, $"/v2/{name}/blobs/uploads/session-1?_state=abc").AbsoluteUri;
                return;
            }

            if (HttpMethods.IsPut(request.Method))
            {
                var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                var digest = request.Query["digest"].ToString();
                if (Sha256Digest.Of(body.ToArray()) != digest)
                {
                    response.StatusCode = 400;
                    return;
                }

                _blobs[digest] = body.ToArray();
                response.StatusCode = 201;
                response.Headers.Location = $"/v2/{name}/blobs/{digest}";
                return;
            }
        }

        var parts = path.Split('/');
        if (parts.Length < 5 || parts[1] != "v2")
        {
            response.StatusCode = 404;
            return;
        }

        var kind = parts[^2];
        var reference = parts[^1];
        var repository = string.Join('/', parts[2..^2]);

        if (RequireToken)
        {
            var expected = $"Bearer tok-{Uri.EscapeDataString($"repository:{repository}:pull")}";
            if (request.Headers.Authorization != expected)
            {
                response.StatusCode = 401;
                var realm = RealmOverride ?? new Uri(Url, "/token").AbsoluteUri;
                response.Headers.WWWAuthenticate = $"Bearer realm=\"{realm}\",service=\"fake\",scope=\"repository:{repository}:pull\"";
                return;
            }
        }

        if (kind == "tags" && reference == "list")
        {
            var tags = _manifests.Keys.Where(k => k.StartsWith(repository + ":", StringComparison.Ordinal)).Select(k => $"\"{k[(repository.Length + 1)..]}\"");
            response.ContentType = "application/json";
            await response.WriteAsync($"{{\"name\":\"{repository}\",\"tags\":[{string.Join(',', tags)}]}}");
            return;
        }

        if (kind == "referrers" && ReferrersApi && HttpMethods.IsGet(request.Method))
        {
            await ServeReferrersAsync(context, repository, reference);
            return;
        }

        if (kind == "manifests" && HttpMethods.IsPut(request.Method))
        {
            var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            var manifest = (body.ToArray(), request.ContentType ?? "application/octet-stream");
            _manifests[$"{repository}@{Sha256Digest.Of(manifest.Item1)}"] = manifest;
            if (!reference.Contains(':'))
            {
                _manifests[$"{repository}:{reference}"] = manifest;
            }

            response.StatusCode = 201;
            response.Headers["Docker-Content-Digest"] = Sha256Digest.Of(manifest.Item1);
            return;
        }

        if (kind == "manifests")
        {
            var key = reference.Contains(':') ? $"{repository}@{reference}" : $"{repository}:{reference}";
            if (!_manifests.TryGetValue(key, out var manifest))
            {
                await NotFoundAsync(response, "MANIFEST_UNKNOWN");
                return;
            }

            if (RateLimit is { } budget)
            {
                response.Headers["ratelimit-limit"] = $"{budget.Limit};w=21600";
                response.Headers["ratelimit-remaining"] = $"{budget.Remaining};w=21600";
            }

            response.ContentType = ManifestContentType ?? manifest.MediaType;
            response.ContentLength = manifest.Content.Length;
            response.Headers["Docker-Content-Digest"] = Sha256Digest.Of(manifest.Content);
            if (!HttpMethods.IsHead(request.Method))
            {
                await response.Body.WriteAsync(manifest.Content);
            }

            return;
        }

        if (kind == "blobs")
        {
            if (RedirectBlobsTo is { } target && HttpMethods.IsGet(request.Method))
            {
                response.StatusCode = 307;
                response.Headers.Location = target;
                return;
            }

            if (EndlessBlobs && HttpMethods.IsGet(request.Method))
            {
                await EndlessAsync(context);
                return;
            }

            if (RedirectBlobs && HttpMethods.IsGet(request.Method))
            {
                response.StatusCode = 307;
                response.Headers.Location = new Uri(Url, "/cdn/" + reference).AbsoluteUri;
                return;
            }

            await ServeBlobAsync(context, reference);
            return;
        }

        response.StatusCode = 404;
    }

    private async Task ServeBlobAsync(HttpContext context, string digest)
    {
        var response = context.Response;
        if (!_blobs.TryGetValue(digest, out var content))
        {
            await NotFoundAsync(response, "BLOB_UNKNOWN");
            return;
        }

        long start = 0;
        var range = context.Request.Headers.Range.ToString();
        if (range.Length > 0 && RangedStatus is { } rangedStatus)
        {
            response.StatusCode = rangedStatus;
            return;
        }

        if (!IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {start}-{content.Length - 1}/{content.Length}";
        }

        response.ContentType = "application/octet-stream";
        response.ContentLength = ClaimedBlobLength ?? content.Length - start;
        response.Headers["Docker-Content-Digest"] = digest;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var breakAfter = start == 0 && BreakBlobAfter is { } b && (BreaksLeft is null || BreaksLeft-- > 0) ? b : (long?)null;
        var stallAfter = start == 0 && StallBlobAfter is { } st && (StallsLeft is null || StallsLeft-- > 0) ? st : (long?)null;
        var active = Interlocked.Increment(ref _activeBodies);
        InterlockedMax(ref _maxActiveBodies, active);
        try
        {
            await response.StartAsync();
            var sent = 0L;
            for (var offset = start; offset < content.Length; offset += ChunkSize)
            {
                var chunk = content.AsMemory((int)offset, (int)Math.Min(ChunkSize, content.Length - offset)).ToArray();
                if (CorruptBlobs && offset == start)
                {
                    chunk[0] ^= 0xFF;
                }

                if (stallAfter is { } stall && sent + chunk.Length > stall)
                {
                    await response.Body.WriteAsync(chunk.AsMemory(0, (int)(stall - sent)));
                    await response.Body.FlushAsync();
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }

                if (breakAfter is { } limit && sent + chunk.Length > limit)
                {
                    await response.Body.WriteAsync(chunk.AsMemory(0, (int)(limit - sent)));
                    await response.Body.FlushAsync();
                    context.Abort();
                    return;
                }

                await response.Body.WriteAsync(chunk);
                await response.Body.FlushAsync();
                sent += chunk.Length;
                if (ChunkDelay > TimeSpan.Zero)
                {
                    await Task.Delay(ChunkDelay);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The mirror hung up.
        }
        finally
        {
            Interlocked.Decrement(ref _activeBodies);
        }
    }

    /// <summary>Sends chunks until the client hangs up, without a Content-Length.</summary>
    private static async Task EndlessAsync(HttpContext context)
    {
        var chunk = new byte[64 * 1024];
        context.Response.ContentType = "application/octet-stream";
        try
        {
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The mirror hung up, as it should.
        }
    }

    private static Task NotFoundAsync(HttpResponse response, string code)
    {
        response.StatusCode = 404;
        response.ContentType = "application/json";
        return response.WriteAsync($$"""{"errors":[{"code":"{{code}}","message":"not found"}]}""");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    public ValueTask DisposeAsync() => LoopbackApp.StopAsync(_app);
}
