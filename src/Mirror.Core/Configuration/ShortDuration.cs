using System.Globalization;

namespace Mirror.Configuration;

/// <summary>
/// Parses durations written the way operators type them — <c>250ms</c>, <c>90s</c>, <c>30m</c>, <c>24h</c>,
/// <c>7d</c> — and TimeSpan's own <c>hh:mm:ss</c> / <c>d.hh:mm:ss</c>. The one duration syntax of Mirror: the
/// configuration (through <see cref="DurationConverter"/>) and the admin API read durations with it.
/// </summary>
public static class ShortDuration
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        var s = text?.Trim() ?? string.Empty;
        if (s.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
        }

        if (s.Length < 2)
        {
            return false;
        }

        var milliseconds = s.EndsWith("ms", StringComparison.OrdinalIgnoreCase);
        Func<double, TimeSpan>? unit = milliseconds ? TimeSpan.FromMilliseconds : char.ToLowerInvariant(s[^1]) switch
        {
            's' => TimeSpan.FromSeconds,
            'm' => TimeSpan.FromMinutes,
            'h' => TimeSpan.FromHours,
            'd' => TimeSpan.FromDays,
            _ => null,
        };
        var number = s.AsSpan(0, s.Length - (milliseconds ? 2 : 1));
        if (unit is null
            || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)
            || n < 0
            || double.IsInfinity(n)
            || n > TimeSpan.MaxValue.TotalDays)
        {
            return false;
        }

        try
        {
            duration = unit(n);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
