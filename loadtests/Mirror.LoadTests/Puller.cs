using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Mirror.LoadTests;

/// <summary>
/// Pulls one image the way dockerd does, verifying every byte:
/// <code>
///  GET /v2/&lt;name&gt;/manifests/&lt;tag&gt;   (Accept: OCI index, Docker list, OCI manifest, Docker manifest)
///   ├─ index/list? ─▶ pick os/arch ─▶ GET /v2/&lt;name&gt;/manifests/&lt;digest&gt;
///   ▼
///  config blob ─┐  (alongside the layers, as dockerd does)
///  layers ──────┴▶ at most LayerParallelism at once (dockerd's max-concurrent-downloads, default 3)
///                  each streamed through SHA-256 in 64 KiB pooled buffers, never held whole in memory
/// </code>
/// Manifests are checked against the requested digest or <c>Docker-Content-Digest</c>; blobs against their
/// descriptor's digest and size. A mismatch fails the pull: a cache that serves wrong bytes must show up here.
/// </summary>
internal sealed class Puller(HttpClient http, RunnerOptions options, RunCounters counters)
{
    private const int BufferSize = 64 * 1024;
    private const int MaxManifestBytes = 4 * 1024 * 1024;

    public async Task<PullResult> PullAsync(ImageReference image, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var state = new PullState(started);
        counters.PullStarted();
        try
        {
            var (mediaType, body) = await GetManifestAsync(image.Repository, image.Reference, state, cancellationToken);
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var jsonType = root.TryGetProperty("mediaType", out var mt) ? mt.GetString() : null;
            if (MediaTypes.IsIndex(jsonType) || MediaTypes.IsIndex(mediaType))
            {
                var chosen = root.GetProperty("manifests").EnumerateArray().Select(Descriptor.Read)
                    .FirstOrDefault(d => d.Os == options.Os && d.Architecture == options.Architecture)
                    ?? throw new InvalidDataException($"{image}: index has no {options.Os}/{options.Architecture} manifest");
                (_, body) = await GetManifestAsync(image.Repository, chosen.Digest, state, cancellationToken);
                using var child = JsonDocument.Parse(body);
                await GetImageBlobsAsync(image, child.RootElement, state, cancellationToken);
            }
            else
            {
                await GetImageBlobsAsync(image, root, state, cancellationToken);
            }

            counters.PullEnded(ok: true);
            return new PullResult(image, true, Stopwatch.GetElapsedTime(started).TotalSeconds, state.Bytes,
                state.FirstLayerByteSeconds, state.SlowestLayerFirstByteSeconds, null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or JsonException
                                      or KeyNotFoundException or InvalidOperationException
                                      or OperationCanceledException)
        {
            counters.PullEnded(ok: false);
            var message = e is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? $"request timed out after {options.RequestTimeout.TotalSeconds:0} s"
                : e.Message;
            return new PullResult(image, false, Stopwatch.GetElapsedTime(started).TotalSeconds, state.Bytes,
                state.FirstLayerByteSeconds, state.SlowestLayerFirstByteSeconds, $"{image}: {message}");
        }
    }

    private async Task GetImageBlobsAsync(ImageReference image, JsonElement manifest, PullState state,
        CancellationToken cancellationToken)
    {
        if (!manifest.TryGetProperty("layers", out var layersElement))
        {
            throw new InvalidDataException($"{image}: manifest has no layers (schema 1 is not supported)");
        }

        var config = Descriptor.Read(manifest.GetProperty("config"));
        var layers = layersElement.EnumerateArray().Select(Descriptor.Read).ToArray();
        using var slots = new SemaphoreSlim(options.LayerParallelism);
        var configTask = GetBlobAsync(image.Repository, config, state, isLayer: false, cancellationToken);
        var layerTasks = layers.Select(async layer =>
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                await GetBlobAsync(image.Repository, layer, state, isLayer: true, cancellationToken);
            }
            finally
            {
                slots.Release();
            }
        }).ToArray();
        await Task.WhenAll([configTask, .. layerTasks]);
    }

    private async Task<(string? MediaType, byte[] Body)> GetManifestAsync(string repository, string reference,
        PullState state, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Target, $"v2/{repository}/manifests/{reference}"));
        foreach (var type in MediaTypes.Accepted)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        EnsureStatus(response, request);
        if (response.Content.Headers.ContentLength > MaxManifestBytes)
        {
            throw new InvalidDataException($"{request.RequestUri}: manifest larger than {MaxManifestBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, timeout.Token);
        if (buffer.Length > MaxManifestBytes)
        {
            throw new InvalidDataException($"{request.RequestUri}: manifest larger than {MaxManifestBytes} bytes");
        }

        var body = buffer.ToArray();
        state.AddBytes(body.Length);
        counters.AddBytes(body.Length);
        var actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var expected = reference.StartsWith("sha256:", StringComparison.Ordinal)
            ? reference
            : response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        if (expected is not null && expected != actual)
        {
            throw new InvalidDataException($"{request.RequestUri}: manifest digest {actual}, expected {expected}");
        }

        return (response.Content.Headers.ContentType?.MediaType, body);
    }

    private async Task GetBlobAsync(string repository, Descriptor blob, PullState state, bool isLayer,
        CancellationToken cancellationToken)
    {
        if (!blob.Digest.StartsWith("sha256:", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{blob.Digest}: only sha256 digests are verified");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        var requested = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Target, $"v2/{repository}/blobs/{blob.Digest}"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        EnsureStatus(response, request);
        if (response.Content.Headers.ContentLength is { } length && length != blob.Size)
        {
            throw new InvalidDataException($"{request.RequestUri}: Content-Length {length}, descriptor size {blob.Size}");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long received = 0;
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), timeout.Token)) > 0)
            {
                if (received == 0 && isLayer)
                {
                    state.LayerFirstByte(requested);
                }

                received += n;
                hash.AppendData(buffer, 0, n);
                state.AddBytes(n);
                counters.AddBytes(n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (received != blob.Size)
        {
            throw new InvalidDataException($"{request.RequestUri}: received {received} bytes, descriptor size {blob.Size}");
        }

        var actual = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
        if (actual != blob.Digest)
        {
            throw new InvalidDataException($"{request.RequestUri}: content digest {actual}");
        }
    }

    private static void EnsureStatus(HttpResponseMessage response, HttpRequestMessage request)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {response.ReasonPhrase}",
                null, response.StatusCode);
        }
    }

    /// <summary>Per-pull timings, written by the concurrent layer downloads of that pull.</summary>
    private sealed class PullState(long started)
    {
        private readonly Lock _lock = new();
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);
        public double? FirstLayerByteSeconds { get; private set; }
        public double? SlowestLayerFirstByteSeconds { get; private set; }

        public void AddBytes(long n) => Interlocked.Add(ref _bytes, n);

        public void LayerFirstByte(long requested)
        {
            var now = Stopwatch.GetTimestamp();
            var wait = Stopwatch.GetElapsedTime(requested, now).TotalSeconds;
            var sincePull = Stopwatch.GetElapsedTime(started, now).TotalSeconds;
            lock (_lock)
            {
                FirstLayerByteSeconds ??= sincePull;
                SlowestLayerFirstByteSeconds = Math.Max(SlowestLayerFirstByteSeconds ?? 0, wait);
            }
        }
    }
}
