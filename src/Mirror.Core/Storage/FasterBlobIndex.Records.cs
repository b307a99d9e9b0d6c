using System.Runtime.InteropServices;
using FASTER.core;
using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>The blittable records FASTER stores, their comparer and the FASTER callbacks.</summary>
internal sealed partial class FasterBlobIndex
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct IndexKey
    {
        public ulong Meta; // kind (low byte) | algorithm << 8 (0 = sha256, 1 = sha512)
        public ulong W0;
        public ulong W1;
        public ulong W2;
        public ulong W3;
        public ulong W4;
        public ulong W5;
        public ulong W6;
        public ulong W7;

        public static IndexKey From(BlobIndexKey key)
        {
            var digest = key.Digest;
            Span<byte> raw = stackalloc byte[64];
            raw.Clear();
            var length = digest.Hex.Length / 2;
            Convert.FromHexString(digest.Hex, raw[..length], out _, out _);
            var words = MemoryMarshal.Cast<byte, ulong>(raw);
            var algorithm = digest.Algorithm == "sha512" ? 1UL : 0UL;
            return new IndexKey
            {
                Meta = (ulong)key.Kind | (algorithm << 8),
                W0 = words[0], W1 = words[1], W2 = words[2], W3 = words[3],
                W4 = words[4], W5 = words[5], W6 = words[6], W7 = words[7],
            };
        }

        public readonly BlobIndexKey ToKey()
        {
            Span<ulong> words = [W0, W1, W2, W3, W4, W5, W6, W7];
            var sha512 = (Meta >> 8 & 0xFF) == 1;
            var raw = MemoryMarshal.AsBytes(words)[..(sha512 ? 64 : 32)];
            return new BlobIndexKey((BlobKind)(Meta & 0xFF), Digest.FromHash(sha512 ? "sha512" : "sha256", raw));
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct IndexValue
    {
        public long Size;
        public long StoredAtTicks;
        public long LastAccessTicks;
        public long Hits;

        public static IndexValue From(BlobIndexEntry entry) => new()
        {
            Size = entry.Size,
            StoredAtTicks = entry.StoredAt.UtcTicks,
            LastAccessTicks = entry.LastAccess.UtcTicks,
            Hits = entry.HitCount,
        };

        public readonly BlobIndexEntry ToEntry() => new(
            Size,
            new DateTimeOffset(StoredAtTicks, TimeSpan.Zero),
            new DateTimeOffset(LastAccessTicks, TimeSpan.Zero),
            Hits);
    }

    internal sealed class IndexKeyComparer : IFasterEqualityComparer<IndexKey>
    {
        // Digest bytes are uniformly distributed already: the first word is a good hash.
        public long GetHashCode64(ref IndexKey key) => (long)(key.W0 ^ (key.Meta * 0x9E3779B97F4A7C15UL));

        public bool Equals(ref IndexKey k1, ref IndexKey k2) =>
            k1.W0 == k2.W0 && k1.Meta == k2.Meta && k1.W1 == k2.W1 && k1.W2 == k2.W2 && k1.W3 == k2.W3
            && k1.W4 == k2.W4 && k1.W5 == k2.W5 && k1.W6 == k2.W6 && k1.W7 == k2.W7;
    }

    /// <summary>Read copies the value out; RMW is Touch (input = now in UTC ticks) and never creates a record.</summary>
    internal sealed class IndexFunctions : FunctionsBase<IndexKey, IndexValue, long, IndexValue, Empty>
    {
        public override bool SingleReader(ref IndexKey key, ref long input, ref IndexValue value, ref IndexValue dst, ref ReadInfo readInfo)
        {
            dst = value;
            return true;
        }

        public override bool ConcurrentReader(ref IndexKey key, ref long input, ref IndexValue value, ref IndexValue dst, ref ReadInfo readInfo)
        {
            dst = value;
            return true;
        }

        public override bool NeedInitialUpdate(ref IndexKey key, ref long input, ref IndexValue output, ref RMWInfo rmwInfo) => false;

        public override bool InPlaceUpdater(ref IndexKey key, ref long input, ref IndexValue value, ref IndexValue output, ref RMWInfo rmwInfo)
        {
            Apply(ref value, input);
            output = value;
            return true;
        }

        public override bool CopyUpdater(ref IndexKey key, ref long input, ref IndexValue oldValue, ref IndexValue newValue, ref IndexValue output, ref RMWInfo rmwInfo)
        {
            newValue = oldValue;
            Apply(ref newValue, input);
            output = newValue;
            return true;
        }

        private static void Apply(ref IndexValue value, long nowTicks)
        {
            if (nowTicks > value.LastAccessTicks)
            {
                value.LastAccessTicks = nowTicks;
            }

            value.Hits++;
        }
    }

    /// <summary>
    /// Collects the live records of a scan of the whole log, in address order: a later record of a key replaces an
    /// earlier one (a copy-update moved it to the tail), a tombstone removes it.
    /// </summary>
    internal struct Collector(Dictionary<BlobIndexKey, BlobIndexEntry> items) : IScanIteratorFunctions<IndexKey, IndexValue>
    {
        public readonly Dictionary<BlobIndexKey, BlobIndexEntry> Items => items;

        public readonly bool OnStart(long beginAddress, long endAddress) => true;

        public readonly bool SingleReader(ref IndexKey key, ref IndexValue value, RecordMetadata recordMetadata, long numberOfRecords)
        {
            if (recordMetadata.RecordInfo.Tombstone)
            {
                items.Remove(key.ToKey());
            }
            else
            {
                items[key.ToKey()] = value.ToEntry();
            }

            return true;
        }

        public readonly bool ConcurrentReader(ref IndexKey key, ref IndexValue value, RecordMetadata recordMetadata, long numberOfRecords) =>
            SingleReader(ref key, ref value, recordMetadata, numberOfRecords);

        public readonly void OnStop(bool completed, long numberOfRecords)
        {
        }

        public readonly void OnException(Exception exception, long numberOfRecords)
        {
        }
    }
}
