using System.Reflection;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>Where the repository and the Mirror.Server build output are, seen from the test assembly.</summary>
internal static class RepositoryLayout
{
    /// <summary>The folder holding Mirror.sln, found by walking up from the test assembly's folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The build configuration (Debug/Release) these tests were built with, baked in by the csproj, so that
    /// `dotnet test -c Release` runs the Release mirror. MIRROR_E2E_CONFIGURATION overrides it.
    /// </summary>
    public static string Configuration { get; } =
        Environment.GetEnvironmentVariable("MIRROR_E2E_CONFIGURATION") is { Length: > 0 } configured
            ? configured
            : typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "MirrorE2EConfiguration")?.Value ?? "Debug";

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mirror.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Mirror.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}
