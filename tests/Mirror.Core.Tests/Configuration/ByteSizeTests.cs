
namespace Mirror.Tests.Configuration;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1048576", 1048576L)]
    [InlineData("512B", 512L)]
    [InlineData("150MB", 150_000_000L)]
    [InlineData("150 MB", 150_000_000L)]
    [InlineData("50GB", 50_000_000_000L)]
    [InlineData("50gb", 50_000_000_000L)]
    [InlineData("2TB", 2_000_000_000_000L)]
    [InlineData("1KB", 1_000L)]
    [InlineData("1KiB", 1_024L)]
    [InlineData("64MiB", 64L * 1024 * 1024)]
    [InlineData("1.5GiB", 1_610_612_736L)]
    [InlineData("1.5GB", 1_500_000_000L)]
    [InlineData("0.5B", 0L)]
    [InlineData(" 3 TiB ", 3L << 40)]
    public void TryParse_ValidSize_Bytes(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes, out var error), error);
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("-1")]
    [InlineData("-5GB")]
    [InlineData("12XB")]
    [InlineData("GB")]
    [InlineData("1,5GB")]
    [InlineData("1e9")]
    [InlineData("10000000PB")]
    [InlineData("99999999999999999999")]
    public void TryParse_Invalid_FalseWithReason(string? text)
    {
        Assert.False(ByteSize.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Parse_Invalid_Throws() => Assert.Throws<FormatException>(() => ByteSize.Parse("lots"));
}
