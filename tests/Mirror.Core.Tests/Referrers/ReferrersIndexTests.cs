using System.Text;
using Mirror.Referrers;

namespace Mirror.Tests.Referrers;

public sealed class ReferrersIndexTests
{
    private const string A = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string B = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private static readonly byte[] Index = Encoding.UTF8.GetBytes($$"""
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{A}}","size":10,"artifactType":"application/x.sig"},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{B}}","size":20,"artifactType":"application/spdx+json"},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"not-a-digest","size":1},
          "not an object"
        ]}
        """);

    [Fact]
    public void Descriptors_NoFilter_WellFormedOnes()
    {
        var descriptors = ReferrersIndex.Descriptors(Index, null)!;

        Assert.Equal([A, B], descriptors.Select(d => (string?)d["digest"]));
    }

    [Fact]
    public void Descriptors_Filter_OnlyThatArtifactType()
    {
        Assert.Equal([B], ReferrersIndex.Descriptors(Index, "application/spdx+json")!.Select(d => (string?)d["digest"]));
        Assert.Empty(ReferrersIndex.Descriptors(Index, "application/x.other")!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"schemaVersion\":2}")]
    [InlineData("{\"manifests\":{}}")]
    [InlineData("{not json")]
    public void Descriptors_NotAnIndex_Null(string content) =>
        Assert.Null(ReferrersIndex.Descriptors(Encoding.UTF8.GetBytes(content), null));

    [Fact]
    public void Build_RoundTrips_AndEmptyIsAnIndex()
    {
        var built = ReferrersIndex.Build(ReferrersIndex.Descriptors(Index, null)!);

        Assert.Equal(2, ReferrersIndex.Count(built));
        Assert.Equal(0, ReferrersIndex.Count(ReferrersIndex.Empty));
        Assert.Equal("application/vnd.oci.image.index.v1+json", MediaTypes.OfManifest(ReferrersIndex.Empty, null));
    }

    [Theory]
    [InlineData("</v2/library/app/referrers/sha256:x?page=2>; rel=\"next\"", "referrers/sha256:x?page=2")]
    [InlineData("<http://upstream.test/v2/library/app/referrers/sha256:x?last=b>; rel=\"next\"", "referrers/sha256:x?last=b")]
    [InlineData("<http://elsewhere.test/v2/library/app/referrers/sha256:x>; rel=\"next\"", null)]
    [InlineData("</v2/other/repo/referrers/sha256:x>; rel=\"next\"", null)]
    [InlineData("</v2/library/app/referrers/sha256:x>; rel=\"prev\"", null)]
    public void NextPage_OnlySameRepositoryAndHost(string link, string? expected)
    {
        using var response = new HttpResponseMessage { RequestMessage = new HttpRequestMessage(HttpMethod.Get, "http://upstream.test/v2/library/app/referrers/sha256:x") };
        response.Headers.TryAddWithoutValidation("Link", link);

        Assert.Equal(expected, ReferrersCache.NextPage(response, "/v2/library/app/"));
    }

    [Theory]
    [InlineData("application/vnd.dev.cosign.artifact.sig.v1+json", true)]
    [InlineData("application/vnd.cncf.notary.signature", true)]
    [InlineData("signature", false)]
    [InlineData("a/b/c", false)]
    [InlineData("a/b c", false)]
    [InlineData("/b", false)]
    [InlineData("a\"/b", false)]
    public void IsMediaType_TypeSlashSubtypeOnly(string value, bool expected) => Assert.Equal(expected, MediaTypes.IsMediaType(value));

    [Fact]
    public void FallbackTag_AlgorithmDashHex() =>
        Assert.Equal("sha256-" + new string('a', 64), TagKey.FallbackTag(Digest.Parse(A)));
}
