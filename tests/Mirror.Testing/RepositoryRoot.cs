namespace Mirror.Testing;

/// <summary>The folder holding Mirror.sln, found by walking up from the test assembly's folder.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    /// <summary>A path below the repository root, e.g. <c>Combine("deploy", "grafana", "mirror-dashboard.json")</c>.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Mirror.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Mirror.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}
