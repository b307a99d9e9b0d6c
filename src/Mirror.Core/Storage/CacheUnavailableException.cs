namespace Mirror.Storage;

/// <summary>
/// The disk tier cannot take a write (disk full, directory unwritable). It derives from <see cref="IOException"/>
/// so code that already treats I/O failures as "don't cache" keeps working; a caller that can still serve the
/// client without caching (a fill) should catch it specifically and stream on.
/// </summary>
public sealed class CacheUnavailableException : IOException
{
    public CacheUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
