using System.Globalization;

namespace Mirror.LoadTests;

/// <summary>The samples of a few metric families read from a Prometheus text endpoint, keyed by series
/// (<c>name{labels}</c>). Read before and after a run; the difference is what the run caused.</summary>
internal sealed class PrometheusScrape
{
    public const string UpstreamRequests = "mirror_upstream_requests_total";
    public const string Requests = "mirror_requests_total";

    private static readonly string[] Families = [UpstreamRequests, Requests];

    private PrometheusScrape(Dictionary<string, double> samples) => Samples = samples;

    public IReadOnlyDictionary<string, double> Samples { get; }

    public static async Task<PrometheusScrape?> ReadAsync(HttpClient http, Uri? url, CancellationToken cancellationToken)
    {
        if (url is null)
        {
            return null;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var text = await http.GetStringAsync(url, timeout.Token);
            var samples = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith('#') || !Families.Any(f => line.StartsWith(f, StringComparison.Ordinal)))
                {
                    continue;
                }

                // "name{labels} value [timestamp]": labels may hold spaces only inside quotes, which these do not.
                var end = line.IndexOf('}', StringComparison.Ordinal);
                var space = line.IndexOf(' ', end < 0 ? 0 : end);
                if (space > 0 && double.TryParse(line.AsSpan(space + 1).Trim().ToString().Split(' ')[0],
                        NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    samples[line[..space]] = value;
                }
            }

            return new PrometheusScrape(samples);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            Console.Error.WriteLine($"warning: cannot read {url}: {e.Message}");
            return null;
        }
    }

    /// <summary>Per-series increase from <paramref name="before"/> to this scrape, for one family; zeros left out.</summary>
    public SortedDictionary<string, double> Delta(PrometheusScrape before, string family)
    {
        var delta = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (series, value) in Samples)
        {
            if (!series.StartsWith(family, StringComparison.Ordinal) || series.Length > family.Length && series[family.Length] != '{')
            {
                continue;
            }

            var increase = value - before.Samples.GetValueOrDefault(series);
            if (increase != 0)
            {
                delta[series] = increase;
            }
        }

        return delta;
    }
}
