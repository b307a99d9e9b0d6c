using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>The OCI 1.1 referrers API, off by default (a 404, as distribution 2.8 answers).</summary>
public sealed partial class FakeRegistry
{
    /// <summary>Answer <c>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;</c> from the manifests whose <c>subject</c> is that digest.</summary>
    public bool ReferrersApi { get; set; }

    /// <summary>Apply <c>artifactType</c> (and say so in OCI-Filters-Applied); false: ignore it, as a registry may.</summary>
    public bool FilterReferrers { get; set; } = true;

    /// <summary>Descriptors per page; more follow behind <c>Link: &lt;…&gt;; rel="next"</c>.</summary>
    public int ReferrersPageSize { get; set; } = 1000;

    private async Task ServeReferrersAsync(HttpContext context, string repository, string subject)
    {
        var artifactType = context.Request.Query["artifactType"].FirstOrDefault();
        var descriptors = _manifests
            .Where(kv => kv.Key.StartsWith(repository + "@", StringComparison.Ordinal))
            .Select(kv => (Digest: kv.Key[(repository.Length + 1)..], kv.Value.Content, kv.Value.MediaType, Node: JsonNode.Parse(kv.Value.Content)))
            .Where(m => (string?)m.Node?["subject"]?["digest"] == subject)
            .Select(m => new JsonObject
            {
                ["mediaType"] = m.MediaType,
                ["digest"] = m.Digest,
                ["size"] = m.Content.Length,
                ["artifactType"] = (string?)m.Node!["artifactType"] ?? (string?)m.Node["config"]?["mediaType"],
            })
            .Where(d => !FilterReferrers || artifactType is null || (string?)d["artifactType"] == artifactType)
            .OrderBy(d => (string?)d["digest"], StringComparer.Ordinal)
            .ToList();
        var page = int.TryParse(context.Request.Query["page"], out var p) ? p : 0;
        var shown = descriptors.Skip(page * ReferrersPageSize).Take(ReferrersPageSize).ToList();
        if ((page + 1) * ReferrersPageSize < descriptors.Count)
        {
            var filter = artifactType is null ? string.Empty : $"artifactType={Uri.EscapeDataString(artifactType)}&";
            context.Response.Headers["Link"] = $"</v2/{repository}/referrers/{subject}?{filter}page={page + 1}>; rel=\"next\"";
        }

        if (FilterReferrers && artifactType is not null)
        {
            context.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        }

        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["manifests"] = new JsonArray([.. shown]) };
        context.Response.ContentType = "application/vnd.oci.image.index.v1+json";
        await context.Response.WriteAsync(index.ToJsonString());
    }
}
