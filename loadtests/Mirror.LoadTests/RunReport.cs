using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mirror.LoadTests;

/// <summary>What a run measured: pull-time percentiles, throughput, first-byte waits, upstream requests.</summary>
internal sealed record RunReport(
    RunnerOptions Options,
    int Pulls,
    int Failed,
    double WallSeconds,
    long Bytes,
    Percentiles PullSeconds,
    Percentiles SlowestLayerFirstByteSeconds,
    Percentiles FirstLayerByteSeconds,
    double? UpstreamRequests,
    IReadOnlyDictionary<string, double> MetricDeltas,
    IReadOnlyList<(string Error, int Count)> Errors,
    IReadOnlyList<string> WarmupErrors)
{
    /// <summary>Decimal megabytes (10^6 bytes) per second of wall time.</summary>
    public double MegabytesPerSecond => WallSeconds > 0 ? Bytes / 1e6 / WallSeconds : 0;

    public static RunReport Create(RunnerOptions options, IReadOnlyList<PullResult> results, double wall,
        PrometheusScrape? before, PrometheusScrape? after, IReadOnlyList<string> warmupErrors)
    {
        var ok = results.Where(r => r.Ok).ToArray();
        Dictionary<string, double> deltas = [];
        double? upstream = null;
        if (before is not null && after is not null)
        {
            var upstreamDelta = after.Delta(before, PrometheusScrape.UpstreamRequests);
            upstream = upstreamDelta.Values.Sum();
            foreach (var (series, value) in upstreamDelta.Concat(after.Delta(before, PrometheusScrape.Requests)))
            {
                deltas[series] = value;
            }
        }

        return new RunReport(
            options,
            results.Count,
            results.Count - ok.Length,
            wall,
            results.Sum(r => r.Bytes),
            Percentiles.Of(ok.Select(r => r.Seconds)),
            Percentiles.Of(ok.Select(r => r.SlowestLayerFirstByteSeconds).OfType<double>()),
            Percentiles.Of(ok.Select(r => r.FirstLayerByteSeconds).OfType<double>()),
            upstream,
            deltas,
            results.Where(r => !r.Ok).GroupBy(r => r.Error!).OrderByDescending(g => g.Count())
                .Select(g => (g.Key, g.Count())).ToArray(),
            warmupErrors);
    }

    public string ToText()
    {
        var o = Options;
        var text = new StringBuilder();
        var bound = o.Duration is { } d ? $"for {d.TotalSeconds:0.#} s" : $"{o.PullsPerClient} pull(s) each";
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{o.Label}: {(o.Warm ? "warm" : "cold")}, {o.Clients} client(s) {bound}, layer parallelism {o.LayerParallelism}, target {o.Target}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  images           {string.Join(", ", o.Images)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  pulls            {Pulls} ({Failed} failed) in {WallSeconds:0.000} s");
        text.AppendLine(CultureInfo.InvariantCulture, $"  received         {Bytes / 1e6:0.0} MB, {MegabytesPerSecond:0.0} MB/s");
        text.AppendLine(CultureInfo.InvariantCulture, $"  pull time (s)    {PullSeconds}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  first layer byte {FirstLayerByteSeconds}  (from the start of the pull)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  layer TTFB max   {SlowestLayerFirstByteSeconds}  (longest wait of one layer request, per pull)");
        if (UpstreamRequests is { } upstream)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  upstream requests {upstream:0} (mirror_upstream_requests_total increase)");
            foreach (var (series, value) in MetricDeltas)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    {series} +{value:0}");
            }
        }

        foreach (var error in WarmupErrors)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  warm-up error: {error}");
        }

        foreach (var (error, count) in Errors.Take(5))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  error x{count}: {error}");
        }

        return text.ToString();
    }

    public void WriteJson(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("label", Options.Label);
        json.WriteString("mode", Options.Warm ? "warm" : "cold");
        json.WriteString("target", Options.Target.ToString());
        json.WriteStartArray("images");
        foreach (var image in Options.Images)
        {
            json.WriteStringValue(image.ToString());
        }

        json.WriteEndArray();
        json.WriteNumber("clients", Options.Clients);
        json.WriteNumber("layerParallelism", Options.LayerParallelism);
        json.WriteNumber("pulls", Pulls);
        json.WriteNumber("failed", Failed);
        json.WriteNumber("wallSeconds", Math.Round(WallSeconds, 4));
        json.WriteNumber("bytes", Bytes);
        json.WriteNumber("megabytesPerSecond", Math.Round(MegabytesPerSecond, 2));
        PullSeconds.Write(json, "pullSeconds");
        FirstLayerByteSeconds.Write(json, "firstLayerByteSeconds");
        SlowestLayerFirstByteSeconds.Write(json, "slowestLayerFirstByteSeconds");
        if (UpstreamRequests is { } upstream)
        {
            json.WriteNumber("upstreamRequests", upstream);
        }
        else
        {
            json.WriteNull("upstreamRequests");
        }

        json.WriteStartObject("metricDeltas");
        foreach (var (series, value) in MetricDeltas)
        {
            json.WriteNumber(series, value);
        }

        json.WriteEndObject();
        json.WriteStartArray("errors");
        foreach (var (error, count) in Errors)
        {
            json.WriteStartObject();
            json.WriteString("error", error);
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("warmupErrors");
        foreach (var error in WarmupErrors)
        {
            json.WriteStringValue(error);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
