namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>
/// A real program the end-to-end tests run, and the Debian package that installs it. A missing program fails the
/// test that needs it with the apt command to run — never a silent skip, so CI cannot go green by not testing.
/// </summary>
internal sealed record RequiredTool(string Name, string DebianPackage)
{
    public static readonly RequiredTool DockerRegistry = new("docker-registry", "docker-registry");
    public static readonly RequiredTool Skopeo = new("skopeo", "skopeo");
    public static readonly RequiredTool Umoci = new("umoci", "umoci");
    public static readonly RequiredTool Dockerd = new("dockerd", "docker.io");
    public static readonly RequiredTool DockerCli = new("docker", "docker.io");
    public static readonly RequiredTool Podman = new("podman", "podman");
    public static readonly RequiredTool Containerd = new("containerd", "containerd");
    public static readonly RequiredTool Ctr = new("ctr", "containerd");
    public static readonly RequiredTool Htpasswd = new("htpasswd", "apache2-utils");
    public static readonly RequiredTool Nginx = new("nginx", "nginx");

    /// <summary>The absolute path of the program on PATH (also /usr/sbin and /sbin, which a non-login PATH may lack).</summary>
    public string Resolve()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var directories = path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, Name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"The end-to-end tests need '{Name}', which is not on PATH ({path}). " +
            $"Install it with: apt-get install -y {DebianPackage}   (see tests/Mirror.EndToEndTests/README-e2e.md)");
    }
}
