using System.Reflection;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>Which Mirror.Server build these tests use (the repository itself: <see cref="RepositoryRoot"/>).</summary>
internal static class RepositoryLayout
{
    /// <summary>
    /// The build configuration (Debug/Release) these tests were built with, baked in by the csproj, so that
    /// `dotnet test -c Release` runs the Release mirror. MIRROR_E2E_CONFIGURATION overrides it.
    /// </summary>
    public static string Configuration { get; } =
        Environment.GetEnvironmentVariable("MIRROR_E2E_CONFIGURATION") is { Length: > 0 } configured
            ? configured
            : typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "MirrorE2EConfiguration")?.Value ?? "Debug";
}
