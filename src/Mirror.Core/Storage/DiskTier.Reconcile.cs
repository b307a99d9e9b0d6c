
namespace Mirror.Storage;

/// <summary>Start-up reconciliation: the index made to match the files.</summary>
internal sealed partial class DiskTier
{
    /// <summary>
    /// Makes the index match the files: entries without a file are dropped, files without an entry adopted (recency
    /// = the file's modification time, so they age like the rest), sizes corrected. Run at start, before serving.
    /// </summary>
    public (int Adopted, int Dropped) Reconcile()
    {
        lock (_evictGate)
        {
            var files = ScanFiles();
            var adopted = 0;
            var dropped = 0;
            foreach (var (key, entry) in Index.Snapshot())
            {
                if (!files.Remove(key, out var file))
                {
                    if (!IsWriting(key.Digest))
                    {
                        Index.Remove(key);
                        dropped++;
                    }

                    continue;
                }

                if (file.Size != entry.Size)
                {
                    Index.Upsert(key, entry with { Size = file.Size });
                }
            }

            foreach (var (key, file) in files)
            {
                Index.Upsert(key, new BlobIndexEntry(file.Size, file.Modified, file.Modified, 0));
                adopted++;
            }

            Log.Reconciled(_logger, Index.Count, Index.TotalBytes, adopted, dropped);
            return (adopted, dropped);
        }
    }

    private Dictionary<BlobIndexKey, (long Size, DateTimeOffset Modified)> ScanFiles()
    {
        var found = new Dictionary<BlobIndexKey, (long, DateTimeOffset)>();
        foreach (var kind in new[] { BlobKind.Blob, BlobKind.Manifest })
        {
            var folder = _layout.FolderOf(kind);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var algorithm in Directory.EnumerateDirectories(folder))
            {
                foreach (var prefix in Directory.EnumerateDirectories(algorithm))
                {
                    foreach (var file in new DirectoryInfo(prefix).EnumerateFiles())
                    {
                        if (!CacheLayout.TryParseContentFile(algorithm, prefix, file.Name, out var digest))
                        {
                            continue; // .type files, strays
                        }

                        var size = file.Length;
                        if (kind == BlobKind.Manifest)
                        {
                            var type = new FileInfo(file.FullName + ".type");
                            size += type.Exists ? type.Length : 0;
                        }

                        found[new BlobIndexKey(kind, digest)] = (size, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));
                    }
                }
            }
        }

        return found;
    }
}
