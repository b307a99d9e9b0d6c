namespace Mirror.Testing;

/// <summary>
/// A fresh, uniquely named folder under the system temp folder (or under <c>parent</c>), deleted with everything in
/// it on dispose. The name is short on purpose: the end-to-end daemons put unix sockets in here, and a socket path must
/// stay under 108 bytes (sun_path).
/// </summary>
public sealed class TempDirectory : IDisposable
{
    private int _next;

    /// <param name="prefix">The start of the folder's name (<c>mirror-tests-</c>, <c>me2e-</c>).</param>
    /// <param name="parent">Where to create it; default <see cref="System.IO.Path.GetTempPath"/>.</param>
    /// <param name="keep">Leave the folder on dispose, for debugging (MIRROR_E2E_KEEP_TEMP=1).</param>
    public TempDirectory(string prefix = "mirror-tests-", string? parent = null, bool keep = false)
    {
        parent ??= System.IO.Path.GetTempPath();
        string path;
        do
        {
            path = System.IO.Path.Combine(parent, prefix + Guid.NewGuid().ToString("N")[..8]);
        }
        while (Directory.Exists(path));

        Directory.CreateDirectory(path);
        Path = path;
        Keep = keep;
    }

    public string Path { get; }

    /// <summary>When true, <see cref="Dispose"/> leaves the folder in place.</summary>
    public bool Keep { get; }

    /// <summary>A new, empty sub-folder; the name gets a counter so two uses of the same prefix never collide.</summary>
    public string CreateSubdirectory(string prefix)
    {
        var path = System.IO.Path.Combine(Path, $"{prefix}{Interlocked.Increment(ref _next)}");
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        // A daemon killed mid-way (or a tmpfs a test mounted) can leave a mount behind; deleting recursively through
        // it would delete whatever is mounted there (for a bind mount: the host's files). Leave the folder alone.
        if (Keep || HasMountsBelow(Path))
        {
            return;
        }

        // A few attempts: a process or task that is still finishing can add a file while the tree is deleted
        // ("directory not empty").
        for (var attempt = 1; attempt <= 3 && Directory.Exists(Path); attempt++)
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a lingering file must not turn a passing run red.
                Thread.Sleep(50 * attempt);
            }
        }
    }

    private static bool HasMountsBelow(string path)
    {
        const string MountInfo = "/proc/self/mountinfo";
        if (!File.Exists(MountInfo))
        {
            return false;
        }

        // mountinfo field 5 is the mount point (octal-escaped spaces do not matter for our own paths).
        return File.ReadLines(MountInfo)
            .Select(line => line.Split(' '))
            .Any(fields => fields.Length > 4 && (fields[4] == path || fields[4].StartsWith(path + "/", StringComparison.Ordinal)));
    }
}
