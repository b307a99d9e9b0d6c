using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mirror.EndToEndTests;

/// <summary>
/// The mirror itself crashes (SIGKILL: no shutdown, no index checkpoint) and is restarted on the same cache folder
/// (see <see cref="MirrorCrashFixture"/> for the upstream side). What docs/storage.md promises after a crash:
/// a partial fill in <c>tmp/</c> is deleted at start and never appears under <c>blobs/</c>; the index is recovered
/// from its last checkpoint and reconciled with the files (committed files adopted), so <c>/admin/cache</c> matches
/// the disk; a committed blob stays a hit; the killed fill is fetched again, once.
/// Each test starts its own mirrors on its own cache folder and uses its own blobs, so the order does not matter.
/// </summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed partial class MirrorCrashTests(MirrorCrashFixture fixture, ITestOutputHelper output)
    : IClassFixture<MirrorCrashFixture>, IAsyncLifetime
{
    private const int Clients = 3;

    /// <summary>The mirror is killed once the fastest client has this much of the 24 MiB blob (and every client has bytes).</summary>
    private const long KillAfterBytes = 4 * MiB;

    /// <summary>Every mirror process this test started, oldest first (killed ones too, for their logs).</summary>
    private readonly List<MirrorProcess> _mirrors = [];

    /// <summary>The same processes, stopped newest first when the test ends.</summary>
    private readonly AsyncDisposableStack _started = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _started.DisposeAsync();

    /// <summary>
    /// Three clients download a cold 24 MiB blob through the rate-limited route; once the fastest has 4 MiB the mirror
    /// is SIGKILLed. Every client's 200 is cut short of its Content-Length. A partial file is left in <c>tmp/</c>.
    /// A new mirror on the same cache folder empties <c>tmp/</c> at start, does not have the blob, and its
    /// <c>/admin/cache</c> matches the files (an image pulled before the crash: one manifest, one layer). The blob is
    /// then fetched from the upstream once more, whole and correct, and the next GET is a disk hit; the image pulled
    /// before the crash is a hit too, with no upstream request.
    /// </summary>
    [Fact]
    public async Task MirrorKilledMidFill_Restarted_TmpEmptiedIndexMatchesDisk_BlobRefetchedOnceThenHit()
    {
        using var deadline = new CancellationTokenSource(FaultCollection.TestTimeout);
        var cancellationToken = deadline.Token;
        var (blob, small) = (fixture.BigBlob, fixture.Small);
        var (steps, directory, cache, first) = await StartColdAsync("mirror-midfill", [blob], cancellationToken);

        // Warm content from before the crash, which the restarted mirror must still have (and count).
        var manifest = await steps.RunAsync($"GET manifest {small.Repository}:{small.Tag} (mirror #1)", () =>
            GetManifestAsync(first, small.Repository, small.Tag, cancellationToken));
        steps.WriteLine($"  → {manifest}");
        Assert.True(manifest.Status == 200 && manifest.BodyDigest == small.ManifestDigest, $"The small image's manifest through the mirror:\n{manifest}\n{Describe()}");
        var layer = await steps.RunAsync($"GET {small.Layer} (mirror #1)", () => DownloadAsync(first, small.Layer, cancellationToken));
        steps.WriteLine($"  → {layer}");
        AssertComplete(small.Layer, layer);

        // The crash.
        var (downloads, atKill, killAfter) = await steps.RunAsync($"{Clients} x GET {blob}; kill -9 mirror #1 once the fastest client has {KillAfterBytes / MiB} MiB", async () =>
        {
            var started = Stopwatch.StartNew();
            var elapsed = TimeSpan.Zero;
            var (running, snapshot) = await BlobDownload.WithFaultAsync(blob.On(first.BaseUri), Clients, KillAfterBytes, () =>
            {
                elapsed = started.Elapsed;
                return first.KillAsync();
            }, TimeSpan.FromSeconds(20), Describe, cancellationToken);
            return (running, snapshot, elapsed);
        });
        steps.WriteLine($"  killed {killAfter.TotalSeconds:F2}s after the GETs started; bytes per client at the kill: {string.Join(", ", atKill)}");
        foreach (var download in downloads)
        {
            steps.WriteLine($"  {download}");
        }

        Assert.True(first.HasExited, "mirror #1 should be dead after the SIGKILL.");
        Assert.True(atKill.All(b => b < blob.Length), $"The kill came too late: clients already had [{string.Join(", ", atKill)}] of {blob.Length} bytes.");

        // Never a complete-looking wrong body, and in fact no complete body at all: the fill was cut by the crash.
        Assert.All(downloads, d => Assert.True(
            d.IsBrokenOrComplete(blob.Length, blob.Digest),
            $"client {d.Client} got a complete-looking response that is not the blob: {d}"));
        Assert.All(downloads, d => Assert.True(
            d.Status == 200 && d.ContentLength == blob.Length && d.Error is not null && d.Received < blob.Length,
            $"client {d.Client}: expected a 200 announcing {blob.Length} bytes, cut short by the crash: {d}\n{Describe()}"));

        // What the crash left on disk.
        var leftBehind = TempFiles(cache);
        steps.WriteLine($"  tmp/ after the kill: {Show(leftBehind)}");
        var partial = leftBehind.Where(f => f.Name.StartsWith(Hex(blob) + ".", StringComparison.Ordinal)).ToList();
        Assert.True(partial.Count == 1 && partial[0].Length > 0 && partial[0].Length < blob.Length,
            $"The killed fill should have left one partial temp file <hex>.<guid> in {cache}/tmp (0 < length < {blob.Length}): {Show(leftBehind)}");
        Assert.True(partial[0].Length >= atKill.Max(),
            $"The temp file has {partial[0].Length} bytes, less than a client had received ({atKill.Max()}): readers are served from it.");
        Assert.False(File.Exists(BlobPath(cache, blob)), $"The killed fill must not appear under blobs/: {BlobPath(cache, blob)} exists.");

        // The registry logs the cut GET once nginx notices the mirror is gone; count from a settled log.
        var cut = await WaitForBlobGetsAsync(blob, 1, cancellationToken);
        steps.WriteLine($"  upstream GETs of the blob so far: {string.Join(" | ", cut)}");

        // The restart, on the same cache folder.
        var second = await steps.RunAsync("start mirror #2 on the same cache folder", () => StartMirrorAsync(directory, cancellationToken));
        var tempAfterStart = TempFiles(cache);
        steps.WriteLine($"  tmp/ after the start: {Show(tempAfterStart)}");
        Assert.True(tempAfterStart.Count == 0, $"{cache}/tmp should be emptied at start; it holds: {Show(tempAfterStart)}\n{Describe()}");
        Assert.False(File.Exists(BlobPath(cache, blob)), $"The blob of the killed fill is under blobs/ after the restart: {BlobPath(cache, blob)}.");
        steps.WriteLine($"  mirror #2 index at start: {string.Join(" | ", IndexLines(second))}");

        var admin = await steps.RunAsync("GET /admin/cache (mirror #2, before any pull)", () => GetAdminAsync(second, cancellationToken));
        var disk = ScanCache(cache);
        steps.WriteLine($"  → {admin}\n  on disk: {disk}");
        AssertIndexMatchesDisk(admin, disk);
        Assert.True(disk.Blobs == 1 && disk.Manifests == 1,
            $"Before the crash mirror #1 stored one manifest and one layer; the cache folder holds {disk}.");
        Assert.True(admin.Persistent && admin.Writable && admin.IndexLoaded, $"The disk tier should be persistent, writable and loaded after the restart: {admin}");

        var before = fixture.Upstream.BlobGets(blob).Count;
        var refetched = await steps.RunAsync($"GET {blob} (mirror #2)", () => DownloadAsync(second, blob, cancellationToken));
        steps.WriteLine($"  → {refetched}");
        AssertComplete(blob, refetched);
        var after = await WaitForBlobGetsAsync(blob, before + 1, cancellationToken);
        steps.WriteLine($"  upstream GETs of the blob: {string.Join(" | ", after)}");
        Assert.True(after.Count == before + 1,
            $"The blob should be fetched from the upstream exactly once more after the restart (GETs {before} → {after.Count}): {string.Join(" | ", after)}");
        Assert.True(after[^1].Status == 200 && after[^1].Bytes == blob.Length, $"The refetch should be a whole 200 from the upstream, not a resume: {after[^1]}");
        var fileDigest = await Sha256Digest.OfFileAsync(BlobPath(cache, blob), cancellationToken);
        Assert.True(fileDigest == blob.Digest, $"{BlobPath(cache, blob)} hashes to {fileDigest}, expected {blob.Digest}.");

        var hit = await steps.RunAsync($"GET {blob} again (mirror #2)", () => DownloadAsync(second, blob, cancellationToken));
        var layerHit = await steps.RunAsync($"GET {small.Layer} (mirror #2, cached before the crash)", () => DownloadAsync(second, small.Layer, cancellationToken));
        var manifestHit = await steps.RunAsync($"GET manifest {small.Repository}@{small.ManifestDigest[..19]}… (mirror #2)", () =>
            GetManifestAsync(second, small.Repository, small.ManifestDigest, cancellationToken));
        steps.WriteLine($"  → {hit}\n  → {layerHit}\n  → {manifestHit}");
        AssertComplete(blob, hit);
        AssertComplete(small.Layer, layerHit);
        Assert.True(hit.Cache == "hit disk", $"The second GET of the refetched blob should be 'X-Mirror-Cache: hit disk': {hit}");
        Assert.True(layerHit.Cache == "hit disk", $"The layer committed before the crash should be 'X-Mirror-Cache: hit disk': {layerHit}\n{Describe()}");
        Assert.True(manifestHit.Status == 200 && manifestHit.BodyDigest == small.ManifestDigest && manifestHit.Cache == "hit disk",
            $"The manifest stored before the crash should be a disk hit with its digest: {manifestHit}");
        await fixture.Upstream.WaitForQuietAsync(cancellationToken);
        Assert.True(fixture.Upstream.BlobGets(blob).Count == after.Count, $"The second GET went to the upstream ({after.Count} → {fixture.Upstream.BlobGets(blob).Count} GETs).");
        Assert.True(fixture.Upstream.BlobGets(small.Layer).Count == 1, $"The layer cached before the crash was fetched again: {string.Join(" | ", fixture.Upstream.BlobGets(small.Layer))}");
        var manifestGets = fixture.Upstream.CountGets($"/v2/{small.Repository}/manifests/{small.ManifestDigest}");
        Assert.True(manifestGets == 0, $"The manifest cached before the crash was fetched by digest from the upstream {manifestGets} time(s).");

        var adminAfter = await GetAdminAsync(second, cancellationToken);
        var diskAfter = ScanCache(cache);
        steps.WriteLine($"  /admin/cache after the pulls: {adminAfter}\n  on disk: {diskAfter}");
        AssertIndexMatchesDisk(adminAfter, diskAfter);
        Assert.True(diskAfter.Blobs == 2, $"Expected 2 blobs on disk after the refetch: {diskAfter}");

        steps.WriteLine(
            $"MATRIX mirror SIGKILLed mid-fill ({Clients} concurrent GETs of {blob.Length} bytes, clients at {atKill.Min()}…{atKill.Max()}, " +
            $"temp file at {partial[0].Length}) | all {Clients}: 200 + Content-Length {blob.Length}, cut after {string.Join("/", downloads.Select(d => d.Received))} bytes " +
            $"({string.Join("; ", downloads.Select(d => d.Error).Distinct())}), no wrong body | restart: tmp/ emptied, blob absent, " +
            $"/admin/cache {admin.Entries} entries / {admin.Bytes} bytes = disk (recovered={admin.Recovered}); refetched whole (upstream GETs {before} → {after.Count}), " +
            $"then '{hit.Cache}'; pre-crash layer '{layerHit.Cache}', manifest '{manifestHit.Cache}', no upstream request");
        steps.Total();
    }

    /// <summary>
    /// A blob is cached and the mirror stopped gracefully (the index checkpoints at shutdown). A second mirror on the
    /// same folder recovers that index, fills an 8 MiB blob, and is SIGKILLed the moment its client has the last byte
    /// (which the mirror sends only after the commit): the index entry of that blob was never checkpointed. A third
    /// mirror recovers the checkpoint, adopts the committed file, and serves both blobs as disk hits, no upstream GET.
    /// </summary>
    [Fact]
    public async Task MirrorKilledRightAfterCommit_Restarted_WarmBlobIsDiskHitWithoutUpstreamGet()
    {
        using var deadline = new CancellationTokenSource(FaultCollection.TestTimeout);
        var cancellationToken = deadline.Token;
        var (checkpointed, committed) = (fixture.CheckpointedBlob, fixture.CommittedBlob);
        var (steps, directory, cache, first) = await StartColdAsync("mirror-committed", [checkpointed, committed], cancellationToken);
        var warm = await steps.RunAsync($"GET {checkpointed} (mirror #1)", () => DownloadAsync(first, checkpointed, cancellationToken));
        steps.WriteLine($"  → {warm}");
        AssertComplete(checkpointed, warm);
        await steps.RunAsync("stop mirror #1 gracefully (SIGTERM: the index checkpoints at shutdown)", async () => await first.DisposeAsync());
        var checkpointFiles = Directory.Exists(Path.Combine(cache, "index", "checkpoints"))
            ? Directory.GetFiles(Path.Combine(cache, "index", "checkpoints"), "*", SearchOption.AllDirectories).Length
            : 0;
        steps.WriteLine($"  {first.Describe(0).Split('\n')[0]}; {checkpointFiles} files under index/checkpoints/");
        Assert.True(checkpointFiles > 0, $"A graceful stop should leave an index checkpoint under {cache}/index/checkpoints:\n{first.Describe(30)}");

        var second = await steps.RunAsync("start mirror #2 on the same cache folder", () => StartMirrorAsync(directory, cancellationToken));
        var recovered = await GetAdminAsync(second, cancellationToken);
        steps.WriteLine($"  mirror #2 index at start: {string.Join(" | ", IndexLines(second))}\n  /admin/cache: {recovered}");
        Assert.True(recovered.Recovered && recovered.Entries == 1, $"Mirror #2 should recover the checkpoint with one entry: {recovered}\n{Describe()}");

        var (fill, killGap) = await steps.RunAsync($"GET {committed} (mirror #2), kill -9 it as soon as the body is complete", async () =>
        {
            var download = await DownloadAsync(second, committed, cancellationToken);
            var gap = Stopwatch.StartNew();
            await second.KillAsync();
            return (download, gap.Elapsed);
        });
        steps.WriteLine($"  → {fill}; SIGKILL sent {killGap.TotalMilliseconds:F0} ms after the last byte");
        AssertComplete(committed, fill);
        var committedLine = second.LogLines().Any(l => l.Contains($"Fill of {committed.Digest} committed", StringComparison.Ordinal));
        steps.WriteLine($"  mirror #2 logged the commit before it died: {committedLine}");
        Assert.True(File.Exists(BlobPath(cache, committed)), $"The client had the whole blob, so it was committed: {BlobPath(cache, committed)} should exist.\n{Describe()}");
        var leftBehind = TempFiles(cache);
        steps.WriteLine($"  tmp/ after the kill: {Show(leftBehind)}");

        var upstreamBefore = (Checkpointed: (await WaitForBlobGetsAsync(checkpointed, 1, cancellationToken)).Count, Committed: (await WaitForBlobGetsAsync(committed, 1, cancellationToken)).Count);
        Assert.True(upstreamBefore == (1, 1), $"Each blob should have been fetched from the upstream once so far: {upstreamBefore}");

        var third = await steps.RunAsync("start mirror #3 on the same cache folder", () => StartMirrorAsync(directory, cancellationToken));
        var tempAfterStart = TempFiles(cache);
        Assert.True(tempAfterStart.Count == 0, $"{cache}/tmp should be empty after the start: {Show(tempAfterStart)}");
        var admin = await GetAdminAsync(third, cancellationToken);
        var disk = ScanCache(cache);
        steps.WriteLine($"  mirror #3 index at start: {string.Join(" | ", IndexLines(third))}\n  /admin/cache: {admin}\n  on disk: {disk}");
        AssertIndexMatchesDisk(admin, disk);
        Assert.True(disk.Blobs == 2 && admin.BlobEntries == 2, $"Both blobs should be on disk and in the index: admin {admin}, disk {disk}");

        var committedHit = await steps.RunAsync($"GET {committed} (mirror #3)", () => DownloadAsync(third, committed, cancellationToken));
        var checkpointedHit = await steps.RunAsync($"GET {checkpointed} (mirror #3)", () => DownloadAsync(third, checkpointed, cancellationToken));
        steps.WriteLine($"  → {committedHit}\n  → {checkpointedHit}");
        AssertComplete(committed, committedHit);
        AssertComplete(checkpointed, checkpointedHit);
        Assert.True(committedHit.Cache == "hit disk", $"The blob committed just before the SIGKILL should be 'X-Mirror-Cache: hit disk': {committedHit}\n{Describe()}");
        Assert.True(checkpointedHit.Cache == "hit disk", $"The checkpointed blob should be 'X-Mirror-Cache: hit disk': {checkpointedHit}");
        await fixture.Upstream.WaitForQuietAsync(cancellationToken);
        var upstreamAfter = (Checkpointed: fixture.Upstream.BlobGets(checkpointed).Count, Committed: fixture.Upstream.BlobGets(committed).Count);
        Assert.True(upstreamAfter == upstreamBefore, $"A restarted mirror went to the upstream for a blob it had committed: GETs {upstreamBefore} → {upstreamAfter}");

        var adminAfter = await GetAdminAsync(third, cancellationToken);
        AssertIndexMatchesDisk(adminAfter, ScanCache(cache));
        steps.WriteLine($"  /admin/cache after the hits: {adminAfter}");

        steps.WriteLine(
            $"MATRIX mirror SIGKILLed {killGap.TotalMilliseconds:F0} ms after a committed {committed.Length}-byte fill (index checkpoint from an earlier graceful stop " +
            $"holds 1 other blob) | client: 200, whole, sha256 ok | restart: tmp/ empty, /admin/cache {admin.Entries} entries / {admin.Bytes} bytes = disk " +
            $"(recovered={admin.Recovered}, {string.Join("; ", IndexLines(third).Select(l => l.Trim()))}); both blobs '{committedHit.Cache}', upstream GETs unchanged {upstreamAfter}");
        steps.Total();
    }

    /// <summary>
    /// How every test begins: its blobs still cold (no other test pulled them), a folder of its own (the cache is
    /// <c>&lt;directory&gt;/cache</c>), and mirror #1 started on it with an empty cache.
    /// </summary>
    private async Task<(StepLog Steps, string Directory, string Cache, MirrorProcess First)> StartColdAsync(
        string folder, FaultBlob[] blobs, CancellationToken cancellationToken)
    {
        var steps = new StepLog(output, Describe);
        var directory = fixture.Temp.CreateSubdirectory(folder);
        Assert.All(blobs, blob => Assert.True(fixture.Upstream.BlobGets(blob).Count == 0, $"{blob} is not cold: the upstream already served it."));
        var first = await steps.RunAsync("start mirror #1 (empty cache)", () => StartMirrorAsync(directory, cancellationToken));
        return (steps, directory, Path.Combine(directory, "cache"), first);
    }

    private async Task<MirrorProcess> StartMirrorAsync(string directory, CancellationToken cancellationToken)
    {
        var mirror = _started.Push(await fixture.StartMirrorAsync(directory, cancellationToken));
        _mirrors.Add(mirror);
        return mirror;
    }

    private string Describe() =>
        string.Join("\n\n", _mirrors.Select((m, i) => $"[mirror #{i + 1}] {m.Describe(40)}").Append(fixture.DescribeUpstreams()));

    /// <summary>The mirror's start-up lines about its index: recovered (5010/5011) and reconciled (5022).</summary>
    private static IEnumerable<string> IndexLines(MirrorProcess mirror) =>
        mirror.LogLines().Where(l => l.Contains("Blob index", StringComparison.Ordinal)).Select(l => l.Trim());

    /// <summary>
    /// Waits (up to 10 s) until the upstream has logged at least <paramref name="atLeast"/> GETs of the blob and its
    /// log has settled: the registry logs a request when it ends, and a request cut by a crash ends when nginx notices.
    /// </summary>
    private async Task<List<AccessLogEntry>> WaitForBlobGetsAsync(FaultBlob blob, int atLeast, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (fixture.Upstream.BlobGets(blob).Count < atLeast && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50, cancellationToken);
        }

        await fixture.Upstream.WaitForQuietAsync(cancellationToken);
        return fixture.Upstream.BlobGets(blob);
    }

    /// <summary>A raw GET of a blob through <paramref name="mirror"/>.</summary>
    private static Task<BlobDownload> DownloadAsync(MirrorProcess mirror, FaultBlob blob, CancellationToken cancellationToken) =>
        BlobDownload.RunAsync(blob.On(mirror.BaseUri), 0, null, cancellationToken);

    /// <summary>GET a manifest (docker.io, the default route) with the OCI manifest media type.</summary>
    private static async Task<ManifestAnswer> GetManifestAsync(MirrorProcess mirror, string repository, string reference, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(mirror.BaseUri, $"/v2/{repository}/manifests/{reference}"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MirrorCrashFixture.OciManifest));
        using var response = await RawHttp.Client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var cache = response.Headers.TryGetValues("X-Mirror-Cache", out var values) ? string.Join(",", values) : null;
        return new ManifestAnswer((int)response.StatusCode, cache, Sha256Digest.Of(body), body.Length);
    }

    /// <summary><c>GET /admin/cache</c> (loopback, no token): the index's totals and state.</summary>
    private static async Task<AdminCache> GetAdminAsync(MirrorProcess mirror, CancellationToken cancellationToken)
    {
        using var response = await RawHttp.Client.GetAsync(new Uri(mirror.BaseUri, "/admin/cache"), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET /admin/cache answered {(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        var disk = root.GetProperty("disk");
        return new AdminCache(
            disk.GetProperty("entries").GetInt64(),
            disk.GetProperty("bytes").GetInt64(),
            disk.GetProperty("blobs").GetProperty("entries").GetInt64(),
            disk.GetProperty("blobs").GetProperty("bytes").GetInt64(),
            disk.GetProperty("manifests").GetProperty("entries").GetInt64(),
            disk.GetProperty("manifests").GetProperty("bytes").GetInt64(),
            root.GetProperty("index").GetProperty("persistent").GetBoolean(),
            root.GetProperty("index").GetProperty("recovered").GetBoolean(),
            root.GetProperty("health").GetProperty("writable").GetBoolean(),
            root.GetProperty("health").GetProperty("indexLoaded").GetBoolean(),
            text);
    }

    private static void AssertIndexMatchesDisk(AdminCache admin, CacheOnDisk disk)
    {
        Assert.True(
            admin.BlobEntries == disk.Blobs && admin.BlobBytes == disk.BlobBytes
            && admin.ManifestEntries == disk.Manifests && admin.ManifestBytes == disk.ManifestBytes
            && admin.Entries == disk.Blobs + disk.Manifests && admin.Bytes == disk.BlobBytes + disk.ManifestBytes,
            $"/admin/cache does not match the files in the cache folder.\nadmin: {admin.Json}\ndisk: {disk}\n{string.Join("\n", disk.Files)}");
    }

    private static void AssertComplete(FaultBlob blob, BlobDownload download) =>
        Assert.True(
            download.IsComplete(blob.Length, blob.Digest),
            $"{blob} should download whole and correct: {download}");

    /// <summary>
    /// The committed files, counted the way the store does: <c>blobs|manifests/&lt;alg&gt;/&lt;xx&gt;/&lt;hex&gt;</c>
    /// whose name starts with its folder; a manifest's size includes its <c>.type</c> file.
    /// </summary>
    private static CacheOnDisk ScanCache(string cache)
    {
        var files = new List<string>();
        long blobs = 0, blobBytes = 0, manifests = 0, manifestBytes = 0;
        foreach (var kind in new[] { "blobs", "manifests" })
        {
            var root = Path.Combine(cache, kind);
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (var algorithm in Directory.EnumerateDirectories(root))
            {
                foreach (var prefix in Directory.EnumerateDirectories(algorithm))
                {
                    foreach (var file in new DirectoryInfo(prefix).EnumerateFiles())
                    {
                        if (!HexName().IsMatch(file.Name) || !file.Name.StartsWith(Path.GetFileName(prefix), StringComparison.Ordinal))
                        {
                            continue;
                        }

                        var size = file.Length;
                        if (kind == "manifests" && new FileInfo(file.FullName + ".type") is { Exists: true } type)
                        {
                            size += type.Length;
                        }

                        files.Add($"  {Path.GetRelativePath(cache, file.FullName)} {size}");
                        if (kind == "blobs")
                        {
                            (blobs, blobBytes) = (blobs + 1, blobBytes + size);
                        }
                        else
                        {
                            (manifests, manifestBytes) = (manifests + 1, manifestBytes + size);
                        }
                    }
                }
            }
        }

        return new CacheOnDisk(blobs, blobBytes, manifests, manifestBytes, files);
    }

    private static List<(string Name, long Length)> TempFiles(string cache)
    {
        var temp = Path.Combine(cache, "tmp");
        return Directory.Exists(temp)
            ? [.. new DirectoryInfo(temp).EnumerateFiles().Select(f => (f.Name, f.Length))]
            : [];
    }

    private static string Show(List<(string Name, long Length)> files) =>
        files.Count == 0 ? "(empty)" : string.Join(", ", files.Select(f => $"{f.Name} ({f.Length.ToString(CultureInfo.InvariantCulture)} bytes)"));

    private static string Hex(FaultBlob blob) => blob.Digest["sha256:".Length..];

    private static string BlobPath(string cache, FaultBlob blob) => Path.Combine(cache, "blobs", "sha256", Hex(blob)[..2], Hex(blob));

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexName();

    private sealed record ManifestAnswer(int Status, string? Cache, string BodyDigest, int Length)
    {
        public override string ToString() => $"HTTP {Status}, X-Mirror-Cache '{Cache}', {Length} bytes, {BodyDigest}";
    }

    private sealed record AdminCache(
        long Entries, long Bytes, long BlobEntries, long BlobBytes, long ManifestEntries, long ManifestBytes,
        bool Persistent, bool Recovered, bool Writable, bool IndexLoaded, string Json)
    {
        public override string ToString() =>
            $"entries {Entries} ({Bytes} bytes): blobs {BlobEntries} ({BlobBytes}), manifests {ManifestEntries} ({ManifestBytes}); " +
            $"persistent={Persistent}, recovered={Recovered}, writable={Writable}, indexLoaded={IndexLoaded}";
    }

    private sealed record CacheOnDisk(long Blobs, long BlobBytes, long Manifests, long ManifestBytes, IReadOnlyList<string> Files)
    {
        public override string ToString() => $"blobs {Blobs} ({BlobBytes} bytes), manifests {Manifests} ({ManifestBytes} bytes)";
    }
}
