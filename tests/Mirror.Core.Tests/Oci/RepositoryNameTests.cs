
namespace Mirror.Tests.Oci;

public sealed class RepositoryNameTests
{
    [Theory]
    [InlineData("nginx")]
    [InlineData("library/nginx")]
    [InlineData("a/b-c/d_e")]
    [InlineData("a__b")]
    [InlineData("a---b")]
    [InlineData("foo.bar/baz")]
    [InlineData("0/1/2/3")]
    [InlineData("ghcr.io/owner/repo")]
    public void TryParse_Valid_ReturnsName(string value)
    {
        Assert.True(RepositoryName.TryParse(value, out var name));
        Assert.Equal(value, name.Value);
        Assert.Equal(value, name.ToString());
    }

    [Fact]
    public void TryParse_MaxLength_ReturnsName()
    {
        var value = new string('a', RepositoryName.MaxLength);

        Assert.True(RepositoryName.TryParse(value, out _));
    }

    [Theory]
    [InlineData("Library/nginx")] // uppercase
    [InlineData("NGINX")]
    [InlineData("../x")]
    [InlineData("a/../b")]
    [InlineData("..")]
    [InlineData("a//b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("-a")]
    [InlineData("a-")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("_a")]
    [InlineData("a..b")]
    [InlineData("a___b")]
    [InlineData("a b")]
    [InlineData("a:b")]
    [InlineData("a\\b")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_Invalid_ReturnsFalse(string? value)
    {
        Assert.False(RepositoryName.TryParse(value, out var name));
        Assert.Null(name);
    }

    [Fact]
    public void TryParse_TooLong_ReturnsFalse()
    {
        Assert.False(RepositoryName.TryParse(new string('a', RepositoryName.MaxLength + 1), out _));
    }

    [Theory]
    [InlineData("nginx\n")]
    [InlineData("library/nginx\n")]
    public void TryParse_TrailingNewline_ReturnsFalse(string value)
    {
        Assert.False(RepositoryName.TryParse(value, out _));
    }

    [Fact]
    public void Parse_Invalid_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => RepositoryName.Parse("../etc"));
    }

    [Fact]
    public void WithLibraryPrefix_SingleComponent_AddsLibrary()
    {
        Assert.True(RepositoryName.Parse("nginx").TryWithLibraryPrefix(out var name));

        Assert.Equal("library/nginx", name.Value);
    }

    [Fact]
    public void WithLibraryPrefix_TooLongWithPrefix_Refused()
    {
        var longest = RepositoryName.Parse(new string('a', RepositoryName.MaxLength));

        Assert.False(longest.TryWithLibraryPrefix(out var prefixed));
        Assert.Null(prefixed);
    }

    [Theory]
    [InlineData("library/nginx")]
    [InlineData("bitnami/redis")]
    [InlineData("a/b/c")]
    public void WithLibraryPrefix_MultipleComponents_Unchanged(string value)
    {
        var name = RepositoryName.Parse(value);

        Assert.True(name.TryWithLibraryPrefix(out var prefixed));
        Assert.Same(name, prefixed);
    }

    [Fact]
    public void Equals_SameValue_AreEqual()
    {
        RepositoryName.Parse("nginx").TryWithLibraryPrefix(out var prefixed);
        Assert.Equal(RepositoryName.Parse("library/nginx"), prefixed);
    }
}
