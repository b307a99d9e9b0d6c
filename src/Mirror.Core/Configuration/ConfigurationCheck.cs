using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Mirror.Configuration;

/// <summary>
/// Reads the raw <c>Mirror:</c> section against the options classes before binding: a value that does not convert
/// (<c>TagTtl=5 minutes</c>) or a key no option has (<c>Mirror:Cache:MaxDiskSise</c>) is reported — all of them at
/// once, with the others the validator finds — instead of the binder stopping at the first bad value or silently
/// ignoring a typo.
/// </summary>
internal static class ConfigurationCheck
{
    public static List<string> Check(IConfigurationSection section, Type type) => Check(section, type, out _);

    /// <summary>
    /// Checks <paramref name="section"/> and returns it without the keys that failed (<paramref name="usable"/>), so
    /// binding the rest still lets the validator report everything else that is wrong.
    /// </summary>
    public static List<string> Check(IConfigurationSection section, Type type, out IConfigurationSection usable)
    {
        DurationConverter.Register();
        var errors = new List<string>();
        var bad = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Walk(section, type, errors, bad);
        if (bad.Count == 0)
        {
            usable = section;
            return errors;
        }

        var kept = section.AsEnumerable()
            .Where(kv => kv.Value is not null && !bad.Any(b => kv.Key.Equals(b, StringComparison.OrdinalIgnoreCase) || kv.Key.StartsWith(b + ":", StringComparison.OrdinalIgnoreCase)));
        usable = new ConfigurationBuilder().AddInMemoryCollection(kept).Build().GetSection(section.Path);
        return errors;
    }

    private static void Walk(IConfigurationSection section, Type type, List<string> errors, HashSet<string> bad)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                var known = string.Join(", ", properties.Keys.Order(StringComparer.Ordinal));
                errors.Add($"{child.Path} is not a Mirror option (known here: {known}).");
                bad.Add(child.Path);
                continue;
            }

            CheckValue(child, property.PropertyType, errors, bad);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<string> errors, HashSet<string> bad)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType)
        {
            var item = type.GetGenericArguments()[0];
            foreach (var element in section.GetChildren())
            {
                if (!int.TryParse(element.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add($"{element.Path}: list entries are numbered (…:0, …:1), not '{element.Key}'.");
                    bad.Add(element.Path);
                    continue;
                }

                CheckValue(element, item, errors, bad);
            }

            return;
        }

        if (type.IsClass && type != typeof(string))
        {
            Walk(section, type, errors, bad);
            return;
        }

        if (section.Value is not { } value || (value.Length == 0 && section.GetChildren().Any()))
        {
            return;
        }

        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException || ex.InnerException is FormatException or OverflowException)
        {
            errors.Add($"{section.Path} = '{value}' is not a valid {Describe(type)}.");
            bad.Add(section.Path);
        }
    }

    private static string Describe(Type type) =>
        type == typeof(TimeSpan) ? "duration (250ms, 90s, 5m, 24h, 7d, hh:mm:ss or d.hh:mm:ss)"
        : type == typeof(ByteSize) ? "size (64MiB, 50GB, 1.5GiB or a number of bytes)"
        : type == typeof(bool) ? "true/false" : type.Name.ToLowerInvariant();
}
