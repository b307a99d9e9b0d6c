using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Mirror.EndToEndTests.Infrastructure;
using Mirror.EndToEndTests.Registries;
using Xunit.Sdk;

namespace Mirror.EndToEndTests;

/// <summary>
/// The upstream side for <see cref="MirrorCrashTests"/>: one docker-registry and a rate-limited nginx in front of it.
/// The tests start (and SIGKILL, and restart) their own Mirror.Server processes on cache folders they keep:
/// <code>
///                       ┌─ docker.io (default) ──────────────────────────────► upstream docker-registry
///   raw GETs ──► mirror ┤                                                         ▲ (never killed here)
///   (killed, restarted) └─ /v2/slow.test/… ──► nginx, limit_rate 8m ─────────────┘
/// </code>
/// Seeded straight into the registry over HTTP (no umoci or skopeo needed): a 24 MiB random blob (through slow.test a
/// fill takes ~3 s, so the mirror can be killed mid-fill), a small image <c>library/crash-small:1</c> (config + one
/// 1 MiB layer, an OCI manifest) that is warm before the crash, and two random blobs for the kill-after-commit test.
/// </summary>
public sealed class MirrorCrashFixture(IMessageSink diagnostics) : IAsyncLifetime
{
    internal const string DockerHub = "docker.io";
    internal const string SlowRegistry = "slow.test";

    /// <summary>nginx <c>limit_rate</c>: 8 MiB/s per connection, so the 24 MiB blob takes ~3 s.</summary>
    internal const string NginxRate = "8m";

