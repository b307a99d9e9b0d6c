using System.Reflection;

namespace Mirror.Server.Hosting;

/// <summary>
/// The version and the commit this build came from, read from the assembly's informational version
/// (<c>1.0.0+&lt;commit&gt;</c>; Mirror.Server.csproj says where the commit comes from).
/// </summary>
internal static class BuildInfo
{
    private static readonly string Informational =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The version without build metadata (<c>1.0.0</c>).</summary>
    public static string Version { get; } = Informational.Split('+', 2)[0];

    /// <summary>The full commit hash, or null when the build had no git (a source tarball without <c>.git</c>).</summary>
    public static string? Commit { get; } = Informational.Split('+', 2) is [_, { Length: > 0 } commit] ? commit : null;

    /// <summary><c>Mirror 1.0.0 (commit 13f01bf…, .NET 10.0.0)</c>: what <c>--version</c> prints and the start-up summary logs.</summary>
    public static string Describe() =>
        $"Mirror {Version} (commit {Commit ?? "unknown"}, .NET {Environment.Version})";
}
