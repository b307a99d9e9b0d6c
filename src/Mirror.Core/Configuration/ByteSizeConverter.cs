using System.ComponentModel;
using System.Globalization;

namespace Mirror.Configuration;

/// <summary>Binds <c>64MiB</c>, <c>50GB</c> or a plain byte count to a <see cref="ByteSize"/> option.</summary>
public sealed class ByteSizeConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? new ByteSize(ByteSize.Parse(text)) : base.ConvertFrom(context, culture, value);
}
