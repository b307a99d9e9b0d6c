using System.Globalization;
using System.Text.Json;

namespace Mirror.LoadTests;

/// <summary>Nearest-rank percentiles of a sample (seconds); all zero with <see cref="Count"/> 0 for no sample.</summary>
internal sealed record Percentiles(int Count, double Min, double P50, double P95, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Percentiles(0, 0, 0, 0, 0, 0);
        }

        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(sorted.Length, sorted[0], Rank(50), Rank(95), Rank(99), sorted[^1]);
    }

    public override string ToString() => Count == 0
        ? "n/a"
        : string.Create(CultureInfo.InvariantCulture,
            $"min {Min:0.000}  p50 {P50:0.000}  p95 {P95:0.000}  p99 {P99:0.000}  max {Max:0.000}");

    public void Write(Utf8JsonWriter json, string name)
    {
        json.WriteStartObject(name);
        json.WriteNumber("count", Count);
        json.WriteNumber("min", Math.Round(Min, 4));
        json.WriteNumber("p50", Math.Round(P50, 4));
        json.WriteNumber("p95", Math.Round(P95, 4));
        json.WriteNumber("p99", Math.Round(P99, 4));
        json.WriteNumber("max", Math.Round(Max, 4));
        json.WriteEndObject();
    }
}
