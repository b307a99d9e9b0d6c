namespace Mirror.Access;

/// <summary>
/// A small file parsed on first use and again whenever its modification time or size changes (checked at most
/// once a second), so an operator's edit — or a mounted Secret's update — takes effect without a restart. A file
/// that cannot be read keeps the last good content (and the first read's failure is the caller's to report).
/// </summary>
internal sealed class WatchedFile<T>
    where T : class
{
    private readonly string _path;
    private readonly Func<string[], T> _parse;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private T? _value;
    private (DateTime Modified, long Length) _stamp;
    private long _checkedAt;

    public WatchedFile(string path, Func<string[], T> parse, TimeProvider time)
    {
        _path = path;
        _parse = parse;
        _time = time;
    }

    public T? Value
    {
        get
        {
            if (_value is not null && _time.GetElapsedTime(Volatile.Read(ref _checkedAt)) < TimeSpan.FromSeconds(1))
            {
                return _value;
            }

            lock (_gate)
            {
                Volatile.Write(ref _checkedAt, _time.GetTimestamp());
                try
                {
                    var info = new FileInfo(_path);
                    var stamp = (info.LastWriteTimeUtc, info.Exists ? info.Length : -1);
                    if (_value is null || stamp != _stamp)
                    {
                        _value = _parse(File.ReadAllLines(_path));
                        _stamp = stamp;
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Keep what was read last; a missing file at start is reported by the configuration check.
                }

                return _value;
            }
        }
    }
}