    internal const int BigBlobSize = 24 * MiB;
    internal const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    private const int MiB = 1024 * 1024;
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(2);

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(60) };
    private TempDirectory? _temp;
    private UpstreamRegistry? _upstream;
    private ThrottlingNginx? _nginx;
    private FaultBlob? _bigBlob;
    private SmallImage? _small;
    private FaultBlob? _checkpointedBlob;
    private FaultBlob? _committedBlob;

    internal TempDirectory Temp => _temp ?? throw NotInitialized();

    internal UpstreamRegistry Upstream => _upstream ?? throw NotInitialized();

    internal ThrottlingNginx Nginx => _nginx ?? throw NotInitialized();

    /// <summary>24 MiB through slow.test (nginx): the fill the mid-fill test kills.</summary>
    internal FaultBlob BigBlob => _bigBlob ?? throw NotInitialized();

    /// <summary><c>library/crash-small:1</c> on docker.io: pulled warm before the mid-fill crash.</summary>
    internal SmallImage Small => _small ?? throw NotInitialized();

    /// <summary>2 MiB on docker.io: cached, then the mirror is stopped gracefully (so the index has a checkpoint).</summary>
    internal FaultBlob CheckpointedBlob => _checkpointedBlob ?? throw NotInitialized();

    /// <summary>8 MiB on docker.io: the mirror is SIGKILLed the moment its client has the last byte.</summary>
    internal FaultBlob CommittedBlob => _committedBlob ?? throw NotInitialized();

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(SetupTimeout);
        var cancellationToken = timeout.Token;
        try
        {
            MirrorProcess.EnsureAvailable(MirrorTarget.Mirror);
            _ = RequiredTool.DockerRegistry.Resolve();
            _ = RequiredTool.Nginx.Resolve();
            _temp = TempDirectory.Create();
            Log($"mirror-crash temp folder {_temp.Path}");

            var stopwatch = Stopwatch.StartNew();
            _upstream = await UpstreamRegistry.StartAsync("upstream docker-registry", _temp.CreateSubdirectory("up"), credentials: null, cancellationToken);
            _nginx = await ThrottlingNginx.StartAsync(_temp.CreateSubdirectory("nginx"), _upstream.BaseUri, NginxRate, cancellationToken);
            Log($"upstream on {_upstream.HostPort}, nginx (limit_rate {NginxRate}) on {_nginx.HostPort} in {stopwatch.Elapsed.TotalSeconds:F1}s");

            stopwatch.Restart();
            _bigBlob = await UploadRandomBlobAsync(SlowRegistry, "library/crash-big", BigBlobSize, cancellationToken);
            _small = await PushSmallImageAsync("library/crash-small", "1", cancellationToken);
            _checkpointedBlob = await UploadRandomBlobAsync(DockerHub, "library/crash-warm", 2 * MiB, cancellationToken);
            _committedBlob = await UploadRandomBlobAsync(DockerHub, "library/crash-warm", 8 * MiB, cancellationToken);
            Log($"uploaded {BigBlobSize / MiB} MiB + 2 + 8 MiB blobs and library/crash-small:1 in {stopwatch.Elapsed.TotalSeconds:F1}s");
        }
        catch
        {
            // xunit does not dispose a fixture whose InitializeAsync threw; stop what did start.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync();
            _nginx = null;
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
            _upstream = null;
        }

        _http.Dispose();
        _temp?.Dispose();
        _temp = null;
    }

    /// <summary>
    /// A Mirror.Server with docker.io (direct) and slow.test (nginx), its cache in <c>&lt;directory&gt;/cache</c>.
    /// Called again with the same <paramref name="directory"/> it restarts on the same cache (on a new port).
    /// Default tuning otherwise: the index checkpoints every 60 s and at shutdown, so a SIGKILL leaves none behind.
    /// </summary>
    internal Task<MirrorProcess> StartMirrorAsync(string directory, CancellationToken cancellationToken) =>
        MirrorProcess.StartServerAsync(
            [
                new MirrorUpstream(DockerHub, Upstream.BaseUri),
                new MirrorUpstream(SlowRegistry, Nginx.BaseUri),
            ],
            defaultUpstream: DockerHub,
            directory,
            extraArguments: [],
            cancellationToken);

    /// <summary>The upstream's and nginx's recent log lines, for a failing test's output.</summary>
    internal string DescribeUpstreams() =>
        string.Join("\n\n",
            _nginx?.Describe(15) ?? "nginx not started",
            _upstream?.Describe(20) ?? "upstream not started");

    private async Task<FaultBlob> UploadRandomBlobAsync(string registry, string repository, int size, CancellationToken cancellationToken)
    {
        var content = new byte[size];
        Random.Shared.NextBytes(content);
        var digest = await UploadBlobAsync(repository, content, cancellationToken);
        return new FaultBlob(registry, repository, digest, content.Length);
    }

    /// <summary>
    /// A minimal OCI image (config JSON + one random 1 MiB layer) pushed with plain HTTP: two monolithic blob uploads
    /// and a manifest PUT. The registry checks that the manifest's blobs exist, not what is in them.
    /// </summary>
    private async Task<SmallImage> PushSmallImageAsync(string repository, string tag, CancellationToken cancellationToken)
    {
        var layer = new byte[1 * MiB];
        Random.Shared.NextBytes(layer);
        var layerDigest = await UploadBlobAsync(repository, layer, cancellationToken);
        var config = Encoding.UTF8.GetBytes(
            $$"""{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["{{layerDigest}}"]} }""");
        var configDigest = await UploadBlobAsync(repository, config, cancellationToken);
        var manifest = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"{{OciManifest}}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{configDigest}}","size":{{config.Length}}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{layerDigest}}","size":{{layer.Length}}}]}""");
        using var body = new ByteArrayContent(manifest);
        body.Headers.ContentType = new MediaTypeHeaderValue(OciManifest);
        using var put = await _http.PutAsync(new Uri(Upstream.BaseUri, $"/v2/{repository}/manifests/{tag}"), body, cancellationToken);
        if (put.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"PUT manifest {repository}:{tag} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return new SmallImage(
            repository,
            tag,
            "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifest)),
            manifest.Length,
            new FaultBlob(DockerHub, repository, layerDigest, layer.Length));
    }

    /// <summary>Monolithic upload straight to the registry: POST, then PUT ?digest= with the bytes.</summary>
    private async Task<string> UploadBlobAsync(string repository, byte[] content, CancellationToken cancellationToken)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
        using var start = await _http.PostAsync(new Uri(Upstream.BaseUri, $"/v2/{repository}/blobs/uploads/"), content: null, cancellationToken);
        var location = start.StatusCode == HttpStatusCode.Accepted && start.Headers.Location is { } l
            ? (l.IsAbsoluteUri ? l : new Uri(Upstream.BaseUri, l))
            : throw new InvalidOperationException($"POST /v2/{repository}/blobs/uploads/ answered {(int)start.StatusCode}, expected 202 with a Location.");
        var separator = location.Query.Length > 0 ? "&" : "?";
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new("application/octet-stream");
        using var put = await _http.PutAsync(new Uri($"{location}{separator}digest={Uri.EscapeDataString(digest)}"), body, cancellationToken);
        if (put.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"PUT of {digest} to {repository} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return digest;
    }

    private static InvalidOperationException NotInitialized() => new("The mirror-crash fixture did not initialize; see the first failure.");

    private void Log(string message) => diagnostics.OnMessage(new DiagnosticMessage($"[e2e] {message}"));
}

/// <summary>A one-layer OCI image on the upstream (docker.io route), pushed over plain HTTP.</summary>
/// <param name="Repository">Its repository on the upstream (and through the mirror).</param>
/// <param name="Tag">Its tag.</param>
/// <param name="ManifestDigest">sha256 of the manifest bytes the upstream serves.</param>
/// <param name="ManifestLength">The manifest's size in bytes.</param>
/// <param name="Layer">Its only layer.</param>
internal sealed record SmallImage(string Repository, string Tag, string ManifestDigest, int ManifestLength, FaultBlob Layer);
