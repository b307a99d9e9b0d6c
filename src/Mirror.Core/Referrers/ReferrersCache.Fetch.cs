using System.Text.Json.Nodes;
using Mirror.Oci;
using Mirror.Upstream;

namespace Mirror.Referrers;

/// <summary>The list from the upstream's referrers API: every page (Link: rel="next"), each within the manifest size cap.</summary>
internal sealed partial class ReferrersCache
{
    private async Task<(byte[]? List, UpstreamStatus Status, string? Detail)> FetchAsync(PullScope scope, Digest subject, string? artifactType, CancellationToken cancellationToken)
    {
        var upstream = scope.Upstream;
        var prefix = $"/v2/{scope.Repository}/";
        string? path = artifactType is null ? $"referrers/{subject}" : $"referrers/{subject}?artifactType={Uri.EscapeDataString(artifactType)}";
        var descriptors = new List<JsonObject>();
        long total = 0;
        for (var page = 0; path is not null; page++)
        {
            if (page == MaxPages)
            {
                return (null, UpstreamStatus.ServerError, $"{upstream.Name} sent more than {MaxPages} pages of referrers");
            }

            using var response = await upstream.SendAsync(scope.Referrers(path), cancellationToken).ConfigureAwait(false);
            if (response.Status != UpstreamStatus.Ok)
            {
                return (null, response.Status, response.Detail);
            }

            var (content, error) = await response.ReadSmallAsync(_options.MaxManifestSize - total, upstream.Options.ResponseHeadersTimeout, upstream.Name, cancellationToken).ConfigureAwait(false);
            if (content is null)
            {
                return (null, UpstreamStatus.ServerError, error);
            }

            total += content.Length;
            if (ReferrersIndex.Descriptors(content, artifactType) is not { } found)
            {
                return (null, UpstreamStatus.ServerError, $"{upstream.Name} answered the referrers API with something that is not an image index");
            }

            descriptors.AddRange(found);
            path = NextPage(response.Message!, prefix);
        }

        return (ReferrersIndex.Build(descriptors), UpstreamStatus.Ok, null);
    }

    /// <summary>
    /// The next page's path below <c>/v2/&lt;repository&gt;/</c> from a <c>Link: &lt;…&gt;; rel="next"</c> header; a
    /// link anywhere else (another repository, another host) is not followed.
    /// </summary>
    internal static string? NextPage(HttpResponseMessage response, string prefix)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links)
        {
            var open = link.IndexOf('<');
            var close = link.IndexOf('>', open + 1);
            if (open < 0 || close < 0 || !link[(close + 1)..].Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var target = link[(open + 1)..close];
            // Not for "/v2/…": on Unix, Uri takes a rooted path for an absolute file:// URI.
            if (!target.StartsWith('/') && Uri.TryCreate(target, UriKind.Absolute, out var absolute))
            {
                if (response.RequestMessage?.RequestUri is not { } asked || !string.Equals(absolute.Authority, asked.Authority, StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }

                target = absolute.PathAndQuery;
            }

            return target.StartsWith(prefix + "referrers/", StringComparison.Ordinal) ? target[prefix.Length..] : null;
        }

        return null;
    }
}
