using Microsoft.Win32.SafeHandles;

namespace Mirror.Storage;

/// <summary>
/// Committed content open for reading: a handle for positional reads (<see cref="RandomAccess"/>) and the length.
/// The handle may be shared with other readers (<see cref="OpenBlobHandles"/>); disposing gives this reader's use of
/// it back, and closes it only when nobody else holds it.
/// </summary>
public sealed class StoredBlob : IDisposable
{
    private readonly IDisposable? _owner;
    private readonly bool _leased;
    private int _disposed;

    /// <param name="leased">True for a handle shared through <see cref="OpenBlobHandles"/> (a reference taken with
    /// DangerousAddRef, given back on dispose); false for one this reader alone owns.</param>
    internal StoredBlob(SafeFileHandle handle, long length, bool leased)
    {
        Handle = handle;
        Length = length;
        _leased = leased;
    }

    /// <summary>A stream opened for this reader alone (a fill's temp file): disposing closes it.</summary>
    internal StoredBlob(FileStream stream)
        : this(stream.SafeFileHandle, stream.Length, leased: false) => _owner = stream;

    public SafeFileHandle Handle { get; }

    public long Length { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_leased)
        {
            Handle.DangerousRelease();
        }
        else if (_owner is not null)
        {
            _owner.Dispose();
        }
        else
        {
            Handle.Dispose();
        }
    }
}
