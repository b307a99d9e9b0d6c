using Microsoft.Extensions.Logging;

namespace Mirror.Storage;

/// <summary>
/// Whether the disk tier works: can it write, did the index load. Logs once per change of state (not once per
/// failed write, which on a full disk would be once per request). A readiness probe reads it.
/// </summary>
internal sealed partial class CacheHealth
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private volatile bool _writable = true;
    private volatile bool _indexLoaded = true;
    private volatile CacheError? _lastError;

    public CacheHealth(TimeProvider time, ILogger<CacheHealth> logger)
    {
        _time = time;
        _logger = logger;
    }

    /// <summary>False after a write to the cache directory failed, until one succeeds again.</summary>
    public bool IsWritable => _writable;

    /// <summary>False when the persistent index could not be opened and an in-memory one stands in.</summary>
    public bool IsIndexLoaded => _indexLoaded;

    public CacheError? LastError => _lastError;

    public void ReportWriteFailed(string operation, Exception error)
    {
        _lastError = new CacheError(operation, $"{error.GetType().Name}: {error.Message}", _time.GetUtcNow());
        lock (_gate)
        {
            if (!_writable)
            {
                return;
            }

            _writable = false;
        }

        Log.BecameUnwritable(_logger, operation, error.GetType().Name, error.Message);
    }

    public void ReportWriteSucceeded()
    {
        if (_writable)
        {
            return;
        }

        lock (_gate)
        {
            if (_writable)
            {
                return;
            }

            _writable = true;
        }

        Log.BecameWritable(_logger);
    }

    public void ReportIndex(bool loaded, string? error)
    {
        if (error is not null)
        {
            _lastError = new CacheError("index", error, _time.GetUtcNow());
        }

        lock (_gate)
        {
            if (_indexLoaded == loaded)
            {
                return;
            }

            _indexLoaded = loaded;
        }

        if (loaded)
        {
            Log.IndexLoaded(_logger);
        }
        else
        {
            Log.IndexUnavailable(_logger, error ?? "unknown error");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5001, LogLevel.Error, "Cache directory is not writable ({Operation}: {Error}: {Message}); pulls are served without caching until a write succeeds")]
        public static partial void BecameUnwritable(ILogger logger, string operation, string error, string message);

        [LoggerMessage(5002, LogLevel.Information, "Cache directory is writable again")]
        public static partial void BecameWritable(ILogger logger);

        [LoggerMessage(5003, LogLevel.Error, "Persistent blob index unavailable ({Error}); using an in-memory index rebuilt from the files")]
        public static partial void IndexUnavailable(ILogger logger, string error);

        [LoggerMessage(5004, LogLevel.Information, "Persistent blob index loaded")]
        public static partial void IndexLoaded(ILogger logger);
    }
}
