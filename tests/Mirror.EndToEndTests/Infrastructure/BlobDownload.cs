using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>One client's raw GET of a blob through the mirror, hashed as it streamed; a broken transfer is a result, not a throw.</summary>
internal sealed record BlobDownload(int Client, int? Status, long? ContentLength, string? Cache, long Received, string? Digest, string? Error, TimeSpan Elapsed)
{
    /// <summary>When the first body byte arrived (null if none did).</summary>
    public TimeSpan? FirstByte { get; init; }

    /// <param name="url">The blob on the mirror.</param>
    /// <param name="client">A number for messages (and the slot in <paramref name="progress"/>).</param>
    /// <param name="progress">Where to publish the bytes received so far, or null.</param>
    /// <param name="cancellationToken">Aborts the download (a throw, unlike a broken transfer).</param>
    public static async Task<BlobDownload> RunAsync(Uri url, int client, long[]? progress, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        int? status = null;
        long? contentLength = null;
        string? cache = null;
        long received = 0;
        TimeSpan? firstByte = null;
        try
        {
            using var response = await RawHttp.Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            status = (int)response.StatusCode;
            contentLength = response.Content.Headers.ContentLength;
            cache = response.Headers.TryGetValues("X-Mirror-Cache", out var values) ? string.Join(",", values) : null;
            if (status != 200)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                return new BlobDownload(client, status, contentLength, cache, 0, null, $"HTTP {status}: {text}", stopwatch.Elapsed);
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                firstByte ??= stopwatch.Elapsed;
                received += read;
                if (progress is not null)
                {
                    Volatile.Write(ref progress[client], received);
                }
            }

            return new BlobDownload(client, status, contentLength, cache, received, Sha256Digest.FromHash(hash.GetHashAndReset()), null, stopwatch.Elapsed) { FirstByte = firstByte };
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return new BlobDownload(client, status, contentLength, cache, received, null, $"{e.GetType().Name}: {e.Message}", stopwatch.Elapsed) { FirstByte = firstByte };
        }
    }

    /// <summary>
    /// Starts <paramref name="clients"/> downloads at once, runs <paramref name="fault"/> once every client has bytes
    /// and the fastest has <paramref name="faultAfterBytes"/>, and waits for all of them. Returns each client's bytes at
    /// the moment of the fault. Throws when a download ends (or <paramref name="patience"/> passes) before that.
    /// </summary>
    public static async Task<(IReadOnlyList<BlobDownload> Downloads, long[] AtFault)> WithFaultAsync(
        Uri url, int clients, long faultAfterBytes, Func<Task> fault, TimeSpan patience, Func<string> describeServers, CancellationToken cancellationToken)
    {
        var progress = new long[clients];
        var downloads = Enumerable.Range(0, clients).Select(i => RunAsync(url, i, progress, cancellationToken)).ToList();
        var waited = Stopwatch.StartNew();

        // The fastest client, not the slowest: on a busy 2-core machine a client can trail the fill by seconds, and
        // waiting for it could let the fill finish before the fault.
        while (Enumerable.Range(0, clients).Any(i => Volatile.Read(ref progress[i]) == 0)
            || Enumerable.Range(0, clients).Max(i => Volatile.Read(ref progress[i])) < faultAfterBytes)
        {
            if (downloads.Any(d => d.IsCompleted) || waited.Elapsed > patience)
            {
                var done = await Task.WhenAll(downloads);
                throw new InvalidOperationException(
                    $"The clients did not reach {faultAfterBytes} bytes (fastest) while the blob was still streaming:\n{string.Join("\n", done)}\n{describeServers()}");
            }

            await Task.Delay(10, cancellationToken);
        }

        var atFault = Enumerable.Range(0, clients).Select(i => Volatile.Read(ref progress[i])).ToArray();
        await fault();
        return (await Task.WhenAll(downloads), atFault);
    }

    /// <summary>Whole and correct: a 200 that ended normally with every byte of <paramref name="digest"/>.</summary>
    public bool IsComplete(long length, string digest) => Status == 200 && Error is null && Received == length && Digest == digest;

    /// <summary>Never a complete-looking wrong body: either the transfer broke, or it is every byte of <paramref name="digest"/>.</summary>
    public bool IsBrokenOrComplete(long length, string digest) => Error is not null || (Received == length && Digest == digest);

    public override string ToString() =>
        $"client {Client}: HTTP {Status?.ToString(CultureInfo.InvariantCulture) ?? "-"}, Content-Length {ContentLength?.ToString(CultureInfo.InvariantCulture) ?? "-"}, " +
        $"X-Mirror-Cache '{Cache}', received {Received} in {Elapsed.TotalSeconds:F2}s, " +
        (Error is null ? $"complete, {Digest}" : $"BROKEN: {Error}");
}
