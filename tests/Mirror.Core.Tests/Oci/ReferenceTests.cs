
namespace Mirror.Tests.Oci;

public sealed class ReferenceTests
{
    private const string DigestValue = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Theory]
    [InlineData("latest")]
    [InlineData("v1.2.3")]
    [InlineData("_x")]
    [InlineData("1.25-alpine")]
    [InlineData("A")]
    [InlineData("x__y..z--")]
    public void TryParse_Tag_ReturnsTag(string value)
    {
        Assert.True(Reference.TryParse(value, out var reference));
        Assert.False(reference.IsDigest);
        Assert.Equal(value, reference.Tag);
        Assert.True(reference.Digest.IsEmpty);
        Assert.Equal(value, reference.ToString());
    }

    [Fact]
    public void TryParse_TagOf128Characters_ReturnsTag()
    {
        Assert.True(Reference.TryParse(new string('a', 128), out _));
    }

    [Theory]
    [InlineData("-x")]
    [InlineData(".x")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("a+b")]
    [InlineData("../x")]
    [InlineData("latest:")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_InvalidTag_ReturnsFalse(string? value)
    {
        Assert.False(Reference.TryParse(value, out var reference));
        Assert.Null(reference);
    }

    [Fact]
    public void TryParse_TagOf129Characters_ReturnsFalse()
    {
        Assert.False(Reference.TryParse(new string('a', 129), out _));
    }

    [Fact]
    public void TryParse_TagWithTrailingNewline_ReturnsFalse()
    {
        Assert.False(Reference.TryParse("latest\n", out _));
    }

    [Fact]
    public void TryParse_Digest_ReturnsDigestReference()
    {
        Assert.True(Reference.TryParse(DigestValue, out var reference));
        Assert.True(reference.IsDigest);
        Assert.Null(reference.Tag);
        Assert.Equal(Digest.Parse(DigestValue), reference.Digest);
        Assert.Equal(DigestValue, reference.ToString());
    }

    [Theory]
    [InlineData("sha256:abc")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha256:../../etc")]
    [InlineData("v1:2")]
    public void TryParse_InvalidDigest_ReturnsFalse(string value)
    {
        Assert.False(Reference.TryParse(value, out _));
    }

    [Fact]
    public void ForDigest_Digest_IsDigestReference()
    {
        var digest = Digest.Parse(DigestValue);

        var reference = Reference.ForDigest(digest);

        Assert.True(reference.IsDigest);
        Assert.Equal(digest, reference.Digest);
        Assert.True(Reference.TryParse(DigestValue, out var parsed));
        Assert.Equal(parsed, reference);
    }
}
