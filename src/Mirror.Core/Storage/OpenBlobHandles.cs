using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Mirror.Oci;

namespace Mirror.Storage;

/// <summary>
/// Open read handles of recently served blobs, so that a hit costs no open/fadvise/fstat/close and no FileStream:
/// bounded in number (least recently used closed first), and closed when the file is deleted (eviction, a delete
/// through the mirror), so that an evicted blob's disk space is never held by a handle kept here.
/// </summary>
/// <remarks>
/// A handle is shared by every reader of its blob: each takes a reference (SafeHandle's own count) and gives it back
/// when done; closing one here only marks it, and the file is closed when its last reader ends — the same guarantee
/// as before, when every reader had its own handle (an unlinked file stays readable through open handles).
/// </remarks>
/// <param name="capacity">The most handles kept open; 0 keeps none (every hit opens its own).</param>
internal sealed class OpenBlobHandles(int capacity) : IDisposable
{
    /// <summary>Far below the usual 1,024 descriptors per process, far above the blobs a pull keeps busy at once.</summary>
    public const int DefaultCapacity = 128;

    private readonly ConcurrentDictionary<Digest, Entry> _open = new();
    private readonly Lock _admit = new();

    public int Count => _open.Count;

    /// <summary>The kept handle of <paramref name="digest"/>, leased to the caller; null when none is kept.</summary>
    public StoredBlob? TryLease(Digest digest)
    {
        if (!_open.TryGetValue(digest, out var entry))
        {
            return null;
        }

        var added = false;
        try
        {
            entry.Handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return null; // closed by a Forget or an eviction between the lookup and here
        }

        entry.Touch();
        return new StoredBlob(entry.Handle, entry.Length, leased: true);
    }

    /// <summary>Keeps a handle just opened for <paramref name="digest"/> and returns it to the caller, leased or, when it is not kept, owned.</summary>
    public StoredBlob Admit(Digest digest, SafeFileHandle handle, long length)
    {
        if (capacity <= 0)
        {
            return new StoredBlob(handle, length, leased: false);
        }

        // The caller's reference is taken before the handle is visible: nothing can close it under the caller.
        var added = false;
        handle.DangerousAddRef(ref added);
        lock (_admit)
        {
            while (_open.Count >= capacity && CloseLeastRecentlyUsed())
            {
            }

            if (_open.TryAdd(digest, new Entry(handle, length)))
            {
                return new StoredBlob(handle, length, leased: true);
            }
        }

        // Another reader kept its own handle for this blob meanwhile: this one stays the caller's alone.
        handle.DangerousRelease();
        return new StoredBlob(handle, length, leased: false);
    }

    /// <summary>The file is being deleted: its kept handle is closed (at once, or when its last reader ends).</summary>
    public void Forget(Digest digest)
    {
        if (_open.TryRemove(digest, out var entry))
        {
            entry.Handle.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var digest in _open.Keys)
        {
            Forget(digest);
        }
    }

    // A scan of at most `capacity` entries, only when a new blob is opened with the set full.
    private bool CloseLeastRecentlyUsed()
    {
        KeyValuePair<Digest, Entry>? oldest = null;
        foreach (var pair in _open)
        {
            if (oldest is null || pair.Value.LastUsed < oldest.Value.Value.LastUsed)
            {
                oldest = pair;
            }
        }

        if (oldest is not { } victim || !_open.TryRemove(victim))
        {
            return false;
        }

        victim.Value.Handle.Dispose();
        return true;
    }

    private sealed class Entry(SafeFileHandle handle, long length)
    {
        private long _lastUsed = Stopwatch.GetTimestamp();

        public SafeFileHandle Handle { get; } = handle;

        public long Length { get; } = length;

        public long LastUsed => Volatile.Read(ref _lastUsed);

        public void Touch() => Volatile.Write(ref _lastUsed, Stopwatch.GetTimestamp());
    }
}
