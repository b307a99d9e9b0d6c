
namespace Mirror.Tests.Oci;

public sealed class MediaTypesTests
{
    [Fact]
    public void ParseAccept_SeveralHeaders_SortedAndDeduplicated()
    {
        var accepted = MediaTypes.ParseAccept(
        [
            $"{MediaTypes.OciManifest}, {MediaTypes.DockerManifest}",
            MediaTypes.OciIndex,
            $"{MediaTypes.DockerManifest},{MediaTypes.OciIndex}",
        ]);

        Assert.Equal(
            new[] { MediaTypes.DockerManifest, MediaTypes.OciIndex, MediaTypes.OciManifest },
            accepted);
    }

    [Fact]
    public void ParseAccept_Parameters_Stripped()
    {
        var accepted = MediaTypes.ParseAccept(
        [
            $"{MediaTypes.DockerManifest};q=0.5, {MediaTypes.OciManifest} ; q=0.9",
            $"{MediaTypes.DockerManifest}; charset=utf-8",
        ]);

        Assert.Equal(new[] { MediaTypes.DockerManifest, MediaTypes.OciManifest }, accepted);
    }

    [Fact]
    public void ParseAccept_UppercaseType_Lowercased()
    {
        var accepted = MediaTypes.ParseAccept(["Application/VND.OCI.Image.Manifest.v1+JSON"]);

        Assert.Equal(MediaTypes.OciManifest, Assert.Single(accepted));
    }

    [Theory]
    [InlineData("*/*")]
    [InlineData("application/*")]
    [InlineData("application/vnd.oci.image.manifest.v1+json, */*;q=0.1")]
    [InlineData("*/*; q=0.8")]
    public void ParseAccept_Wildcard_EmptyMeansAnything(string header)
    {
        Assert.Empty(MediaTypes.ParseAccept([header]));
    }

    [Fact]
    public void ParseAccept_WildcardInLaterHeader_EmptyMeansAnything()
    {
        Assert.Empty(MediaTypes.ParseAccept([MediaTypes.OciManifest, "*/*"]));
    }

    [Fact]
    public void ParseAccept_NoHeaders_Empty()
    {
        Assert.Empty(MediaTypes.ParseAccept([]));
        Assert.Empty(MediaTypes.ParseAccept([null, "", " , ,"]));
    }

    [Fact]
    public void ParseAccept_DefaultAccept_ListsTheFourManifestTypes()
    {
        var accepted = MediaTypes.ParseAccept([MediaTypes.DefaultAccept]);

        Assert.Equal(
            new[] { MediaTypes.DockerManifestList, MediaTypes.DockerManifest, MediaTypes.OciIndex, MediaTypes.OciManifest },
            accepted);
    }

    [Fact]
    public void IsAcceptable_EmptyList_AcceptsAnything()
    {
        Assert.True(MediaTypes.IsAcceptable(MediaTypes.DockerSchema1Signed, []));
    }

    [Fact]
    public void IsAcceptable_Listed_ReturnsTrue()
    {
        var accepted = MediaTypes.ParseAccept([$"{MediaTypes.OciIndex}, {MediaTypes.OciManifest}"]);

        Assert.True(MediaTypes.IsAcceptable(MediaTypes.OciManifest, accepted));
        Assert.True(MediaTypes.IsAcceptable("Application/Vnd.Oci.Image.Index.V1+Json", accepted));
    }

    [Fact]
    public void IsAcceptable_NotListed_ReturnsFalse()
    {
        var accepted = MediaTypes.ParseAccept([MediaTypes.DockerManifest]);

        Assert.False(MediaTypes.IsAcceptable(MediaTypes.OciIndex, accepted));
        Assert.False(MediaTypes.IsAcceptable(MediaTypes.DockerManifestList, accepted));
    }

    [Fact]
    public void ParseAccept_UnknownTypes_Ignored()
    {
        var accepted = MediaTypes.ParseAccept([$"application/x-junk+json, {MediaTypes.OciManifest}, text/html"]);

        Assert.Equal(MediaTypes.OciManifest, Assert.Single(accepted));
        Assert.Empty(MediaTypes.ParseAccept(["application/x-junk+json"]));
    }

    [Fact]
    public void OfManifest_OwnMediaTypeField_WinsOverContentType()
    {
        var content = System.Text.Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"config\":{{\"a\":[1,2]}},\"mediaType\":\"{MediaTypes.OciIndex}\"}}");

        Assert.Equal(MediaTypes.OciIndex, MediaTypes.OfManifest(content, "text/html"));
    }

    [Theory]
    [InlineData("{\"schemaVersion\":1}")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public void OfManifest_NoField_ContentType(string json)
    {
        Assert.Equal(MediaTypes.DockerSchema1Signed, MediaTypes.OfManifest(System.Text.Encoding.UTF8.GetBytes(json), MediaTypes.DockerSchema1Signed));
    }
}
