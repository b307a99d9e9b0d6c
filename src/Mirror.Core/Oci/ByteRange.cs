using System.Globalization;

namespace Mirror.Oci;

/// <summary>The outcome of reading a <c>Range</c> header against a representation of known size.</summary>
public enum RangeKind
{
    /// <summary>No Range header: send the whole body with 200.</summary>
    None,

    /// <summary>A satisfiable single range: 206 with Content-Range.</summary>
    Satisfiable,

    /// <summary>Syntactically valid but starts at or past the end: 416 with <c>Content-Range: bytes */size</c>.</summary>
    NotSatisfiable,

    /// <summary>Not a single <c>bytes=</c> range we understand: a clear 416 error rather than a silent 200.</summary>
    Malformed,
}

/// <summary>
/// A single byte range (RFC 9110 §14.1.2). Registries only ever see <c>bytes=N-</c> (Docker resuming a layer) and
/// <c>bytes=N-M</c>; the suffix form <c>bytes=-N</c> is accepted as well. Multiple ranges are refused: no
/// registry client sends them and multipart responses would defeat digest-checking clients.
/// </summary>
public readonly record struct ByteRange(long Start, long? End, long? SuffixLength)
{
    public static bool TryParse(string? header, out ByteRange range)
    {
        range = default;
        if (header is null)
        {
            return false;
        }

        var span = header.AsSpan().Trim();
        if (!span.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        span = span["bytes=".Length..].Trim();
        if (span.Contains(','))
        {
            return false;
        }

        var dash = span.IndexOf('-');
        if (dash < 0)
        {
            return false;
        }

        var first = span[..dash].Trim();
        var last = span[(dash + 1)..].Trim();
        if (first.IsEmpty)
        {
            if (!TryParseNumber(last, out var suffix) || suffix == 0)
            {
                return false;
            }

            range = new ByteRange(0, null, suffix);
            return true;
        }

        if (!TryParseNumber(first, out var start))
        {
            return false;
        }

        if (last.IsEmpty)
        {
            range = new ByteRange(start, null, null);
            return true;
        }

        if (!TryParseNumber(last, out var end) || end < start)
        {
            return false;
        }

        range = new ByteRange(start, end, null);
        return true;
    }

    /// <summary>
    /// Resolves a Range header against a body of <paramref name="size"/> bytes, giving the inclusive
    /// offsets to send.
    /// </summary>
    public static RangeKind Resolve(string? header, long size, out long first, out long last)
    {
        first = 0;
        last = size - 1;
        if (string.IsNullOrWhiteSpace(header))
        {
            return RangeKind.None;
        }

        if (!TryParse(header, out var range))
        {
            return RangeKind.Malformed;
        }

        if (range.SuffixLength is { } suffix)
        {
            if (size == 0)
            {
                return RangeKind.NotSatisfiable;
            }

            first = Math.Max(0, size - suffix);
            return RangeKind.Satisfiable;
        }

        if (range.Start >= size)
        {
            return RangeKind.NotSatisfiable;
        }

        first = range.Start;
        last = range.End is { } end ? Math.Min(end, size - 1) : size - 1;
        return RangeKind.Satisfiable;
    }

    private static bool TryParseNumber(ReadOnlySpan<char> s, out long value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        // A position past long.MaxValue is past any blob: it saturates (an end clips to the size, a start is
        // unsatisfiable) instead of making a valid header "malformed".
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            value = long.MaxValue;
        }

        return true;
    }
}
