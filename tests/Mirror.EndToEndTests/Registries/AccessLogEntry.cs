using System.Globalization;
using System.Text.RegularExpressions;

namespace Mirror.EndToEndTests.Registries;

/// <summary>
/// One line of docker-registry's combined-format access log:
/// <c>127.0.0.1 - - [28/Nov/2026:07:12:04 +0000] "GET /v2/library/e2e/blobs/sha256:… HTTP/1.1" 200 3002733 "" "ua"</c>.
/// The structured "response completed" lines carry the same request and are ignored, so nothing counts twice.
/// </summary>
internal sealed partial record AccessLogEntry(string Method, string Target, int Status, long Bytes, string UserAgent)
{
    /// <summary>The request target without the query (containerd appends <c>?ns=docker.io</c>).</summary>
    public string Path => Target.Split('?', 2)[0];

    public static AccessLogEntry? TryParse(string line)
    {
        var match = LinePattern().Match(line);
        return match.Success
            ? new AccessLogEntry(
                match.Groups["method"].Value,
                match.Groups["target"].Value,
                int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture),
                long.Parse(match.Groups["bytes"].Value, CultureInfo.InvariantCulture),
                match.Groups["agent"].Value)
            : null;
    }

    public override string ToString() => $"{Method} {Target} {Status} {Bytes} \"{UserAgent}\"";

    [GeneratedRegex("""^\S+ \S+ \S+ \[[^\]]+\] "(?<method>[A-Z]+) (?<target>\S+) HTTP/[\d.]+" (?<status>\d{3}) (?<bytes>\d+) "[^"]*" "(?<agent>.*)"$""")]
    private static partial Regex LinePattern();
}
