using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Mirror.Configuration;

namespace Mirror.Cluster;

/// <summary>The cluster's shared secret: <c>Mirror:Cluster:Secret</c>, or the contents of <c>SecretFile</c> read at start.</summary>
internal sealed class PeerSecret
{
    private readonly byte[] _hash;

    public PeerSecret(IOptions<MirrorOptions> options)
    {
        var cluster = options.Value.Cluster;
        Value = Read(cluster) ?? string.Empty;
        // Hashed only when there is a secret, in a method of its own: a single node does not load the cryptography
        // assembly at start for it (compiling a method loads what it names, taken branch or not).
        _hash = Value.Length > 0 ? HashOf(Value) : [];
    }

    public string Value { get; }

    public static string? Read(ClusterOptions cluster) =>
        cluster.SecretFile is { Length: > 0 } file && File.Exists(file) ? File.ReadAllText(file).Trim() : cluster.Secret?.Trim();

    /// <summary>
    /// Whether <paramref name="presented"/> is the secret, in time that does not depend on where they differ: both are
    /// hashed first, so neither the length nor a common prefix shows in the timing.
    /// </summary>
    public bool Matches(string? presented) =>
        Value.Length > 0 && presented is { Length: > 0 }
        && CryptographicOperations.FixedTimeEquals(_hash, HashOf(presented));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] HashOf(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
