using System.Text;

namespace Mirror.Cluster;

/// <summary>
/// Rendezvous (highest-random-weight) hashing: score(node, key) = hash(node ‖ key), owner = the highest score. Every
/// node computes the same order from the same member list with no coordination; a node leaving moves only the keys it
/// owned (each to its own next-highest), a node joining takes ≈ 1/(N+1) of them.
/// </summary>
/// <remarks>
/// The hash must be the same in every process (string.GetHashCode is randomized per process): FNV-1a over the UTF-8
/// bytes, finished with MurmurHash3's 64-bit mixer, which FNV alone needs to spread keys that differ in one byte.
/// It runs on misses only (a hit never asks who owns it), so a few hundred nanoseconds per member do not matter.
/// </remarks>
internal static class Rendezvous
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    public static ulong Score(string member, string key)
    {
        var hash = FnvOffset;
        hash = Add(hash, member);
        hash = (hash ^ 0xFF) * FnvPrime; // a separator: ("ab","c") and ("a","bc") score differently
        hash = Add(hash, key);
        return Mix(hash);
    }

    /// <summary>The members in ownership order for <paramref name="key"/>: the owner first, then who takes over.</summary>
    public static ClusterMember[] Rank(IReadOnlyList<ClusterMember> members, string key)
    {
        var ranked = new ClusterMember[members.Count];
        var scores = new ulong[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            ranked[i] = members[i];

            // Inverted, so the ascending sort puts the highest score first.
            scores[i] = ~Score(members[i].Id, key);
        }

        Array.Sort(scores, ranked);
        return ranked;
    }

    private static ulong Add(ulong hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * FnvPrime;
        }

        return hash;
    }

    private static ulong Mix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdUL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53UL;
        k ^= k >> 33;
        return k;
    }
}
