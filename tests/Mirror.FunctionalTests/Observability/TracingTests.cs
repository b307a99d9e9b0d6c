using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Mirror.Server.Hosting;
using OpenTelemetry.Trace;

namespace Mirror.FunctionalTests.Observability;

/// <summary>
/// The mirror with Mirror's instrumentation (<see cref="MirrorTracing.Instrument"/>) and an in-memory exporter in
/// place of OTLP: which spans a pull makes, what they carry, and that the upstream sees the trace context.
/// </summary>
public sealed class TracingTests
{
    private const string Manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{},\"layers\":[]}";

    [Fact]
    public async Task UncachedBlobPull_RequestSpanFillSpanAndUpstreamClientSpan_TraceparentSentUpstream()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        var content = RandomNumberGenerator.GetBytes(200_000);
        var digest = upstream.AddBlob(content);
        var spans = new ExportedSpans();
        await using var mirror = await StartTracedAsync(upstream, spans);
        using var client = mirror.CreateClient();

        Assert.Equal(content, await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}"));

        var fill = await spans.WaitForAsync(a => IsMirror(a, "blob.fill") && Tag(a, "mirror.digest") == digest, "blob.fill");
        Assert.Equal(content.Length.ToString(CultureInfo.InvariantCulture), Tag(fill, "mirror.blob.bytes"));
        Assert.Equal("committed", Tag(fill, "mirror.fill.outcome"));
        Assert.Equal("0", Tag(fill, "mirror.fill.resumes"));
        Assert.Equal("docker.io", Tag(fill, "mirror.upstream"));
        Assert.Equal(ActivityStatusCode.Unset, fill.Status);

        // The fill outlives requests: a root of its own, linked to the request that started it.
        Assert.Equal(default, fill.ParentSpanId);
        var link = Assert.Single(fill.Links);
        var request = await spans.WaitForAsync(a => a.SpanId == link.Context.SpanId, "for the request that started the fill");
        Assert.Equal("Microsoft.AspNetCore", request.Source.Name);
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Equal($"/v2/library/app/blobs/{digest}", Tag(request, "url.path"));
        Assert.Equal(mirror.Url.Port.ToString(CultureInfo.InvariantCulture), Tag(request, "server.port"));
        Assert.NotEqual(request.TraceId, fill.TraceId);

        var get = await spans.WaitForAsync(a => a.Source.Name == "System.Net.Http" && a.Kind == ActivityKind.Client && a.ParentSpanId == fill.SpanId, "for the upstream GET");
        Assert.Equal(fill.TraceId, get.TraceId);
        Assert.Contains(digest, Tag(get, "url.full"), StringComparison.Ordinal);
        Assert.Contains(upstream.TraceParents, t => t.Request == $"GET /v2/library/app/blobs/{digest}"
            && t.TraceParent.StartsWith($"00-{get.TraceId.ToHexString()}-{get.SpanId.ToHexString()}-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TagPullThenRevalidations_ManifestResolveAndTagRevalidate_SameThenGone()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        var repository = $"traces/t{Guid.NewGuid():N}";
        upstream.AddManifest(repository, "1", Manifest);
        var spans = new ExportedSpans();
        await using var mirror = await StartTracedAsync(upstream, spans, new() { ["Mirror:Upstreams:0:TagTtl"] = "00:00:00" });
        using var client = mirror.CreateClient();
        var path = $"/v2/{repository}/manifests/1";

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
        var first = await ResolveOfAsync(spans, mirror, path, 0);
        Assert.Equal("tag", Tag(first, "mirror.reference.kind"));
        Assert.Equal("miss", Tag(first, "mirror.cache.result"));
        Assert.Equal("upstream", Tag(first, "mirror.cache.source"));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
        var second = await ResolveOfAsync(spans, mirror, path, 1);
        Assert.Equal("hit", Tag(second, "mirror.cache.result"));
        var same = await spans.WaitForAsync(a => IsMirror(a, "tag.revalidate") && a.ParentSpanId == second.SpanId, "tag.revalidate under the second resolve");
        Assert.Equal("same", Tag(same, "mirror.revalidate.result"));
        var head = await spans.WaitForAsync(a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == same.SpanId, "for the revalidating HEAD");
        Assert.Equal("HEAD", Tag(head, "http.request.method"));

        upstream.RemoveTag(repository, "1");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
        var third = await ResolveOfAsync(spans, mirror, path, 2);
        Assert.Equal("error", Tag(third, "mirror.cache.result"));
        Assert.Equal("404", Tag(third, "mirror.error.status"));
        var gone = await spans.WaitForAsync(a => IsMirror(a, "tag.revalidate") && a.ParentSpanId == third.SpanId, "tag.revalidate under the third resolve");
        Assert.Equal("gone", Tag(gone, "mirror.revalidate.result"));
    }

    [Fact]
    public async Task ConcurrentPulls_JoinerHasCoalescedSpanLinkedToTheFill()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        upstream.ChunkSize = 16 * 1024;
        upstream.ChunkDelay = TimeSpan.FromMilliseconds(20);
        var content = RandomNumberGenerator.GetBytes(320 * 1024);
        var digest = upstream.AddBlob(content);
        var spans = new ExportedSpans();
        await using var mirror = await StartTracedAsync(upstream, spans);
        using var client = mirror.CreateClient();

        var owner = client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");
        while (upstream.Count("GET", $"/v2/library/app/blobs/{digest}") == 0)
        {
            await Task.Delay(10);
        }

        // The upstream body takes 400 ms: this request finds the fill running.
        var joiner = await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");
        Assert.Equal(content, joiner);
        Assert.Equal(content, await owner);
        var fill = await spans.WaitForAsync(a => IsMirror(a, "blob.fill") && Tag(a, "mirror.digest") == digest, "blob.fill");

        var coalesced = await spans.WaitForAsync(a => IsMirror(a, "blob.coalesced") && Tag(a, "mirror.digest") == digest, "blob.coalesced");
        var link = Assert.Single(coalesced.Links);
        Assert.Equal(fill.TraceId, link.Context.TraceId);
        Assert.Equal(fill.SpanId, link.Context.SpanId);
        Assert.Equal(content.Length.ToString(CultureInfo.InvariantCulture), Tag(coalesced, "mirror.blob.bytes"));
        Assert.Single(spans.Snapshot(), a => IsMirror(a, "blob.fill") && Tag(a, "mirror.digest") == digest);
    }

