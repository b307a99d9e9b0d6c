using System.Globalization;

namespace Mirror.Configuration;

/// <summary>Parses durations written the way operators type them: <c>90s</c>, <c>30m</c>, <c>24h</c>, <c>7d</c>.</summary>
public static class ShortDuration
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        var s = text?.Trim() ?? string.Empty;
        if (s.Length < 2)
        {
            return false;
        }

        Func<double, TimeSpan>? unit = char.ToLowerInvariant(s[^1]) switch
        {
            's' => TimeSpan.FromSeconds,
            'm' => TimeSpan.FromMinutes,
            'h' => TimeSpan.FromHours,
            'd' => TimeSpan.FromDays,
            _ => null,
        };
        if (unit is null
            || !double.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)
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
