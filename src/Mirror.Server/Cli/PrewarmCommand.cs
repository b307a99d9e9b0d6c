using System.Globalization;
using System.Text.Json;
using Mirror.Prewarm;
using Mirror.Server.Admin;

namespace Mirror.Server.Cli;

/// <summary>
/// <c>Mirror.Server prewarm --mirror URL [--platform os/arch]… [--token-file FILE] IMAGE…</c>: starts a prewarm job on a
/// running mirror and follows it — a progress bar on a terminal, a plain line per change otherwise — and exits 0
/// when every image is cached, 1 when one failed or the mirror could not be asked, 2 for a bad command line.
/// </summary>
internal static class PrewarmCommand
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    /// <summary>Checks the arguments; the command keeps them for <see cref="RunAsync"/>.</summary>
    public static Command Parse(IReadOnlyList<string> args) =>
        TryRead(args, out _, out var errors)
            ? new Command(CommandKind.Prewarm, [.. args], [], new HashSet<string>(StringComparer.OrdinalIgnoreCase))
            : Command.Invalid([.. errors, "usage: " + CommandLine.ProgramName + " prewarm --mirror URL [--platform os/arch]… [--token-file FILE] IMAGE…"]);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, bool terminal, string? token, CancellationToken cancellationToken)
    {
        if (!TryRead(args, out var request, out var errors))
        {
            foreach (var problem in errors)
            {
                await error.WriteLineAsync($"{CommandLine.ProgramName} prewarm: {problem}");
            }

            return ExitCodes.Usage;
        }

        if (request.TokenFile is { } file)
        {
            try
            {
                token = (await File.ReadAllTextAsync(file, cancellationToken)).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"{CommandLine.ProgramName} prewarm: cannot read the token file: {ex.Message}");
                return ExitCodes.Usage;
            }
        }

        using var http = new HttpClient { BaseAddress = request.Mirror, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add(AdminEndpoints.WriteHeader, "1");
        if (!string.IsNullOrEmpty(token))
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            using var started = await http.PostAsJsonAsync("/admin/prewarm", new { images = request.Images, platforms = request.Platforms }, cancellationToken);
            if (started.StatusCode != System.Net.HttpStatusCode.Accepted)
            {
                await error.WriteLineAsync($"{CommandLine.ProgramName} prewarm: {request.Mirror} answered {(int)started.StatusCode}: {await MessageAsync(started, cancellationToken)}");
                return ExitCodes.StartFailed;
            }

            var location = started.Headers.Location?.OriginalString ?? "/admin/jobs";
            var last = string.Empty;
            while (true)
            {
                using var job = JsonDocument.Parse(await http.GetStringAsync(location, cancellationToken));
                var root = job.RootElement;
                var state = root.GetProperty("state").GetString();
                var line = Progress(root, terminal);
                if (terminal)
                {
                    await output.WriteAsync("\r" + line);
                }
                else if (line != last)
                {
                    await output.WriteLineAsync(line);
                }

                last = line;
                if (state is "succeeded" or "failed")
                {
                    if (terminal)
                    {
                        await output.WriteLineAsync();
                    }

                    return await ReportAsync(root, output, error);
                }

                await Task.Delay(Poll, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            await error.WriteLineAsync($"{CommandLine.ProgramName} prewarm: asking {request.Mirror} failed: {ex.Message}");
            return ExitCodes.StartFailed;
        }
    }

    private static bool TryRead(IReadOnlyList<string> args, out PrewarmRequest request, out List<string> errors)
    {
        var problems = new List<string>();
        errors = problems;
        Uri? mirror = null;
        string? tokenFile = null;
        var platforms = new List<string>();
        var images = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (name, inline) = arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=') ? (arg[..arg.IndexOf('=')], arg[(arg.IndexOf('=') + 1)..]) : (arg, null);
            string? Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 < args.Count)
                {
                    return args[++i];
                }

                problems.Add($"option '{name}' needs a value.");
                return null;
            }

            switch (name)
            {
                case "--mirror":
                    var url = Value();
                    if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out mirror) && mirror.Scheme is "http" or "https"))
                    {
                        problems.Add($"--mirror '{url}' is not an http:// or https:// URL.");
                    }

                    break;
                case "--platform":
                    if (Value() is { } platform)
                    {
                        platforms.Add(platform);
                    }

                    break;
                case "--token-file":
                    tokenFile = Value();
                    break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        problems.Add($"unknown option '{name}' (known: --mirror, --platform, --token-file).");
                    }
                    else if (!ImageReference.TryParse(arg, out _, out var imageError))
                    {
                        problems.Add(imageError);
                    }
                    else
                    {
                        images.Add(arg);
                    }

                    break;
            }
        }

        if (mirror is null && !problems.Any(e => e.StartsWith("--mirror", StringComparison.Ordinal)))
        {
            problems.Add("--mirror URL is required (the mirror's address, e.g. http://127.0.0.1:5000).");
        }

        if (images.Count == 0)
        {
            problems.Add("name at least one image (e.g. nginx:1.25 or ghcr.io/org/app@sha256:…).");
        }

        request = new PrewarmRequest(mirror!, images, platforms, tokenFile);
        return problems.Count == 0;
    }

    /// <summary>One line of progress: a bar on a terminal, counters otherwise.</summary>
    private static string Progress(JsonElement job, bool terminal)
    {
        var (blobsDone, blobsTotal) = Pair(job, "blobs");
        var (bytesDone, bytesTotal) = Pair(job, "bytes");
        var (manifestsDone, manifestsTotal) = Pair(job, "manifests");
        var counters = string.Create(CultureInfo.InvariantCulture, $"manifests {manifestsDone}/{manifestsTotal}, blobs {blobsDone}/{blobsTotal}, {Mib(bytesDone)}/{Mib(bytesTotal)} MiB");
        if (!terminal)
        {
            return $"prewarm {job.GetProperty("id").GetString()} {job.GetProperty("state").GetString()}: {counters}";
        }

        const int Width = 30;
        var filled = bytesTotal > 0 ? (int)(Width * bytesDone / bytesTotal) : blobsTotal > 0 ? (int)(Width * blobsDone / blobsTotal) : 0;
        return $"[{new string('#', filled)}{new string('-', Width - filled)}] {counters}   ";
    }

    private static async Task<int> ReportAsync(JsonElement job, TextWriter output, TextWriter error)
    {
        var failed = false;
        foreach (var image in job.GetProperty("images").EnumerateArray())
        {
            var errors = image.GetProperty("errors").EnumerateArray().Select(e => e.GetString()).ToList();
            var (blobsDone, blobsTotal) = Pair(image, "blobs");
            if (errors.Count == 0)
            {
                await output.WriteLineAsync($"  ok      {image.GetProperty("image").GetString()} ({blobsDone}/{blobsTotal} blobs)");
                continue;
            }

            failed = true;
            await error.WriteLineAsync($"  FAILED  {image.GetProperty("image").GetString()}: {string.Join("; ", errors)}");
        }

        return failed ? ExitCodes.StartFailed : ExitCodes.Success;
    }

    private static (long Done, long Total) Pair(JsonElement element, string name) =>
        (element.GetProperty(name).GetProperty("done").GetInt64(), element.GetProperty(name).GetProperty("total").GetInt64());

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture);

    private static async Task<string> MessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.GetProperty("errors")[0].GetProperty("message").GetString() ?? body;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    private sealed record PrewarmRequest(Uri Mirror, IReadOnlyList<string> Images, IReadOnlyList<string> Platforms, string? TokenFile);
}
