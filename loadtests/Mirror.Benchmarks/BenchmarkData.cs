using System.Security.Cryptography;
using Mirror.Oci;
using Mirror.Storage;

namespace Mirror.Benchmarks;

/// <summary>Deterministic keys and a populated index directory shared by the benchmarks.</summary>
internal static class BenchmarkData
{
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static BlobIndexKey[] Keys(int count) =>
        Enumerable.Range(0, count)
            .Select(i => BlobIndexKey.Blob(Digest.Compute(BitConverter.GetBytes(i))))
            .ToArray();

    public static string NewDirectory() =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mirror-bench-" + Guid.NewGuid().ToString("N"))).FullName;

    public static void Fill(IBlobIndex index, BlobIndexKey[] keys)
    {
        for (var i = 0; i < keys.Length; i++)
        {
            index.Upsert(keys[i], new BlobIndexEntry(RandomNumberGenerator.GetInt32(1, 1 << 30), T0, T0.AddSeconds(i), 0));
        }
    }
}
