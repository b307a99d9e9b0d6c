namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>
/// A per-run folder under /tmp with a short name: dockerd and containerd put unix sockets in here, and a socket path
/// must stay under 108 bytes (sun_path). Deleted on dispose unless MIRROR_E2E_KEEP_TEMP=1.
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    private int _next;

    private TempDirectory(string path) => Path = path;

    public string Path { get; }

    public static TempDirectory Create()
    {
        // /tmp rather than Path.GetTempPath(): TMPDIR may point somewhere long, and the socket limit is hard.
        var path = System.IO.Path.Combine("/tmp", "me2e-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return new TempDirectory(path);
    }

    /// <summary>A new, empty sub-folder; the name gets a counter so two uses of the same prefix never collide.</summary>
    public string CreateSubdirectory(string prefix)
    {
        var path = System.IO.Path.Combine(Path, $"{prefix}{Interlocked.Increment(ref _next)}");
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("MIRROR_E2E_KEEP_TEMP") == "1")
        {
            return;
        }

        // A daemon killed mid-way can leave a mount behind; deleting recursively through it would delete whatever is
        // mounted there (for a bind mount: the host's files). Leave the folder alone instead.
        if (HasMountsBelow(Path))
        {
            return;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a lingering file must not turn a passing run red.
        }
        catch (UnauthorizedAccessException)
        {
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