    [Fact]
    public async Task TokenFlow_TokenFetchSpanHasRealmAndScope_NeverTheToken()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        upstream.RequireToken = true;
        var repository = $"traces/t{Guid.NewGuid():N}";
        var digest = upstream.AddBlob(RandomNumberGenerator.GetBytes(10_000));
        var spans = new ExportedSpans();
        await using var mirror = await StartTracedAsync(upstream, spans);
        using var client = mirror.CreateClient();

        await client.GetByteArrayAsync($"/v2/{repository}/blobs/{digest}");

        var scope = $"repository:{repository}:pull";
        var token = await spans.WaitForAsync(a => IsMirror(a, "token.fetch") && Tag(a, "mirror.token.scope") == scope, "token.fetch");
        Assert.Equal("127.0.0.1", Tag(token, "mirror.token.realm"));
        Assert.Equal("issued", Tag(token, "mirror.token.result"));
        Assert.Contains(spans.Snapshot(), a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == token.SpanId);
        var fill = await spans.WaitForAsync(a => IsMirror(a, "blob.fill") && Tag(a, "mirror.digest") == digest, "blob.fill");
        var trace = spans.Snapshot().Where(a => a.TraceId == fill.TraceId).ToList();
        Assert.DoesNotContain(trace.SelectMany(a => a.TagObjects), t => Convert.ToString(t.Value, CultureInfo.InvariantCulture)!.Contains("tok-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PerCredentialUpstream_AccessCheckSpan_AskedThenRemembered()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        upstream.BasicCredentials = ("alice", "right");
        var repository = $"secret/t{Guid.NewGuid():N}";
        var digest = upstream.AddBlob(RandomNumberGenerator.GetBytes(10_000));
        var spans = new ExportedSpans();
        await using var mirror = await StartTracedAsync(upstream, spans, new() { ["Mirror:Upstreams:0:ForwardClientAuthorization"] = "true" });
        using var client = mirror.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:right")));
        var path = $"/v2/{repository}/blobs/{digest}";

        await client.GetByteArrayAsync(path);
        await client.GetByteArrayAsync(path);

        var asked = await ChildOfRequestAsync(spans, mirror, path, 0, "access.check");
        Assert.Equal("allowed", Tag(asked, "mirror.access.decision"));
        Assert.Equal("blob", Tag(asked, "mirror.content.kind"));
        Assert.Equal("False", Tag(asked, "mirror.access.cached"));
        var head = await spans.WaitForAsync(a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == asked.SpanId, "for the access check's HEAD");
        Assert.Equal("HEAD", Tag(head, "http.request.method"));

        var remembered = await ChildOfRequestAsync(spans, mirror, path, 1, "access.check");
        Assert.Equal("allowed", Tag(remembered, "mirror.access.decision"));
        Assert.Equal("True", Tag(remembered, "mirror.access.cached"));
    }

    private static Task<MirrorServer> StartTracedAsync(FakeRegistry upstream, ExportedSpans spans, Dictionary<string, string?>? settings = null) =>
        MirrorServer.StartAsync(upstream.Url, settings: settings, configure: builder => AddInMemoryTracing(builder, spans));

    /// <summary>Mirror's tracing with an in-memory exporter instead of OTLP (which needs a collector).</summary>
    internal static void AddInMemoryTracing(WebApplicationBuilder builder, ExportedSpans spans) =>
        builder.Services.AddOpenTelemetry().WithTracing(tracing => MirrorTracing.Instrument(tracing).AddInMemoryExporter(spans));

    private static Task<Activity> ResolveOfAsync(ExportedSpans spans, MirrorServer mirror, string path, int index) =>
        ChildOfRequestAsync(spans, mirror, path, index, "manifest.resolve");

    /// <summary>Mirror's span <paramref name="name"/> under the <paramref name="index"/>th request (by start) to <paramref name="path"/> on this mirror.</summary>
    private static async Task<Activity> ChildOfRequestAsync(ExportedSpans spans, MirrorServer mirror, string path, int index, string name)
    {
        var request = await spans.WaitForRequestAsync(mirror, path, index);
        return await spans.WaitForAsync(a => IsMirror(a, name) && a.ParentSpanId == request.SpanId, $"{name} under request {index + 1}");
    }

    private static bool IsMirror(Activity activity, string name) => activity.Source.Name == "Mirror" && activity.OperationName == name;

    private static string? Tag(Activity activity, string name) => Convert.ToString(activity.GetTagItem(name), CultureInfo.InvariantCulture);
}
