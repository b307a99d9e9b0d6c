using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace Mirror.EndToEndTests;

/// <summary>
/// The fault matrix with real programs (see <see cref="UpstreamFaultFixture"/> for the layout and the tuning): the
/// upstream registry is killed (SIGKILL) and restarted on the same port, and the nginx in front of it is killed or
/// frozen in the middle of a 24 MiB blob that five clients are downloading through the mirror at once.
/// Each test restores what it broke, so the order does not matter.
/// </summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed partial class UpstreamFaultTests(UpstreamFaultFixture fixture, ITestOutputHelper output) : IClassFixture<UpstreamFaultFixture>
{
    private const int Clients = 5;

    /// <summary>
    /// A fault is injected once the fastest client has this much of the blob (so the fill has at least as much) and
    /// every client has its headers and some bytes. nginx's <c>limit_rate</c> lets up to two seconds' worth (16 MiB)
    /// through in the first second, so the fill is then somewhere in 4…16 MiB of 24.
    /// </summary>
    private const long FaultAfterBytes = 4 * MiB;

    /// <summary>What "fails fast" means here: an uncached request with the upstream dead.</summary>
    private static readonly TimeSpan FailFast = TimeSpan.FromSeconds(5);

    /// <summary>How long nginx stays dead in the kill tests ("back after ~1 s").</summary>
    private static readonly TimeSpan NginxOutage = TimeSpan.FromSeconds(1);

    /// <summary>How long nginx stays frozen in the stall test: longer than BodyIdleTimeout.</summary>
    private static readonly TimeSpan Stall = UpstreamFaultFixture.BodyIdleTimeout + TimeSpan.FromSeconds(1.5);

    /// <summary>What a nginx row checks once the downloads have ended.</summary>
    private delegate Task FaultCheck(int logMark, StepLog steps, FaultBlob blob, IReadOnlyList<BlobDownload> downloads, long[] atFault, CancellationToken cancellationToken);

    /// <summary>
    /// Row "upstream dead": after a warm pull the upstream is killed. The tag (past its 1 s TagTtl) is served stale
    /// with a <c>Warning: 110</c> and the whole image pulls from the cache; an image never pulled fails at once with
    /// 503 UNAVAILABLE, and skopeo fails too.
    /// </summary>
    [Fact]
    public async Task UpstreamKilled_WarmImageServedStaleWithWarning_NeverPulledImageFailsFast503()
    {
        using var deadline = new CancellationTokenSource(FaultCollection.TestTimeout);
        var cancellationToken = deadline.Token;
        var steps = new StepLog(output, fixture.DescribeServers);
        await fixture.EnsureAllRunningAsync(cancellationToken);
        var mirror = fixture.Mirror;
        var (warm, never) = (fixture.WarmImage, fixture.NeverImage);
        try
        {
            var layout = NewLayout("warm");
            await steps.RunAsync($"skopeo copy {warm.On(mirror.HostPort)} (upstream up: fills the cache)", () =>
                fixture.Skopeo.CopyAsync($"docker://{warm.On(mirror.HostPort)}", $"oci:{layout}:x", ["--preserve-digests"], cancellationToken));
            DigestAssert.Matches("skopeo", warm, await OciLayout.DigestAsync(layout));

            // The raw GETs' own Accept variant of the tag (the tag cache is keyed by Accept) is cached here too.
            var fresh = await steps.RunAsync($"GET manifest {warm.Repository}:{warm.Tag} (upstream up)", () =>
                GetManifestAsync(warm.Repository, warm.Tag, cancellationToken));
            var validated = Stopwatch.StartNew();
            steps.WriteLine($"  → {fresh.Summary}");
            Assert.True(fresh.Status == 200 && fresh.Header("Warning") is null, $"A fresh tag should answer 200 without Warning:\n{fresh}");

            await steps.RunAsync("kill -9 the upstream registry", fixture.Upstream.KillAsync);
            await AssertUpstreamRefusesAsync(cancellationToken);
            var pastTtl = UpstreamFaultFixture.TagTtl + TimeSpan.FromMilliseconds(300) - validated.Elapsed;
            if (pastTtl > TimeSpan.Zero)
            {
                await Task.Delay(pastTtl, cancellationToken);
            }

            var stale = await steps.RunAsync($"GET manifest {warm.Repository}:{warm.Tag} (upstream dead, {validated.Elapsed.TotalSeconds:F1}s after validation, TagTtl {UpstreamFaultFixture.TagTtl.TotalSeconds:F0}s)", () =>
                GetManifestAsync(warm.Repository, warm.Tag, cancellationToken));
            steps.WriteLine($"  → {stale.Summary}");
            Assert.True(stale.Status == 200, $"The cached tag must still be served with the upstream dead:\n{stale}\n{fixture.DescribeServers()}");
            Assert.True(
                stale.Header("Warning") is { } warning && warning.StartsWith("110", StringComparison.Ordinal),
                $"A tag served past its TagTtl because the upstream is down must carry 'Warning: 110 …':\n{stale}");
            Assert.True(stale.BodyDigest == warm.ManifestDigest, $"The stale manifest hashes to {stale.BodyDigest}, the upstream had {warm.ManifestDigest}.");
            Assert.True(stale.Header("Docker-Content-Digest") == warm.ManifestDigest, $"Docker-Content-Digest of the stale answer:\n{stale}");

            var staleLayout = NewLayout("warm-stale");
            var staleCopy = await steps.RunAsync($"skopeo copy {warm.On(mirror.HostPort)} (upstream dead)", () =>
                fixture.Skopeo.TryCopyAsync($"docker://{warm.On(mirror.HostPort)}", $"oci:{staleLayout}:x", ["--preserve-digests"], destinationCredentials: null, cancellationToken));
            Assert.True(staleCopy.Succeeded, $"skopeo could not pull the cached image with the upstream dead:\n{staleCopy.StandardError}\n{fixture.DescribeServers()}");
            DigestAssert.Matches("skopeo (upstream dead)", warm, await OciLayout.DigestAsync(staleLayout));

            var cold = await steps.RunAsync($"GET manifest {never.Repository}:{never.Tag} (never pulled, upstream dead)", () =>
                GetManifestAsync(never.Repository, never.Tag, cancellationToken));
            steps.WriteLine($"  → {cold.Summary}");
            Assert.True(cold.Status == 503, $"An uncached manifest with the upstream dead should be 503:\n{cold}");
            Assert.True(cold.OciErrorCodes.Contains("UNAVAILABLE"), $"Expected an OCI error with code UNAVAILABLE:\n{cold}");
            Assert.True(cold.Elapsed < FailFast, $"The 503 took {cold.Elapsed.TotalSeconds:F1}s; it should fail fast (< {FailFast.TotalSeconds:F0}s).");

            var coldCopy = await steps.RunAsync($"skopeo copy {never.On(mirror.HostPort)} (never pulled, upstream dead)", () =>
                fixture.Skopeo.TryCopyAsync($"docker://{never.On(mirror.HostPort)}", $"oci:{NewLayout("never")}:x", ["--preserve-digests"], destinationCredentials: null, cancellationToken));
            steps.WriteLine($"  → skopeo exit {coldCopy.ExitCode} after {coldCopy.Elapsed.TotalSeconds:F2}s: {coldCopy.StandardError.Trim()}");
            Assert.False(coldCopy.Succeeded, $"skopeo pulled {never} with the upstream dead, though the mirror never had it.");
            Assert.True(coldCopy.Elapsed < FailFast, $"skopeo took {coldCopy.Elapsed.TotalSeconds:F1}s to fail; the mirror should fail fast.");

            steps.WriteLine(
                $"MATRIX upstream killed (SIGKILL) after a warm pull | tag {warm.Repository}:{warm.Tag}: 200 + '{stale.Header("Warning")}' " +
                $"in {stale.Elapsed.TotalMilliseconds:F0} ms, skopeo copy ok in {staleCopy.Elapsed.TotalSeconds:F2}s, digest matches; " +
                $"{never.Repository}:{never.Tag}: {cold.Status} {string.Join(",", cold.OciErrorCodes)} in {cold.Elapsed.TotalMilliseconds:F0} ms, " +
                $"skopeo exit {coldCopy.ExitCode} in {coldCopy.Elapsed.TotalSeconds:F2}s | cached manifest + blobs served, nothing cached for the failure");
        }
        finally
        {
            await fixture.Upstream.RestartAsync(CancellationToken.None);
        }

        steps.Total();
    }

    /// <summary>
    /// Row "upstream restarted": with the upstream dead, failing requests open the mirror's circuit breaker. The
    /// upstream comes back on the same port, an image is pushed to it directly, and it pulls through the mirror once
    /// the breaker lets a probe through (BreakDuration 2 s): no failure was cached.
    /// </summary>
    [Fact]
    public async Task UpstreamRestarted_BreakerCloses_ImagePushedMeanwhilePullsThroughMirror()
    {
        const string Repository = "library/later";
        const string Tag = "1";
        using var deadline = new CancellationTokenSource(FaultCollection.TestTimeout);
        var cancellationToken = deadline.Token;
        var steps = new StepLog(output, fixture.DescribeServers);
        await fixture.EnsureAllRunningAsync(cancellationToken);
        var mirror = fixture.Mirror;
        try
        {
            await steps.RunAsync("kill -9 the upstream registry", fixture.Upstream.KillAsync);
            await AssertUpstreamRefusesAsync(cancellationToken);

            // Every GET makes MaxAttempts (2) failing attempts; the breaker opens after 10 in its sampling window.
            var failures = new List<Answer>();
            var breaker = await steps.RunAsync($"GET manifest {Repository}:{Tag} until the breaker opens (upstream dead)", async () =>
            {
                for (var i = 0; i < 20; i++)
                {
                    failures.Add(await GetManifestAsync(Repository, Tag, cancellationToken));
                    if (await BreakerStateAsync(UpstreamFaultFixture.DockerHub, cancellationToken) == 2)
                    {
                        break;
                    }
                }

                return await BreakerStateAsync(UpstreamFaultFixture.DockerHub, cancellationToken);
            });
            steps.WriteLine($"  → {failures.Count} requests: {string.Join("; ", failures.Select(f => $"{f.Status} {string.Join(",", f.OciErrorCodes)} {f.Elapsed.TotalMilliseconds:F0} ms"))}");
            steps.WriteLine($"  → last: {failures[^1].Summary}");
            Assert.All(failures, f => Assert.True(f.Status == 503 && f.OciErrorCodes.Contains("UNAVAILABLE"), $"Expected 503 UNAVAILABLE with the upstream dead:\n{f}"));
            Assert.True(breaker == 2, $"mirror_upstream_breaker_state{{upstream=\"docker.io\"}} is {breaker?.ToString(CultureInfo.InvariantCulture) ?? "missing"} after {failures.Count} failing requests; expected 2 (open).");

            var restarted = await steps.RunAsync("restart the upstream (same port, same storage)", async () =>
            {
                await fixture.Upstream.RestartAsync(cancellationToken);
                return Stopwatch.StartNew();
            });
            var later = await steps.RunAsync($"push {Repository}:{Tag} straight to the upstream", () =>
                fixture.Builder.PushAsync(fixture.LaterImage, Repository, Tag, cancellationToken));

            var polls = new List<Answer>();
            var ok = await steps.RunAsync($"GET manifest {Repository}:{Tag} through the mirror until 200", async () =>
            {
                while (restarted.Elapsed < TimeSpan.FromSeconds(20))
                {
                    var answer = await GetManifestAsync(Repository, Tag, cancellationToken);
                    polls.Add(answer);
                    if (answer.Status == 200)
                    {
                        return answer;
                    }

                    await Task.Delay(100, cancellationToken);
                }

                return null;
            });
            var recovered = restarted.Elapsed;
            steps.WriteLine($"  → {polls.Count} GETs, 200 {recovered.TotalSeconds:F2}s after the restart; before it: " +
                string.Join("; ", polls.SkipLast(1).GroupBy(p => $"{p.Status} {p.OciMessages}").Select(g => $"{g.Count()} x {g.Key}")));
            Assert.True(ok is not null, $"{Repository}:{Tag} did not pull through the mirror within 20 s of the upstream's restart:\n{string.Join("\n", polls.TakeLast(3))}\n{fixture.DescribeServers()}");
            Assert.True(ok!.BodyDigest == later.ManifestDigest, $"Through the mirror {Repository}:{Tag} hashes to {ok.BodyDigest}; the upstream has {later.ManifestDigest}.");

            // BreakDuration (2 s) explains the wait; much longer means a failure was remembered (e.g. a cached 503).
            Assert.True(recovered < UpstreamFaultFixture.BreakDuration + TimeSpan.FromSeconds(6),
                $"{Repository}:{Tag} pulled {recovered.TotalSeconds:F1}s after the restart; the breaker's BreakDuration is {UpstreamFaultFixture.BreakDuration.TotalSeconds:F0}s.");

            var layout = NewLayout("later");
            await steps.RunAsync($"skopeo copy {later.On(mirror.HostPort)}", () =>
                fixture.Skopeo.CopyAsync($"docker://{later.On(mirror.HostPort)}", $"oci:{layout}:x", ["--preserve-digests"], cancellationToken));
            DigestAssert.Matches("skopeo", later, await OciLayout.DigestAsync(layout));
            await UpstreamAssert.FetchedThroughMirrorAsync(fixture.Upstream, "skopeo", later);
            var closed = await BreakerStateAsync(UpstreamFaultFixture.DockerHub, cancellationToken);
            Assert.True(closed == 0, $"mirror_upstream_breaker_state{{upstream=\"docker.io\"}} is {closed} after successful pulls; expected 0 (closed).");

            steps.WriteLine(
                $"MATRIX upstream killed, {failures.Count} requests (breaker opened), restarted on the same port + new image pushed | " +
                $"503 UNAVAILABLE while dead ({failures[^1].Elapsed.TotalMilliseconds:F0} ms once open); {Repository}:{Tag} 200 " +
                $"{recovered.TotalSeconds:F2}s after the restart ({polls.Count - 1} 503s first), skopeo copy digest matches, breaker state 0 | " +
                "no failure cached; the new image filled from the upstream");
        }
        finally
        {
            await fixture.Upstream.RestartAsync(CancellationToken.None);
        }

        steps.Total();
    }

    /// <summary>
    /// Row "connection to the upstream killed mid-blob, back after 1 s": five clients download a cold 24 MiB blob
    /// through resume.test (one fill), nginx is killed once they have 4 MiB and restarted after 1 s. The mirror
    /// resumes the fill with <c>Range: bytes=&lt;written&gt;-</c> (its retries outlast the outage) and every client gets
    /// the whole blob, correct, in one uninterrupted response. Then the blob is a cache hit.
    /// </summary>
    [Fact]
    public Task NginxKilledMidBlob_BackAfterOneSecond_FillResumesWithRange_AllClientsGetCorrectBytes() =>
        RunNginxFaultAsync(fixture.KillResumeBlob, KillNginxForAnOutage, ResumedAndCached(
            (blob, resumedAt, atFault) => $"nginx (upstream connection) killed mid-blob (fill at {resumedAt} of {blob.Length} bytes, clients at {atFault.Min()}…{atFault.Max()}), back after 1 s",
            resumedHow: string.Empty));

    /// <summary>
    /// Row "killed mid-blob, outage longer than the retries": the same fault through fragile.test, whose 2 attempts
    /// 100 ms apart end before nginx is back. The fill fails: every client's transfer is aborted short of its
    /// Content-Length (never a complete-looking wrong body), nothing is cached, and the next GET fetches the blob anew.
    /// </summary>
    [Fact]
    public Task NginxKilledMidBlob_OutageOutlastsRetries_ClientsAbortedNothingCached() =>
        RunNginxFaultAsync(fixture.KillAbortBlob, KillNginxForAnOutage, async (logMark, steps, blob, downloads, atFault, cancellationToken) =>
        {
            // Never a complete-looking wrong body: a response that ended normally must be the right bytes.
            Assert.All(downloads, d => Assert.True(
                d.IsBrokenOrComplete(blob.Length, blob.Digest),
                $"client {d.Client} got a complete-looking response that is not the blob: {d}"));
            Assert.All(downloads, d => Assert.True(
                d.Error is not null && d.Received < blob.Length && d.Status == 200 && d.ContentLength == blob.Length,
                $"client {d.Client}: expected the 200 ({blob.Length} bytes announced) to be aborted short of its end, because " +
                $"fragile.test's 2 attempts cannot outlast a {NginxOutage.TotalSeconds:F0}s outage: {d}\n{fixture.DescribeServers()}"));
            var mirrorLines = MirrorLines(blob, logMark);
            steps.WriteLine($"  mirror log: {string.Join(" | ", mirrorLines.Select(l => l.Replace(blob.Digest, "<blob>", StringComparison.Ordinal)))}");
            var fillFailed = mirrorLines.Where(l => l.Contains("failed", StringComparison.Ordinal)).ToList();
            Assert.True(fillFailed.Count > 0, $"The mirror did not log a failed fill of {blob.Digest}:\n{fixture.DescribeServers()}");

            await fixture.Upstream.WaitForQuietAsync(cancellationToken);
            var before = fixture.Upstream.BlobGets(blob);
            var again = await steps.RunAsync($"GET {blob} again (nginx back)", () => DownloadAsync(blob, cancellationToken));
            steps.WriteLine($"  → {again}");
            Assert.True(again.Error is null && again.Digest == blob.Digest, $"The blob should download whole after the failed fill:\n{again}\n{fixture.DescribeServers()}");
            await fixture.Upstream.WaitForQuietAsync(cancellationToken);
            var after = fixture.Upstream.BlobGets(blob);
            Assert.True(after.Count == before.Count + 1, $"The failed fill must leave nothing cached: the next GET should fetch the blob from the upstream again (upstream GETs {before.Count} → {after.Count}).");
            steps.WriteLine(
                $"MATRIX nginx killed mid-blob (clients at {atFault.Min()}…{atFault.Max()} of {blob.Length} bytes), back after 1 s, outage > retries (2 attempts, 100 ms); {Clients} concurrent GETs | " +
                $"all {Clients}: 200 with Content-Length {blob.Length}, then aborted after {string.Join("/", downloads.Select(d => d.Received))} bytes ({string.Join("; ", downloads.Select(d => d.Error).Distinct())}), no wrong body | " +
                $"nothing cached: mirror '{Truncate(fillFailed[0].Trim(), 160)}'; the next GET fetched it again (upstream GETs {before.Count} → {after.Count}) and was correct");
        });

    /// <summary>
    /// Row "upstream stalls mid-blob": nginx is frozen (SIGSTOP: connections open, no bytes) for longer than
    /// BodyIdleTimeout (2 s). The mirror gives up on the silent body and resumes with Range on a new connection, which
    /// nginx answers once thawed; every client gets the whole blob, correct.
    /// </summary>
    [Fact]
    public Task NginxFrozenMidBlob_BodyIdleTimeout_FillResumesWithRange_AllClientsGetCorrectBytes() =>
        RunNginxFaultAsync(fixture.StallBlob, FreezeNginxLongerThanBodyIdleTimeout, ResumedAndCached(
            (blob, resumedAt, _) => $"nginx frozen (SIGSTOP) mid-blob (fill at {resumedAt} of {blob.Length} bytes) for {Stall.TotalSeconds:F1}s > BodyIdleTimeout 2 s",
            resumedHow: "idle body dropped, "));

    /// <summary>
    /// The frame of the nginx rows: nginx and the registry up, the blob cold, <see cref="Clients"/> concurrent GETs of
    /// it with <paramref name="fault"/> injected mid-transfer, then <paramref name="check"/>; nginx is thawed and
    /// restarted afterwards whatever happened.
    /// </summary>
    private async Task RunNginxFaultAsync(FaultBlob blob, NginxFault fault, FaultCheck check)
    {
        using var deadline = new CancellationTokenSource(FaultCollection.TestTimeout);
        var cancellationToken = deadline.Token;
        var steps = new StepLog(output, fixture.DescribeServers);
        await fixture.EnsureAllRunningAsync(cancellationToken);
        AssertCold(blob);
        var logMark = fixture.Mirror.LogLines().Count;
        try
        {
            var (downloads, atFault) = await steps.RunAsync($"{Clients} x GET {blob}; {fault.Description}", () =>
                DownloadWithFaultAsync(blob, () => fault.InjectAsync(cancellationToken), cancellationToken));
            Report(steps, downloads, atFault);
            AssertMidTransfer(blob, atFault);
            await check(logMark, steps, blob, downloads, atFault, cancellationToken);
        }
        finally
        {
            fixture.Nginx.Thaw();
            await fixture.Nginx.RestartAsync(CancellationToken.None);
        }

        steps.Total();
    }

    /// <summary>nginx SIGKILLed, and restarted on the same port after <see cref="NginxOutage"/>.</summary>
    private NginxFault KillNginxForAnOutage => new(
        $"kill -9 nginx at {FaultAfterBytes / MiB} MiB, restart after {NginxOutage.TotalSeconds:F0}s",
        async cancellationToken =>
        {
            await fixture.Nginx.KillAsync();
            await Task.Delay(NginxOutage, cancellationToken);
            await fixture.Nginx.RestartAsync(cancellationToken);
        });

    /// <summary>nginx SIGSTOPped (connections open, no bytes) for longer than BodyIdleTimeout, then SIGCONT.</summary>
    private NginxFault FreezeNginxLongerThanBodyIdleTimeout => new(
        $"SIGSTOP nginx at {FaultAfterBytes / MiB} MiB, SIGCONT after {Stall.TotalSeconds:F1}s",
        async cancellationToken =>
        {
            fixture.Nginx.Freeze();
            try
            {
                await Task.Delay(Stall, cancellationToken);
            }
            finally
            {
                fixture.Nginx.Thaw();
            }
        });

    /// <summary>
    /// Starts <see cref="Clients"/> downloads at once, runs <paramref name="fault"/> once every client has
    /// <see cref="FaultAfterBytes"/>, and waits for all of them. Returns each client's bytes at the moment of the fault.
    /// </summary>
    private Task<(IReadOnlyList<BlobDownload> Downloads, long[] AtFault)> DownloadWithFaultAsync(
        FaultBlob blob, Func<Task> fault, CancellationToken cancellationToken) =>
        BlobDownload.WithFaultAsync(blob.On(fixture.Mirror.BaseUri), Clients, FaultAfterBytes, fault, TimeSpan.FromSeconds(30), fixture.DescribeServers, cancellationToken);

    /// <summary>A raw GET of the blob through the mirror.</summary>
    private Task<BlobDownload> DownloadAsync(FaultBlob blob, CancellationToken cancellationToken) =>
        BlobDownload.RunAsync(blob.On(fixture.Mirror.BaseUri), 0, null, cancellationToken);

    /// <summary>GET a manifest from the mirror (docker.io, the default route) with the test images' media types.</summary>
    private async Task<Answer> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Mirror.BaseUri, $"/v2/{repository}/manifests/{reference}"));
        foreach (var mediaType in RegistryHttp.ManifestMediaTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        }

        var stopwatch = Stopwatch.StartNew();
        using var response = await RawHttp.Client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated)
            .Select(h => (h.Key, Value: string.Join(", ", h.Value)))
            .ToList();
        return new Answer($"GET {request.RequestUri}", (int)response.StatusCode, headers, body, stopwatch.Elapsed);
    }

    /// <summary>The mirror's circuit-breaker gauge for an upstream (0 closed, 1 half-open, 2 open), from /metrics.</summary>
    private async Task<double?> BreakerStateAsync(string upstream, CancellationToken cancellationToken)
    {
        var metrics = await RawHttp.Client.GetStringAsync(new Uri(fixture.Mirror.BaseUri, "/metrics"), cancellationToken);
        var prefix = $"mirror_upstream_breaker_state{{upstream=\"{upstream}\"}} ";
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }

    private async Task AssertUpstreamRefusesAsync(CancellationToken cancellationToken)
    {
        Assert.False(fixture.Upstream.IsRunning, "The upstream registry process should be dead.");
        var refused = false;
        try
        {
            using var response = await RawHttp.Client.GetAsync(new Uri(fixture.Upstream.BaseUri, "/v2/"), cancellationToken);
        }
        catch (HttpRequestException)
        {
            refused = true;
        }

        Assert.True(refused, $"{fixture.Upstream.BaseUri} still answers after the kill.");
    }

    private void AssertCold(FaultBlob blob) =>
        Assert.True(fixture.Upstream.BlobGets(blob).Count == 0, $"{blob} is not cold: the upstream already served it. Only one test may use it.");

    private static void AssertMidTransfer(FaultBlob blob, long[] atFault) =>
        Assert.True(atFault.All(b => b < blob.Length), $"The fault came too late: clients already had [{string.Join(", ", atFault)}] of {blob.Length} bytes.");

    private void AssertAllCorrect(FaultBlob blob, IReadOnlyList<BlobDownload> downloads) =>
        Assert.All(downloads, d => Assert.True(
            d.IsComplete(blob.Length, blob.Digest),
            $"client {d.Client} should have received the whole blob ({blob.Length} bytes, {blob.Digest}): {d}\n{fixture.DescribeServers()}"));

    /// <summary>
    /// The upstream served the blob at least twice (the cut request and the resume), one of them a 206, and nginx
    /// logged the mirror's <c>Range: bytes=N-</c> with N &gt; 0. Returns the upstream's GETs and N.
    /// </summary>
    private async Task<(IReadOnlyList<AccessLogEntry> UpstreamGets, long ResumedAt)> AssertResumedWithRangeAsync(StepLog steps, FaultBlob blob, int logMark)
    {
        await fixture.Upstream.WaitForQuietAsync(CancellationToken.None);
        var gets = fixture.Upstream.BlobGets(blob);
        var nginxLines = fixture.Nginx.AccessLog().Where(l => l.Contains(blob.Digest, StringComparison.Ordinal)).ToList();
        steps.WriteLine($"  upstream access log, GETs of the blob ({gets.Count}): {string.Join(" | ", gets)}");
        steps.WriteLine($"  nginx access log for the blob: {string.Join(" | ", nginxLines.Select(l => l.Replace(blob.Digest, "<blob>", StringComparison.Ordinal)))}");
        steps.WriteLine($"  mirror log: {string.Join(" | ", MirrorLines(blob, logMark).Select(l => l.Replace(blob.Digest, "<blob>", StringComparison.Ordinal)))}");

        Assert.True(gets.Count >= 2, $"The upstream served the blob {gets.Count} time(s); a resumed fill needs the cut request and a resume: {string.Join(" | ", gets)}\n{fixture.DescribeServers()}");
        Assert.True(gets.Any(e => e.Status == 206), $"No 206 among the upstream's GETs of the blob, so nothing was resumed with Range: {string.Join(" | ", gets)}");
        var resumes = nginxLines.Select(l => RangeStart().Match(l)).Where(m => m.Success).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(resumes.Count > 0 && resumes.All(n => n > 0 && n < blob.Length),
            $"nginx logged no 206 with Range: bytes=N- (0 < N < {blob.Length}) for the blob: {string.Join(" | ", nginxLines)}");
        return (gets, resumes[0]);
    }

    /// <summary>
    /// What both resume rows check: every client got the whole blob, the fill resumed with a Range request, and the
    /// blob is now cached. Then the MATRIX line; <paramref name="fault"/> writes its first cell from the blob, where
    /// the fill resumed and what each client had at the fault.
    /// </summary>
    private FaultCheck ResumedAndCached(Func<FaultBlob, long, long[], string> fault, string resumedHow) =>
        async (logMark, steps, blob, downloads, atFault, cancellationToken) =>
        {
            AssertAllCorrect(blob, downloads);

            var (upstreamGets, resumedAt) = await AssertResumedWithRangeAsync(steps, blob, logMark);
            var hit = await AssertCachedAsync(steps, blob, upstreamGets.Count, cancellationToken);
            steps.WriteLine(
                $"MATRIX {fault(blob, resumedAt, atFault)}; {Clients} concurrent GETs | " +
                $"all {Clients}: 200, {blob.Length} bytes, sha256 ok, {downloads.Max(d => d.Elapsed).TotalSeconds:F1}s max | " +
                $"{resumedHow}resumed with Range bytes={resumedAt}-; upstream GETs of the blob: {upstreamGets.Count} ({string.Join(", ", upstreamGets.Select(e => $"{e.Status} {e.Bytes}"))}); " +
                $"committed, then a hit ({hit})");
        };

    /// <summary>The blob is now a cache hit: whole and correct, with no new upstream GET.</summary>
    private async Task<string> AssertCachedAsync(StepLog steps, FaultBlob blob, int upstreamGets, CancellationToken cancellationToken)
    {
        var again = await steps.RunAsync($"GET {blob} again (cache)", () => DownloadAsync(blob, cancellationToken));
        steps.WriteLine($"  → {again}");
        Assert.True(again.Error is null && again.Digest == blob.Digest, $"The resumed blob should now download whole from the cache:\n{again}");
        await fixture.Upstream.WaitForQuietAsync(cancellationToken);
        Assert.True(fixture.Upstream.BlobGets(blob).Count == upstreamGets, $"The blob was fetched from the upstream again after the resumed fill ({upstreamGets} → {fixture.Upstream.BlobGets(blob).Count}): it was not cached.");
        return $"X-Mirror-Cache: {again.Cache}, {again.Elapsed.TotalMilliseconds:F0} ms, no upstream GET";
    }

    /// <summary>
    /// The mirror's log lines since <paramref name="logMark"/> about this blob's fill (started, broke/resuming,
    /// committed, failed) and about its upstream (retries, unreachable, breaker).
    /// </summary>
    private List<string> MirrorLines(FaultBlob blob, int logMark) =>
        [.. fixture.Mirror.LogLines().Skip(logMark)
            .Where(l => l.Contains(blob.Digest, StringComparison.Ordinal) || l.Contains($"Upstream {blob.Registry}", StringComparison.Ordinal))
            .Select(l => l.Trim())];

    private static void Report(StepLog steps, IReadOnlyList<BlobDownload> downloads, long[] atFault)
    {
        steps.WriteLine($"  bytes per client at the fault: {string.Join(", ", atFault)}");
        foreach (var download in downloads)
        {
            steps.WriteLine($"  {download}");
        }
    }

    private string NewLayout(string name) => Path.Combine(fixture.Temp.CreateSubdirectory(name), "layout");

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    [GeneratedRegex("""^GET \S+ HTTP/[\d.]+ 206 \d+ range="bytes=(\d+)-"$""")]
    private static partial Regex RangeStart();

    /// <summary>A fault injected into nginx mid-blob: what the step log calls it, and how.</summary>
    private sealed record NginxFault(string Description, Func<CancellationToken, Task> InjectAsync);

    /// <summary>One raw answer of the mirror, with the exact body bytes.</summary>
    private sealed record Answer(string Request, int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, TimeSpan Elapsed)
    {
        public string BodyDigest => Sha256Digest.Of(Body);

        public IReadOnlyList<string> OciErrorCodes => [.. Errors().Select(e => e.Code)];

        public string OciMessages => string.Join("; ", Errors().Select(e => e.Message));

        public string Summary =>
            $"{Status} in {Elapsed.TotalMilliseconds:F0} ms, Warning: {Header("Warning") ?? "-"}, X-Mirror-Cache: {Header("X-Mirror-Cache") ?? "-"}" +
            (Status == 200 ? $", body {BodyDigest}" : $", body {Truncate(Encoding.UTF8.GetString(Body), 300)}");

        public string? Header(string name) =>
            Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

        public override string ToString() =>
            $"{Request} → {Status} in {Elapsed.TotalMilliseconds:F0} ms\n{string.Join("\n", Headers.Select(h => $"{h.Name}: {h.Value}"))}\n\n{Truncate(Encoding.UTF8.GetString(Body), 2000)}";

        private IReadOnlyList<(string Code, string Message)> Errors() =>
            new RawResponse(Request, Status, string.Empty, Encoding.UTF8.GetString(Body)).OciErrors();
    }
}
