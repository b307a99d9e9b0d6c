
namespace Mirror.FunctionalTests.Registry;

/// <summary>
/// A bounded, seeded fuzz of the <c>/v2/</c> surface — names, references, digests, ranges, headers, methods, bodies,
/// <c>?ns=</c> — against a mirror that forwards pushes: no answer is a 5xx, every error the mirror answers itself is
/// OCI JSON (forwarded requests carry the upstream's own answer; a NUL in the path is refused by Kestrel with a bare
/// 400 before the mirror sees it), and the process stays up. The same seed gives the same requests, so a failure replays.
/// </summary>
public sealed class FuzzTests() : MirrorWithUpstream(new Dictionary<string, string?> { ["Mirror:Upstreams:0:AllowPush"] = "true", ["Mirror:Upstreams:0:MaxAttempts"] = "1" })
{
    private const int Requests = 1500;

    private static readonly string[] Methods = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"];
    private static readonly string[] Kinds = ["manifests", "blobs", "blobs/uploads", "tags/list", "referrers", "", "_catalog", "nothing"];
    private static readonly string[] Names = ["library/app", "app", "a", "UPPER", "a..b", "-x", "x-", "a//b", "%2e%2e", "ghcr.io/org/app", "localhost:5000/x", "a/b/c/d/e/f", "ü", "x%00y", "a b"];
    private static readonly string[] References = ["1", "latest", "sha256:" + new string('a', 64), "sha256:abc", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha512:" + new string('b', 128), "-bad", "..", "%2F", "x:y:z", "sha256:" + new string('A', 64)];
    private static readonly string[] Ranges = ["bytes=0-", "bytes=5-2", "bytes=-5", "bytes=0-0,1-1", "bytes=99999999999999999999-", "items=0-1", "bytes=", "bytes=a-b"];
    private static readonly string[] Accepts = ["*/*", "application/vnd.oci.image.manifest.v1+json", "text/html;q=0.1", ";;;", "a/b, c/d, e/f;q=2"];
    private static readonly string[] Namespaces = ["docker.io", "ghcr.io", "nowhere.example", "", "%00", "a b"];

    [Fact]
    public async Task Fuzz_V2Surface_No5xxMadeUpEveryErrorOciJsonAndStillUp()
    {
        var digest = Upstream.AddBlob(Encoding.UTF8.GetBytes("fuzz layer"));
        Upstream.AddManifest("library/app", "1", "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{},\"layers\":[]}");
        var random = new Random(20261201);
        using var client = Mirror.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(20);
        var problems = new List<string>();

        for (var i = 0; i < Requests && problems.Count < 10; i++)
        {
            var method = Pick(random, Methods);
            var name = Pick(random, Names);
            var kind = Pick(random, Kinds);
            var reference = random.Next(4) == 0 ? digest : Pick(random, References);
            var path = kind switch
            {
                "" => "/v2/",
                "_catalog" => "/v2/_catalog",
                "tags/list" or "blobs/uploads" => $"/v2/{name}/{kind}",
                _ => $"/v2/{name}/{kind}/{reference}",
            };
            if (random.Next(3) == 0)
            {
                path += "?ns=" + Pick(random, Namespaces);
            }

            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (random.Next(2) == 0)
            {
                request.Headers.TryAddWithoutValidation("Range", Pick(random, Ranges));
            }

            if (random.Next(2) == 0)
            {
                request.Headers.TryAddWithoutValidation("Accept", Pick(random, Accepts));
            }

            if (random.Next(5) == 0)
            {
                request.Headers.TryAddWithoutValidation("Authorization", Pick(random, ["Basic !!!", "Bearer x", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:p")), "Digest y"]));
            }

            if (method is "PUT" or "POST" or "PATCH" && random.Next(2) == 0)
            {
                var body = new byte[random.Next(0, 4096)];
                random.NextBytes(body);
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", Pick(random, ["application/octet-stream", "application/vnd.oci.image.manifest.v1+json", "x/y"]));
            }

            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request);
            }
            catch (HttpRequestException ex)
            {
                problems.Add($"#{i} {method} {path}: connection failed: {ex.Message}");
                continue;
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                var text = method == "HEAD" ? string.Empty : await response.Content.ReadAsStringAsync();
                if (status >= 500)
                {
                    problems.Add($"#{i} {method} {path}: {status} {text}");
                }
                else if (status >= 400 && method == "GET" && kind is "manifests" or "blobs" && !path.Contains("%00", StringComparison.Ordinal)
                    && (response.RequestMessage?.RequestUri?.AbsolutePath.StartsWith("/v2/", StringComparison.Ordinal) ?? false)
                    && !text.Contains("\"errors\"", StringComparison.Ordinal))
                {
                    problems.Add($"#{i} {method} {path}: {status} without OCI error JSON: {text}");
                }
            }
        }

        using var alive = await client.GetAsync($"/v2/library/app/blobs/{digest}");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];
}
