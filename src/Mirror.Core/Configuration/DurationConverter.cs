using System.ComponentModel;
using System.Globalization;

namespace Mirror.Configuration;

/// <summary>
/// Lets configuration say <c>5m</c> where a <see cref="TimeSpan"/> is bound (as well as <c>00:05:00</c>). The
/// binder and the configuration check ask <see cref="TypeDescriptor"/> for TimeSpan's converter, so registering this
/// one (<see cref="Register"/>) is what makes every duration option accept both forms.
/// </summary>
public sealed class DurationConverter : TimeSpanConverter
{
    private static int _registered;

    /// <summary>Makes this the converter for <see cref="TimeSpan"/> in this process (idempotent).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));
        }
    }

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text
            ? ShortDuration.TryParse(text, out var duration)
                ? duration
                : throw new FormatException($"'{text}' is not a duration: use 250ms, 90s, 5m, 24h, 7d or hh:mm:ss")
            : base.ConvertFrom(context, culture, value);
}
