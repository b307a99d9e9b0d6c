namespace Mirror.FunctionalTests.Infrastructure;

/// <summary>Per-test folders under the system temp directory.</summary>
public static class TempDirectory
{
    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "mirror-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
