using Mirror.Server.Registry;

namespace Mirror.FunctionalTests.Registry;

/// <summary>
/// <see cref="RegistryPath.Parse"/> on what follows <c>/v2</c> in a request path. The kind is read from the end, so a
/// repository name may itself contain <c>manifests</c> or <c>blobs</c> components.
/// </summary>
/// <remarks>The kind is passed by name: <see cref="RegistryPathKind"/> is internal, a test method's parameters public.</remarks>
public sealed class RegistryPathTests
{
    [Theory]
    [InlineData("", "Base")]
    [InlineData("/", "Base")]
    [InlineData("/_catalog", "Catalog")]
    [InlineData("/_catalog/", "Catalog")]
    public void Parse_BaseOrCatalog_NoNameReferenceOrSuffix(string rest, string kind)
    {
        var path = RegistryPath.Parse(rest);

        Assert.Equal((Enum.Parse<RegistryPathKind>(kind), string.Empty, string.Empty, string.Empty), (path.Kind, path.Name, path.Reference, path.Suffix));
    }

    [Theory]
    [InlineData("/library/app/manifests/latest", "Manifest", "library/app", "latest", "/manifests/latest")]
    [InlineData("/library/app/manifests/latest/", "Manifest", "library/app", "latest", "/manifests/latest")]
    [InlineData("//library/app/manifests/latest//", "Manifest", "library/app", "latest", "/manifests/latest")]
    [InlineData("/app/manifests/sha256:abc", "Manifest", "app", "sha256:abc", "/manifests/sha256:abc")]
    [InlineData("/library/app/blobs/sha256:abc", "Blob", "library/app", "sha256:abc", "/blobs/sha256:abc")]
    [InlineData("/library/app/referrers/sha256:abc", "Referrers", "library/app", "sha256:abc", "/referrers/sha256:abc")]
    [InlineData("/library/app/tags/list", "Tags", "library/app", "", "/tags/list")]
    [InlineData("/ghcr.io/org/app/tags/list/", "Tags", "ghcr.io/org/app", "", "/tags/list")]
    public void Parse_NamedKind_NameReferenceAndSuffix(string rest, string kind, string name, string reference, string suffix)
    {
        var path = RegistryPath.Parse(rest);

        Assert.Equal((Enum.Parse<RegistryPathKind>(kind), name, reference, suffix), (path.Kind, path.Name, path.Reference, path.Suffix));
    }

    [Theory]
    [InlineData("/team/manifests/app/manifests/1", "Manifest", "team/manifests/app", "1")]
    [InlineData("/manifests/manifests/1", "Manifest", "manifests", "1")]
    [InlineData("/org/blobs/app/manifests/1", "Manifest", "org/blobs/app", "1")]
    [InlineData("/blobs/blobs/sha256:abc", "Blob", "blobs", "sha256:abc")]
    [InlineData("/a/blobs/b/blobs/sha256:abc", "Blob", "a/blobs/b", "sha256:abc")]
    [InlineData("/tags/list/tags/list", "Tags", "tags/list", "")]
    public void Parse_NameWithKindComponents_KindReadFromTheEnd(string rest, string kind, string name, string reference)
    {
        var path = RegistryPath.Parse(rest);

        Assert.Equal(Enum.Parse<RegistryPathKind>(kind), path.Kind);
        Assert.Equal(name, path.Name);
        Assert.Equal(reference, path.Reference);
    }

    /// <remarks>
    /// The suffix of an upload start has no trailing slash whatever the client sent: the pass-through takes the
    /// suffix from the raw path instead (docker-registry answers <c>POST …/blobs/uploads</c> with a 301).
    /// </remarks>
    [Theory]
    [InlineData("/library/app/blobs/uploads/", "library/app", "/blobs/uploads")]
    [InlineData("/library/app/blobs/uploads", "library/app", "/blobs/uploads")]
    [InlineData("/library/app/blobs/uploads/session-1", "library/app", "/blobs/uploads/session-1")]
    [InlineData("/library/app/blobs/uploads/session-1/", "library/app", "/blobs/uploads/session-1")]
    [InlineData("/ghcr.io/org/blobs/uploads/app/blobs/uploads/s", "ghcr.io/org/blobs/uploads/app", "/blobs/uploads/s")]
    public void Parse_Upload_NameAndSessionSuffix(string rest, string name, string suffix)
    {
        var path = RegistryPath.Parse(rest);

        Assert.Equal((RegistryPathKind.Upload, name, string.Empty, suffix), (path.Kind, path.Name, path.Reference, path.Suffix));
    }

    [Fact]
    public void Parse_UploadsPrefixOfAnotherComponent_BlobNamedLikeIt()
    {
        var path = RegistryPath.Parse("/library/app/blobs/uploadsX");

        Assert.Equal((RegistryPathKind.Blob, "library/app", "uploadsX", "/blobs/uploadsX"), (path.Kind, path.Name, path.Reference, path.Suffix));
    }

    [Theory]
    [InlineData("/app")]
    [InlineData("/library/app")]
    [InlineData("/library/app/nothing/here")]
    [InlineData("/manifests/latest")]
    [InlineData("/blobs/sha256:abc")]
    [InlineData("/blobs/uploads")]
    [InlineData("/tags/list")]
    [InlineData("/_catalog/x")]
    public void Parse_UnknownPath_UnknownWithEmptyParts(string rest)
    {
        var path = RegistryPath.Parse(rest);

        Assert.Equal((RegistryPathKind.Unknown, string.Empty, string.Empty, string.Empty), (path.Kind, path.Name, path.Reference, path.Suffix));
    }
}
