
namespace Mirror.Tests.Configuration;

public sealed class ShortDurationTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 30 * 60)]
    [InlineData("24h", 24 * 3600)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("1.5h", 5400)]
    [InlineData("0m", 0)]
    [InlineData("00:05:00", 300)]
    [InlineData("1.00:00:00", 86400)]
    public void TryParse_Valid_Duration(string text, int seconds)
    {
        Assert.True(ShortDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("24")]
    [InlineData("h")]
    [InlineData("-1h")]
    [InlineData("3w")]
    [InlineData("1e9999d")]
    [InlineData("99999999999d")]
    [InlineData("-00:05:00")]
    [InlineData("5 minutes")]
    public void TryParse_Invalid_False(string text) => Assert.False(ShortDuration.TryParse(text, out _));

    [Fact]
    public void TryParse_Milliseconds_Duration()
    {
        Assert.True(ShortDuration.TryParse("250ms", out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(250), duration);
    }
}
