using System.Security.Cryptography;
using System.Text;

namespace Mirror.Tests.Oci;

public sealed class DigestTests
{
    private static readonly string Sha256Hex = new('a', 64);
    private static readonly string Sha512Hex = new('0', 128);

    [Fact]
    public void TryParse_Sha256_ReturnsAlgorithmAndHex()
    {
        Assert.True(Digest.TryParse("sha256:" + Sha256Hex, out var digest));
        Assert.Equal("sha256", digest.Algorithm);
        Assert.Equal(Sha256Hex, digest.Hex);
        Assert.False(digest.IsEmpty);
        Assert.Equal(HashAlgorithmName.SHA256, digest.HashAlgorithm);
    }

    [Fact]
    public void TryParse_Sha512_ReturnsAlgorithmAndHex()
    {
        Assert.True(Digest.TryParse("sha512:" + Sha512Hex, out var digest));
        Assert.Equal("sha512", digest.Algorithm);
        Assert.Equal(Sha512Hex, digest.Hex);
        Assert.Equal(HashAlgorithmName.SHA512, digest.HashAlgorithm);
    }

    [Theory]
    [InlineData("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // uppercase hex
    [InlineData("sha256:aAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // one uppercase digit
    [InlineData("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 63 digits
    [InlineData("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 65 digits
    [InlineData("sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // sha512 with 64 digits
    [InlineData("sha256:gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg")] // not hex
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // missing algorithm
    [InlineData(":aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // empty algorithm
    [InlineData("SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // algorithm is lowercase only
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha256:../../etc")]
    [InlineData("sha256:../../../../../../../../../../../../../../../../../etc/passwd")]
    [InlineData("sha256:")]
    [InlineData("sha256")]
    [InlineData(" sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_Invalid_ReturnsFalse(string? value)
    {
        Assert.False(Digest.TryParse(value, out var digest));
        Assert.True(digest.IsEmpty);
    }

    [Fact]
    public void Parse_Invalid_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => Digest.Parse("sha256:nope"));
    }

    [Theory]
    [InlineData("md5:abc")]
    [InlineData("sha1:abc")]
    [InlineData("sha256+b64u:abc")]
    [InlineData("blake3:0123")]
    public void IsUnsupportedAlgorithm_UnknownAlgorithm_ReturnsTrue(string value)
    {
        Assert.True(Digest.IsUnsupportedAlgorithm(value));
    }

    [Theory]
    [InlineData("sha256:abc")] // a supported algorithm with a bad hex is invalid, not unsupported
    [InlineData("sha512:abc")]
    [InlineData("md5:")] // nothing after the colon: not a digest at all
    [InlineData(":abc")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("MD5:abc")] // algorithm components are lowercase
    [InlineData("../x:abc")]
    public void IsUnsupportedAlgorithm_SupportedOrNotADigest_ReturnsFalse(string value)
    {
        Assert.False(Digest.IsUnsupportedAlgorithm(value));
    }

    [Fact]
    public void Matches_SameContent_ReturnsTrue()
    {
        var content = Encoding.UTF8.GetBytes("hello, registry");

        Assert.True(Digest.Compute(content).Matches(content));
    }

    [Fact]
    public void Matches_OtherContent_ReturnsFalse()
    {
        var digest = Digest.Compute(Encoding.UTF8.GetBytes("hello, registry"));

        Assert.False(digest.Matches(Encoding.UTF8.GetBytes("hello, registrY")));
        Assert.False(digest.Matches([]));
    }

    [Fact]
    public void Matches_Sha512Digest_UsesSha512()
    {
        var content = Encoding.UTF8.GetBytes("layer");
        var digest = Digest.Parse("sha512:" + Convert.ToHexStringLower(SHA512.HashData(content)));

        Assert.True(digest.Matches(content));
        Assert.False(digest.Matches(Encoding.UTF8.GetBytes("other")));
    }

    [Fact]
    public void Compute_EmptyContent_IsWellKnownEmptyDigest()
    {
        Assert.Equal(
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            Digest.Compute([]).ToString());
    }

    [Theory]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")]
    public void ToString_Parsed_RoundTrips(string value)
    {
        var digest = Digest.Parse(value);

        Assert.Equal(value, digest.ToString());
        Assert.Equal(digest, Digest.Parse(digest.ToString()));
    }

    [Fact]
    public void ToString_Default_IsEmpty()
    {
        Assert.Equal(string.Empty, default(Digest).ToString());
        Assert.True(default(Digest).IsEmpty);
    }

    [Fact]
    public void Equals_SameValue_AreEqual()
    {
        Assert.Equal(Digest.Parse("sha256:" + Sha256Hex), Digest.Parse("sha256:" + Sha256Hex));
        Assert.NotEqual(Digest.Parse("sha256:" + Sha256Hex), Digest.Parse("sha256:" + new string('b', 64)));
    }
}
