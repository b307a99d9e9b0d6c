using System.Globalization;

namespace Mirror.LoadTests;

/// <summary>Command-line options. Every run is bounded: by <see cref="PullsPerClient"/> or by
/// <see cref="Duration"/>, and each request by <see cref="RequestTimeout"/>.</summary>
internal sealed record RunnerOptions
{
    public const string Usage = """
        Mirror.LoadTests — pull images like Docker does, through a registry or mirror, and measure.

          --target URL               registry base URL (default http://127.0.0.1:5000)
          --images a:tag,b:tag       images to pull; client i's pull j takes image (i + j) mod count
          --clients N                concurrent pulls (default 1)
          --pulls N                  pulls per client (default 1)
          --duration 10s|2m          pull until this much time has passed instead (each pull started is finished)
          --layer-parallelism N      concurrent layer downloads per pull, like dockerd's max-concurrent-downloads (default 3)
          --mode cold|warm           warm: one untimed pull of every image first; cold: measure the first pull (default cold)
          --metrics-url URL          Prometheus endpoint of the target: mirror_upstream_requests_total before and after
          --platform os/arch         platform picked from an index (default linux/amd64)
          --timeout 300s             limit for one request, body included
          --max-duration 15m         hard limit for the whole run
          --label TEXT               name of the run in the report
          --json FILE                write the summary as JSON
          --quiet                    no progress line on stderr
        """;

    public Uri Target { get; init; } = new("http://127.0.0.1:5000");
    public IReadOnlyList<ImageReference> Images { get; init; } = [];
    public int Clients { get; init; } = 1;
    public int PullsPerClient { get; init; } = 1;
    public TimeSpan? Duration { get; init; }
    public int LayerParallelism { get; init; } = 3;
    public bool Warm { get; init; }
    public Uri? MetricsUrl { get; init; }
    public string Os { get; init; } = "linux";
    public string Architecture { get; init; } = "amd64";
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(15);
    public string Label { get; init; } = "run";
    public string? JsonPath { get; init; }
    public bool Quiet { get; init; }

    /// <summary>Parses the arguments; returns null and fills <paramref name="error"/> when they are wrong.</summary>
    public static RunnerOptions? Parse(string[] args, out string? error)
    {
        var options = new RunnerOptions();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            if (arg == "--quiet")
            {
                options = options with { Quiet = true };
                continue;
            }

            if (arg is "-h" or "--help")
            {
                error = "";
                return null;
            }

            var value = inline ?? (i + 1 < args.Length ? args[++i] : null);
            if (value is null)
            {
                error = $"{arg} needs a value";
                return null;
            }

            try
            {
                options = arg switch
                {
                    "--target" => options with { Target = new Uri(value.TrimEnd('/') + "/") },
                    "--images" => options with
                    {
                        Images = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                            .Select(ImageReference.Parse).ToArray(),
                    },
                    "--clients" => options with { Clients = PositiveInt(value) },
                    "--pulls" => options with { PullsPerClient = PositiveInt(value) },
                    "--duration" => options with { Duration = ParseDuration(value) },
                    "--layer-parallelism" => options with { LayerParallelism = PositiveInt(value) },
                    "--mode" => value switch
                    {
                        "cold" => options with { Warm = false },
                        "warm" => options with { Warm = true },
                        _ => throw new FormatException("--mode is cold or warm"),
                    },
                    "--metrics-url" => options with { MetricsUrl = new Uri(value) },
                    "--platform" => value.Split('/') is [var os, var arch]
                        ? options with { Os = os, Architecture = arch }
                        : throw new FormatException("--platform is os/arch"),
                    "--timeout" => options with { RequestTimeout = ParseDuration(value) },
                    "--max-duration" => options with { MaxDuration = ParseDuration(value) },
                    "--label" => options with { Label = value },
                    "--json" => options with { JsonPath = value },
                    _ => throw new FormatException($"unknown option {arg}"),
                };
            }
            catch (Exception e) when (e is FormatException or OverflowException or UriFormatException)
            {
                error = $"{arg} {value}: {e.Message}";
                return null;
            }
        }

        if (options.Images.Count == 0)
        {
            error = "--images is required";
            return null;
        }

        return options;
    }

    private static int PositiveInt(string value)
    {
        var n = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
        return n > 0 ? n : throw new FormatException("must be > 0");
    }

    /// <summary>"500ms", "10s", "2m", "1h" or a bare number of seconds.</summary>
    internal static TimeSpan ParseDuration(string value)
    {
        var (number, unit) = value switch
        {
            _ when value.EndsWith("ms", StringComparison.Ordinal) => (value[..^2], 0.001),
            _ when value.EndsWith('s') => (value[..^1], 1.0),
            _ when value.EndsWith('m') => (value[..^1], 60.0),
            _ when value.EndsWith('h') => (value[..^1], 3600.0),
            _ => (value, 1.0),
        };
        var seconds = double.Parse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * unit;
        return seconds > 0 ? TimeSpan.FromSeconds(seconds) : throw new FormatException("must be > 0");
    }
}
