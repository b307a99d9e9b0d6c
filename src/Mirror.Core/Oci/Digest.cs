using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Mirror.Oci;

/// <summary>
/// A content digest, <c>algorithm:hex</c> (OCI image-spec "Digests"). Only the registered algorithms
/// sha256 and sha512 are accepted, with lowercase hex of the exact length: anything else is rejected
/// before it can reach a file path, which is what keeps <c>../</c> out of the content store.
/// </summary>
public readonly struct Digest : IEquatable<Digest>
{
    // The whole "algorithm:hex" string is kept, so ToString (cache keys, headers) allocates nothing on a hit.
    private readonly string? _value;

    private Digest(string algorithm, string value)
    {
        Algorithm = algorithm;
        _value = value;
    }

    public string Algorithm { get; }

    /// <summary>The hex part (allocated on each call: only the disk paths need it).</summary>
    public string Hex => _value is null ? null! : _value[(Algorithm.Length + 1)..];

    public static bool operator ==(Digest left, Digest right) => left.Equals(right);

    public static bool operator !=(Digest left, Digest right) => !left.Equals(right);

    public bool Equals(Digest other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is Digest other && Equals(other);

    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    public static bool TryParse([NotNullWhen(true)] string? value, out Digest digest)
    {
        digest = default;
        if (value is null)
        {
            return false;
        }

        var colon = value.IndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        var algorithmSpan = value.AsSpan(0, colon);
        var hex = value.AsSpan(colon + 1);
        var (algorithm, expected) = algorithmSpan switch
        {
            "sha256" => ("sha256", 64),
            "sha512" => ("sha512", 128),
            _ => (string.Empty, -1),
        };
        if (expected < 0 || hex.Length != expected || !IsLowerHex(hex))
        {
            return false;
        }

        digest = new Digest(algorithm, value);
        return true;
    }

    /// <summary>True when <paramref name="value"/> has the general digest shape but an algorithm we do not support.</summary>
    public static bool IsUnsupportedAlgorithm(string value)
    {
        var colon = value.IndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
        {
            return false;
        }

        var algorithm = value.AsSpan(0, colon);
        foreach (var c in algorithm)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '+' or '.' or '_' or '-'))
            {
                return false;
            }
        }

        return algorithm is not "sha256" and not "sha512";
    }

    public static Digest Parse(string value) =>
        TryParse(value, out var digest) ? digest : throw new FormatException($"'{value}' is not a valid sha256 or sha512 digest.");

    public static Digest FromHash(string algorithm, ReadOnlySpan<byte> hash) =>
        new(algorithm == "sha512" ? "sha512" : "sha256", $"{(algorithm == "sha512" ? "sha512" : "sha256")}:{Convert.ToHexStringLower(hash)}");

    public static Digest Compute(ReadOnlySpan<byte> content) => FromHash("sha256", SHA256.HashData(content));

    /// <summary>Computes the digest of <paramref name="content"/> with this digest's algorithm.</summary>
    public bool Matches(ReadOnlySpan<byte> content) =>
        Algorithm == "sha512"
            ? Convert.ToHexStringLower(SHA512.HashData(content)) == Hex
            : Convert.ToHexStringLower(SHA256.HashData(content)) == Hex;

    public HashAlgorithmName HashAlgorithm => Algorithm == "sha512" ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;

    public bool IsEmpty => _value is null;

    public override string ToString() => _value ?? string.Empty;

    private static bool IsLowerHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!(char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}
