using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Mirror.Oci;

/// <summary>The <c>&lt;reference&gt;</c> of a manifest URL: a tag or a digest.</summary>
public sealed partial record Reference
{
    private Reference(string? tag, Digest digest)
    {
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The tag, or null when the reference is a digest.</summary>
    public string? Tag { get; }

    public Digest Digest { get; }

    [MemberNotNullWhen(false, nameof(Tag))]
    public bool IsDigest => Tag is null;

    public static Reference ForDigest(Digest digest) => new(null, digest);

    /// <summary>
    /// Parses a tag (<c>[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}</c>) or a digest. A string with a colon is only ever a
    /// digest, since tags cannot contain one.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out Reference? reference)
    {
        reference = null;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        if (value.Contains(':'))
        {
            if (!Digest.TryParse(value, out var digest))
            {
                return false;
            }

            reference = new Reference(null, digest);
            return true;
        }

        if (!TagGrammar().IsMatch(value))
        {
            return false;
        }

        reference = new Reference(value, default);
        return true;
    }

    public override string ToString() => Tag ?? Digest.ToString();

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagGrammar();
}
