
namespace Mirror.EndToEndTests.Clients;

/// <summary>
/// skopeo with its own trust policy, registries.d and temp folder, anonymous on every registry: nothing from
/// /etc/containers or the user's auth files can change what it does (a fresh machine may not even have
/// /etc/containers/policy.json, without which skopeo refuses to copy).
/// </summary>
internal sealed class SkopeoClient
{
    private readonly string _executable;
    private readonly string[] _globalOptions;
    private readonly Dictionary<string, string> _environment;

    private SkopeoClient(string executable, string[] globalOptions, Dictionary<string, string> environment)
    {
        _executable = executable;
        _globalOptions = globalOptions;
        _environment = environment;
    }

    public static SkopeoClient Create(string directory)
    {
        var executable = RequiredTool.Skopeo.Resolve();
        var policy = Path.Combine(directory, "policy.json");
        File.WriteAllText(policy, """{"default":[{"type":"insecureAcceptAnything"}]}""");
        var registriesD = Directory.CreateDirectory(Path.Combine(directory, "registries.d")).FullName;
        var tmp = Directory.CreateDirectory(Path.Combine(directory, "tmp")).FullName;
        return new SkopeoClient(
            executable,
            ["--policy", policy, "--registries.d", registriesD, "--tmpdir", tmp],
            Offline.Environment(new Dictionary<string, string> { ["TMPDIR"] = tmp }));
    }

    /// <summary><c>skopeo copy</c> over plain HTTP, anonymously; throws with skopeo's output on failure.</summary>
    public Task<ProcessResult> CopyAsync(string source, string destination, IEnumerable<string> options, CancellationToken cancellationToken) =>
        CopyAsync(source, destination, options, destinationCredentials: null, cancellationToken);

    /// <summary>The same, logging in to the destination with <paramref name="destinationCredentials"/> when given.</summary>
    public async Task<ProcessResult> CopyAsync(
        string source, string destination, IEnumerable<string> options, RegistryCredentials? destinationCredentials, CancellationToken cancellationToken) =>
        (await TryCopyAsync(source, destination, options, destinationCredentials, cancellationToken)).EnsureSuccess();

    /// <summary><c>skopeo copy</c> without the success check, for a copy that is meant to fail.</summary>
    public Task<ProcessResult> TryCopyAsync(
        string source, string destination, IEnumerable<string> options, RegistryCredentials? destinationCredentials, CancellationToken cancellationToken)
    {
        string[] destinationAuth = destinationCredentials is null ? ["--dest-no-creds"] : ["--dest-creds", destinationCredentials.ForSkopeo];
        return RunAsync(
            [
                "copy",
                "--src-tls-verify=false", "--dest-tls-verify=false",
                "--src-no-creds", .. destinationAuth,
                .. options,
                source, destination,
            ],
            cancellationToken);
    }

    /// <summary>
    /// The digest of the manifest bytes a registry serves for <paramref name="reference"/> (host/repo:tag or
    /// host/repo@digest) — for an index, the digest of the index.
    /// </summary>
    /// <remarks>
    /// <c>--raw</c> rather than skopeo's own <c>.Digest</c>: plain <c>skopeo inspect</c> also lists the repository's
    /// tags (GET /v2/&lt;name&gt;/tags/list) and fetches the config, which are not part of pulling an image.
    /// </remarks>
    public async Task<string> InspectDigestAsync(string reference, CancellationToken cancellationToken)
    {
        var result = (await RunAsync(["inspect", "--raw", "--tls-verify=false", "--no-creds", $"docker://{reference}"], cancellationToken)).EnsureSuccess();
        return Sha256Digest.Of(result.StandardOutputBytes);
    }

    public Task<ProcessResult> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(_executable, [.. _globalOptions, .. arguments], _environment, cancellationToken: cancellationToken);
}
