namespace Mirror.Storage;

/// <summary>File operations whose failure the cache tolerates (it degrades to a miss or a leftover file).</summary>
internal static class FileSystem
{
    /// <summary>Deletes a file if it can; a file left behind is a temp file removed at the next start, or a miss.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing to do: see the summary.
        }
    }
}
