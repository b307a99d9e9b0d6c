using System.Text.Json;

namespace Mirror.EndToEndTests.Clients;

/// <summary>
/// podman (daemonless) with a registries.conf that mirrors one registry (docker.io unless told otherwise) to the mirror
/// under test, and every other piece
/// of configuration (storage.conf, containers.conf, policy, auth, temp, network config) in its own folder, so the
/// host's /etc/containers cannot change the outcome — and a machine without /etc/containers/policy.json still works.
/// </summary>
internal sealed class PodmanClient
{
    private readonly string _podman;
    private readonly string[] _globalOptions;
    private readonly Dictionary<string, string> _environment;
    private readonly string _policy;

    private PodmanClient(string podman, string[] globalOptions, Dictionary<string, string> environment, string policy)
    {
        _podman = podman;
        _globalOptions = globalOptions;
        _environment = environment;
        _policy = policy;
    }

    /// <param name="directory">podman's own folder: storage, run root, every config file.</param>
    /// <param name="mirrorLocation">
    /// The <c>[[registry.mirror]]</c> location: <c>127.0.0.1:port</c>, or with a namespace
    /// (<c>127.0.0.1:port/registry-b.test</c>), which containers/image puts in front of the repository.
    /// </param>
    /// <param name="registry">The <c>[[registry]]</c> location whose pulls go to the mirror.</param>
    public static PodmanClient Create(string directory, string mirrorLocation, string registry = "docker.io")
    {
        var podman = RequiredTool.Podman.Resolve();
        string Sub(string name) => Directory.CreateDirectory(Path.Combine(directory, name)).FullName;
        var root = Sub("root");
        var runRoot = Sub("run");
        var tmp = Sub("tmp");

        var registriesConf = Path.Combine(directory, "registries.conf");
        File.WriteAllText(registriesConf, $"""
            unqualified-search-registries = []

            [[registry]]
            location = "{registry}"

            [[registry.mirror]]
            location = "{mirrorLocation}"
            insecure = true

            """);
        var storageConf = Path.Combine(directory, "storage.conf");
        File.WriteAllText(storageConf, $"""
            [storage]
            driver = "vfs"
            graphroot = "{root}"
            runroot = "{runRoot}"

            """);
        var containersConf = Path.Combine(directory, "containers.conf");
        File.WriteAllText(containersConf, $"""
            [engine]
            events_logger = "none"
            cgroup_manager = "cgroupfs"
            tmp_dir = "{tmp}"

            [network]
            network_config_dir = "{Sub("net")}"

            """);
        var policy = Path.Combine(directory, "policy.json");
        File.WriteAllText(policy, """{"default":[{"type":"insecureAcceptAnything"}]}""");
        var auth = Path.Combine(directory, "auth.json");
        File.WriteAllText(auth, """{"auths":{}}""");

        var environment = Offline.Environment(new Dictionary<string, string>
        {
            ["CONTAINERS_REGISTRIES_CONF"] = registriesConf,
            ["CONTAINERS_STORAGE_CONF"] = storageConf,
            ["CONTAINERS_CONF"] = containersConf,
            ["REGISTRY_AUTH_FILE"] = auth,
            ["TMPDIR"] = tmp,
        });
        string[] globalOptions =
        [
            "--root", root, "--runroot", runRoot, "--storage-driver", "vfs",
            "--tmpdir", tmp, "--events-backend", "none", "--cgroup-manager", "cgroupfs",
        ];
        return new PodmanClient(podman, globalOptions, environment, policy);
    }

    /// <summary><c>podman pull</c>, then the image's digest and repo digests as podman recorded them.</summary>
    public async Task<(string Digest, IReadOnlyList<string> RepoDigests)> PullAsync(string reference, CancellationToken cancellationToken)
    {
        (await RunAsync(["pull", "--signature-policy", _policy, reference], cancellationToken)).EnsureSuccess();
        var inspect = (await RunAsync(["image", "inspect", reference], cancellationToken)).EnsureSuccess();
        using var document = JsonDocument.Parse(inspect.StandardOutput);
        var image = document.RootElement[0];
        var digest = image.GetProperty("Digest").GetString() ?? string.Empty;
        string[] repoDigests = [.. image.GetProperty("RepoDigests").EnumerateArray().Select(e => e.GetString() ?? string.Empty)];
        return (digest, repoDigests);
    }

    /// <summary>The signature policy file (accept anything: the test images are unsigned) for pulls run by hand.</summary>
    public string SignaturePolicy => _policy;

    public Task<ProcessResult> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(_podman, [.. _globalOptions, .. arguments], _environment, cancellationToken: cancellationToken);
}
