namespace Mirror.Server.Hosting;

/// <summary>
/// An operator's configuration file outside the install folder, named by <c>MIRROR_CONFIG</c>
/// (<c>/etc/mirror/appsettings.json</c> under systemd, a ConfigMap in Kubernetes). The embedded appsettings.json next to
/// the binary is replaced on every upgrade, so settings must not live there; a symlink in its place would be
/// overwritten by the next copy of the published folder.
/// <code>
///   embedded appsettings.json  &lt;  MIRROR_CONFIG file  &lt;  environment variables  &lt;  command line
/// </code>
/// </summary>
internal static class MirrorConfigFile
{
    public const string Variable = "MIRROR_CONFIG";

    /// <summary>Adds the file named by <c>MIRROR_CONFIG</c>, if set; returns why it could not be read, else null.</summary>
    public static string? TryAdd(IConfigurationBuilder configuration, string[] args, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        try
        {
            // Added last, the file would override the environment and the command line; adding those two again
            // after it keeps the usual precedence (a later source wins), so `--Mirror:…=` still beats the file.
            configuration.AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false)
                .AddEnvironmentVariables()
                .AddCommandLine(args);
            return null;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            // "Failed to load configuration from file …" alone does not say what is wrong with it; the inner one does.
            return $"{Variable}={path}: {ex.Message}{(ex.InnerException is { } inner ? " " + inner.Message : string.Empty)}";
        }
    }
}
