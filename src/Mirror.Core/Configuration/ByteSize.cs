using System.Globalization;

namespace Mirror.Configuration;

/// <summary>
/// Parses sizes such as <c>150MB</c>, <c>50GB</c>, <c>1.5GiB</c> or <c>1048576</c> into bytes.
/// </summary>
/// <remarks>
/// Units follow IEC 80000-13, as disk vendors and <c>df -H</c> do: <c>KB MB GB TB PB</c> are decimal (10³, 10⁶,
/// 10⁹…), <c>KiB MiB GiB TiB PiB</c> binary (2¹⁰, 2²⁰, 2³⁰…). <c>B</c> or no unit is bytes. Units are
/// case-insensitive, a space may separate number and unit, fractions are rounded down to whole bytes. Negative
/// numbers, unknown units and sizes beyond <see cref="long.MaxValue"/> are rejected.
/// As an option type it binds from the same text (<see cref="ByteSizeConverter"/>) and reads as its byte count.
/// </remarks>
[System.ComponentModel.TypeConverter(typeof(ByteSizeConverter))]
public readonly record struct ByteSize(long Bytes)
{
    private static readonly (string Unit, decimal Factor)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40), ("PiB", 1L << 50),
        ("KB", 1_000m), ("MB", 1_000_000m), ("GB", 1_000_000_000m), ("TB", 1_000_000_000_000m), ("PB", 1_000_000_000_000_000m),
        ("B", 1m),
    ];

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? text, out long bytes, out string? error)
    {
        bytes = 0;
        error = null;
        var s = text?.Trim() ?? string.Empty;
        if (s.Length == 0)
        {
            error = "a size is required (e.g. 50GB, 1.5GiB or a number of bytes)";
            return false;
        }

        var factor = 1m;
        foreach (var (unit, f) in Units)
        {
            if (s.EndsWith(unit, StringComparison.OrdinalIgnoreCase))
            {
                factor = f;
                s = s[..^unit.Length].TrimEnd();
                break;
            }
        }

        if (!decimal.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            error = $"'{text}' is not a size: use a number of bytes or a number with a unit (KB, MB, GB, TB decimal; KiB, MiB, GiB, TiB binary)";
            return false;
        }

        decimal total;
        try
        {
            total = decimal.Floor(number * factor);
        }
        catch (OverflowException)
        {
            total = decimal.MaxValue;
        }

        if (total > long.MaxValue)
        {
            error = $"'{text}' is too large";
            return false;
        }

        bytes = (long)total;
        return true;
    }

    public static long Parse(string text) =>
        TryParse(text, out var bytes, out var error) ? bytes : throw new FormatException(error);

    public static ByteSize FromMebibytes(long mebibytes) => new(mebibytes * 1024 * 1024);

    public static implicit operator long(ByteSize size) => size.Bytes;

    public static implicit operator ByteSize(long bytes) => new(bytes);

    public override string ToString() => Bytes.ToString(CultureInfo.InvariantCulture);
}
