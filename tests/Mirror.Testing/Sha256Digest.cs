using System.Security.Cryptography;

namespace Mirror.Testing;

/// <summary>OCI digests (<c>sha256:&lt;hex&gt;</c>) of test data, computed independently of the code under test.</summary>
public static class Sha256Digest
{
    public static string Of(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    public static async Task<string> OfFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return FromHash(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    /// <summary>A finished SHA-256 hash (e.g. from an <see cref="IncrementalHash"/>) as a digest.</summary>
    public static string FromHash(byte[] hash) => "sha256:" + Convert.ToHexStringLower(hash);
}
