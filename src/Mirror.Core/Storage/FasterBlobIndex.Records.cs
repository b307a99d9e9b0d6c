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

            // The hex as a span of the digest's own string: Digest.Hex allocates a substring per call, and this runs
            // on every Touch (every cache hit), where it was two 64-char strings (304 B) per hit.
            var hex = digest.ToString().AsSpan(digest.Algorithm.Length + 1);
            Convert.FromHexString(hex, raw[..(hex.Length / 2)], out _, out _);
            var words = MemoryMarshal.Cast<byte, ulong>(raw);
            var algorithm = digest.Algorithm == "sha512" ? 1UL : 0UL;
            return new IndexKey
            {
                Meta = (ulong)key.Kind | (algorithm << 8),
                W0 = words[0], W1 = words[1], W2 = words[2], W3 = words[3],
                W4 = words[4], W5 = words[5], W6 = words[6], W7 = words[7],
            };
        }

        /// <remarks>
        /// One string per key ("algorithm:hex" written in place, then checked by <see cref="Digest.TryParse"/>),
        /// not a hex string and then its concatenation: a snapshot of a million entries makes a million of these.
        /// </remarks>
        public readonly BlobIndexKey ToKey()
        {
            var sha512 = (Meta >> 8 & 0xFF) == 1;
            var length = sha512 ? "sha512:".Length + 128 : "sha256:".Length + 64;
            var text = string.Create(length, this, static (chars, key) =>
            {
                var sha512 = (key.Meta >> 8 & 0xFF) == 1;
                Span<ulong> words = [key.W0, key.W1, key.W2, key.W3, key.W4, key.W5, key.W6, key.W7];
                (sha512 ? "sha512:" : "sha256:").CopyTo(chars);
                Convert.TryToHexStringLower(MemoryMarshal.AsBytes(words)[..(sha512 ? 64 : 32)], chars[7..], out _);
            });
            if (!Digest.TryParse(text, out var digest))
            {
                throw new InvalidDataException($"Blob index record holds an invalid digest: {text}");
            }

            return new BlobIndexKey((BlobKind)(Meta & 0xFF), digest);
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

    /// <summary>
    /// FASTER's comparer, and the one the log scans de-duplicate keys with: without it a
    /// <c>Dictionary&lt;IndexKey, …&gt;</c> would compare the structs through <c>ValueType.Equals</c> (reflection, boxing).
    /// </summary>
    internal sealed class IndexKeyComparer : IFasterEqualityComparer<IndexKey>, IEqualityComparer<IndexKey>
    {
        public static readonly IndexKeyComparer Instance = new();

        // Digest bytes are uniformly distributed already: the first word is a good hash.
        public long GetHashCode64(ref IndexKey key) => (long)(key.W0 ^ (key.Meta * 0x9E3779B97F4A7C15UL));

        public bool Equals(ref IndexKey k1, ref IndexKey k2) =>
            k1.W0 == k2.W0 && k1.Meta == k2.Meta && k1.W1 == k2.W1 && k1.W2 == k2.W2 && k1.W3 == k2.W3
            && k1.W4 == k2.W4 && k1.W5 == k2.W5 && k1.W6 == k2.W6 && k1.W7 == k2.W7;

        public bool Equals(IndexKey x, IndexKey y) => Equals(ref x, ref y);

        public int GetHashCode(IndexKey key) => (int)GetHashCode64(ref key);
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
    /// <remarks>
    /// Keeps the blittable records themselves (72 B key + 32 B value per dictionary slot), not digests: a replaced or
    /// removed record then costs nothing, and the recount at start needs no string at all. Turning a record into a
    /// <see cref="BlobIndexKey"/> (one digest string) is left to the callers that hand keys out.
    /// </remarks>
    internal readonly struct Collector(Dictionary<IndexKey, IndexValue> items) : IScanIteratorFunctions<IndexKey, IndexValue>
    {
        public Dictionary<IndexKey, IndexValue> Items => items;

        public bool OnStart(long beginAddress, long endAddress) => true;

        public bool SingleReader(ref IndexKey key, ref IndexValue value, RecordMetadata recordMetadata, long numberOfRecords)
        {
            if (recordMetadata.RecordInfo.Tombstone)
            {
                items.Remove(key);
            }
            else
            {
                items[key] = value;
            }

            return true;
        }

        public bool ConcurrentReader(ref IndexKey key, ref IndexValue value, RecordMetadata recordMetadata, long numberOfRecords) =>
            SingleReader(ref key, ref value, recordMetadata, numberOfRecords);

        public void OnStop(bool completed, long numberOfRecords)
        {
        }

        public void OnException(Exception exception, long numberOfRecords)
        {
        }
    }

    /// <summary>A sha256 key without the four zero words a sha512 needs: the recount's set, 40 B instead of 72 B.</summary>
    internal readonly record struct Sha256Key(ulong Meta, ulong W0, ulong W1, ulong W2, ulong W3);

    /// <summary>
    /// The recount's scan: the same rule as <see cref="Collector"/> (a later record replaces an earlier one, a
    /// tombstone removes it), keeping only each live key's size. sha256 keys (all but a few) go to a set of 40-byte
    /// keys: at a million entries that is ~56 MB of slots in one allocation, against ~135 MB for full records.
    /// </summary>
    internal readonly struct SizeCollector(Dictionary<Sha256Key, long> sha256, Dictionary<IndexKey, long> other) : IScanIteratorFunctions<IndexKey, IndexValue>
    {
        public long Count => sha256.Count + other.Count;

        public long Bytes
        {
            get
            {
                long bytes = 0;
                foreach (var size in sha256.Values)
                {
                    bytes += size;
                }

                foreach (var size in other.Values)
                {
                    bytes += size;
                }

                return bytes;
            }
        }

        public bool OnStart(long beginAddress, long endAddress) => true;

        public bool SingleReader(ref IndexKey key, ref IndexValue value, RecordMetadata recordMetadata, long numberOfRecords)
        {
            var tombstone = recordMetadata.RecordInfo.Tombstone;
            if ((key.Meta >> 8 & 0xFF) == 0 && (key.W4 | key.W5 | key.W6 | key.W7) == 0)
            {
                var k = new Sha256Key(key.Meta, key.W0, key.W1, key.W2, key.W3);
                if (tombstone)
                {
                    sha256.Remove(k);
                }
                else
                {
                    sha256[k] = value.Size;
                }
            }
            else if (tombstone)
            {
                other.Remove(key);
            }
            else
            {
                other[key] = value.Size;
            }

            return true;
        }

        public bool ConcurrentReader(ref IndexKey key, ref IndexValue value, RecordMetadata recordMetadata, long numberOfRecords) =>
            SingleReader(ref key, ref value, recordMetadata, numberOfRecords);

        public void OnStop(bool completed, long numberOfRecords)
        {
        }

        public void OnException(Exception exception, long numberOfRecords)
        {
        }
    }
}
