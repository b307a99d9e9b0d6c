using System.Security.Cryptography;
using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// Content being written: a temp file that is hashed as it grows. <see cref="Commit"/> checks the digest (and the
/// expected length), flushes, and renames the file into place atomically; anything else deletes it. Readers can
/// open the temp file while it grows (<see cref="OpenRead"/>) and keep their handle across the rename.
/// </summary>
public sealed class StagedBlob : IDisposable
{
    private readonly Lock _gate = new();
    private readonly string _finalPath;
    private readonly FileStream _file;
    private readonly IncrementalHash _hash;
    private readonly ITierEvents _tier;
    private State _state;

    internal StagedBlob(Digest digest, string tempPath, string finalPath, ITierEvents? tier = null, long preallocate = 0)
    {
        Digest = digest;
        TempPath = tempPath;
        _finalPath = finalPath;
        _tier = tier ?? ITierEvents.None;
        _file = new FileStream(tempPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.Asynchronous,
            BufferSize = 0,

            // fallocate without changing the size: ENOSPC now rather than half-way through the body.
            PreallocationSize = preallocate,
        });
        _hash = IncrementalHash.CreateHash(digest.HashAlgorithm);
    }

    public Digest Digest { get; }

    public string TempPath { get; }

    /// <summary>Bytes written so far.</summary>
    public long Length => _file.Length;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await _file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _tier.WriteFailed("write", ex); // ENOSPC lands here
            throw new CacheUnavailableException($"writing {Digest} to the cache failed: {ex.Message}", ex);
        }

        _hash.AppendData(data.Span);
    }

    /// <summary>
    /// Opens the content for reading: the temp file while it is written, the committed file after. Null when the
    /// write was discarded.
    /// </summary>
    public FileStream? OpenRead()
    {
        lock (_gate)
        {
            if (_state == State.Discarded)
            {
                return null;
            }

            var path = _state == State.Committed ? _finalPath : TempPath;
            try
            {
                return OpenShared(path);
            }
            catch (FileNotFoundException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Verifies and publishes the content. Returns false (and discards the file) when the digest or the length
    /// does not match.
    /// </summary>
    public bool Commit(long? expectedLength)
    {
        var actual = Digest.FromHash(Digest.Algorithm, _hash.GetHashAndReset());
        if (actual != Digest || (expectedLength is { } n && n != _file.Length))
        {
            Discard();
            return false;
        }

        // Flush to the disk before the rename: after a crash a committed name must never hold a short file.
        var length = _file.Length;
        try
        {
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            lock (_gate)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_finalPath)!);
                File.Move(TempPath, _finalPath, overwrite: true);
                _state = State.Committed;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _tier.WriteFailed("commit", ex);
            throw new CacheUnavailableException($"committing {Digest} to the cache failed: {ex.Message}", ex);
        }

        // Index after the rename, and only then stop counting the digest as "being written": eviction skips it
        // until its entry exists.
        _tier.Committed(BlobIndexKey.Blob(Digest), length);
        _tier.WriteEnded(Digest);
        return true;
    }

    /// <summary>Deletes the temp file; readers holding it open see the failure through their fill, not here.</summary>
    public void Discard()
    {
        lock (_gate)
        {
            if (_state != State.Writing)
            {
                return;
            }

            _file.Dispose();
            FileSystem.TryDelete(TempPath);
            _state = State.Discarded;
        }

        _tier.WriteEnded(Digest);
    }

    public void Dispose()
    {
        Discard();
        _hash.Dispose();
    }

    internal static FileStream OpenShared(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.ReadWrite | FileShare.Delete,
        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        BufferSize = 0,
    });

    private enum State
    {
        Writing,
        Committed,
        Discarded,
    }
}
