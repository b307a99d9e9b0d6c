using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Mirror.Oci;

/// <summary>
/// A repository name as the distribution spec defines it:
/// <c>[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*</c>, at most 255 characters.
/// The grammar admits no <c>..</c> path segment, so a valid name is safe to use in a cache key or log line.
/// </summary>
public sealed partial record RepositoryName
{
    public const int MaxLength = 255;

    private RepositoryName(string value) => Value = value;

    public string Value { get; }

    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out RepositoryName? name)
    {
        name = null;
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || !Grammar().IsMatch(value))
        {
            return false;
        }

        name = new RepositoryName(value);
        return true;
    }

    public static RepositoryName Parse(string value) =>
        TryParse(value, out var name) ? name : throw new FormatException($"'{value}' is not a valid repository name.");

    /// <summary>
    /// Docker Hub stores official images under <c>library/</c>; clients that talk to a mirror send the short
    /// name (<c>nginx</c>), the upstream only knows the long one.
    /// </summary>
    public bool TryWithLibraryPrefix([NotNullWhen(true)] out RepositoryName? prefixed)
    {
        prefixed = Value.Contains('/') ? this : Value.Length + "library/".Length <= MaxLength ? new RepositoryName("library/" + Value) : null;
        return prefixed is not null;
    }

    public override string ToString() => Value;

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();
}
