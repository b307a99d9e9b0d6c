
namespace Mirror.Tests.Oci;

public sealed class ByteRangeTests
{
    [Fact]
    public void TryParse_OpenEnded_ReturnsStartOnly()
    {
        Assert.True(ByteRange.TryParse("bytes=0-", out var range));
        Assert.Equal(new ByteRange(0, null, null), range);
    }

    [Fact]
    public void TryParse_Closed_ReturnsStartAndEnd()
    {
        Assert.True(ByteRange.TryParse("bytes=10-19", out var range));
        Assert.Equal(new ByteRange(10, 19, null), range);
    }

    [Fact]
    public void TryParse_Suffix_ReturnsSuffixLength()
    {
        Assert.True(ByteRange.TryParse("bytes=-5", out var range));
        Assert.Equal(5, range.SuffixLength);
        Assert.Null(range.End);
    }

    [Theory]
    [InlineData("bytes=5-2")] // last before first
    [InlineData("bytes=0-1,5-6")] // several ranges
    [InlineData("bytes=0-1,")]
    [InlineData("items=0-1")] // unknown unit
    [InlineData("bytes 0-1")]
    [InlineData("bytes=")]
    [InlineData("bytes=-")]
    [InlineData("bytes=5")]
    [InlineData("bytes=-0")] // an empty suffix
    [InlineData("bytes=a-b")]
    [InlineData("bytes=+1-2")]
    [InlineData("bytes=1-+2")]
    [InlineData("bytes=0x10-")]
    [InlineData("bytes=1-2-3")]
    [InlineData("bytes=--1")]
    [InlineData("bytes=１-２")] // non-ASCII digits
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_Malformed_ReturnsFalse(string? header)
    {
        Assert.False(ByteRange.TryParse(header, out var range));
        Assert.Equal(default, range);
    }

    [Theory]
    [InlineData("  bytes=1-2  ")]
    [InlineData("bytes= 1 - 2 ")]
    [InlineData("BYTES=1-2")]
    [InlineData("Bytes=1-2")]
    public void TryParse_WhitespaceOrCase_Accepted(string header)
    {
        Assert.True(ByteRange.TryParse(header, out var range));
        Assert.Equal(new ByteRange(1, 2, null), range);
    }

    [Theory]
    [InlineData("bytes=99999999999999999999-")] // 20 digits: more than a long holds
    [InlineData("bytes=0-99999999999999999999")]
    [InlineData("bytes=-99999999999999999999")]
    [InlineData("bytes=18446744073709551616-18446744073709551617")]
    public void TryParse_NumberTooLarge_SaturatesWithoutOverflow(string header)
    {
        Assert.True(ByteRange.TryParse(header, out var range));
        Assert.True(range.Start == long.MaxValue || range.End == long.MaxValue || range.SuffixLength == long.MaxValue);
    }

    [Fact]
    public void TryParse_LargestAcceptedNumber_Parses()
    {
        Assert.True(ByteRange.TryParse("bytes=999999999999999999-", out var range));
        Assert.Equal(999_999_999_999_999_999L, range.Start);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Resolve_NoHeader_ReturnsNoneWholeBody(string? header)
    {
        Assert.Equal(RangeKind.None, ByteRange.Resolve(header, 100, out var first, out var last));
        Assert.Equal(0, first);
        Assert.Equal(99, last);
    }

    [Theory]
    [InlineData("bytes=0-", 100, 0, 99)]
    [InlineData("bytes=10-19", 100, 10, 19)]
    [InlineData("bytes=99-", 100, 99, 99)]
    [InlineData("bytes=0-0", 100, 0, 0)]
    [InlineData("bytes=-5", 100, 95, 99)]
    [InlineData("bytes=-100", 100, 0, 99)]
    [InlineData("bytes=-500", 100, 0, 99)] // a suffix longer than the body is the whole body
    [InlineData("bytes=0-999", 100, 0, 99)] // end beyond the size is clipped
    [InlineData("bytes=50-999999999999999999", 100, 50, 99)]
    [InlineData("bytes=0-", 1, 0, 0)]
    public void Resolve_Satisfiable_ReturnsInclusiveOffsets(string header, long size, long expectedFirst, long expectedLast)
    {
        Assert.Equal(RangeKind.Satisfiable, ByteRange.Resolve(header, size, out var first, out var last));
        Assert.Equal(expectedFirst, first);
        Assert.Equal(expectedLast, last);
    }

    [Theory]
    [InlineData("bytes=5-", 3)]
    [InlineData("bytes=3-", 3)]
    [InlineData("bytes=3-10", 3)]
    [InlineData("bytes=0-", 0)]
    [InlineData("bytes=-1", 0)]
    [InlineData("bytes=999999999999999999-", 100)]
    public void Resolve_StartAtOrPastEnd_ReturnsNotSatisfiable(string header, long size)
    {
        Assert.Equal(RangeKind.NotSatisfiable, ByteRange.Resolve(header, size, out _, out _));
    }

    [Theory]
    [InlineData("bytes=5-2")]
    [InlineData("bytes=0-1,5-6")]
    [InlineData("items=0-1")]
    [InlineData("bytes=abc")]
    public void Resolve_Malformed_ReturnsMalformed(string header)
    {
        Assert.Equal(RangeKind.Malformed, ByteRange.Resolve(header, 100, out _, out _));
    }

    // RFC 9110 §14.1.1: "if the value [of last-pos] is greater than or equal to the current length of the
    // representation data, the byte range is interpreted as the remainder of the representation".
    [Fact]
    public void Resolve_EndLongMaxValue_ClippedToSize()
    {
        Assert.Equal(RangeKind.Satisfiable, ByteRange.Resolve("bytes=10-9223372036854775807", 100, out var first, out var last));
        Assert.Equal(10, first);
        Assert.Equal(99, last);
    }
}
