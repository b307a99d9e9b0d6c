using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mirror.FunctionalTests.Observability;

/// <summary>The shipped dashboard and alert rules only query metrics the mirror really exports.</summary>
public sealed partial class DashboardTests
{
    [Fact]
    public async Task Dashboard_ValidJsonAndEveryQueryNamesAnExportedMetric()
    {
        var root = RepositoryRoot.Path;
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "deploy", "grafana", "mirror-dashboard.json")));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("targets", out var targets) ? targets.EnumerateArray() : default)
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();
        var alerts = await File.ReadAllTextAsync(Path.Combine(root, "deploy", "prometheus", "mirror-alerts.yml"));
        var exported = await ExportedMetricNamesAsync();

        Assert.NotEmpty(expressions);
        foreach (var name in expressions.Append(alerts).SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).Distinct())
        {
            var family = HistogramSuffix().Replace(name, string.Empty);
            Assert.True(exported.Contains(family), $"'{name}' is queried but the mirror exports no '{family}'");
        }
    }

    private static async Task<HashSet<string>> ExportedMetricNamesAsync()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        await using var mirror = await MirrorServer.StartAsync(upstream.Url);
        using var client = mirror.CreateClient();
        var text = await client.GetStringAsync("/metrics");
        return [.. TypeLine().Matches(text).Select(m => m.Groups[1].Value)];
    }

    [GeneratedRegex(@"\bmirror_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex(@"^# TYPE (\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
