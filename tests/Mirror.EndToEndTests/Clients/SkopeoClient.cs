using System.Text.Json;
using Mirror.EndToEndTests.Infrastructure;

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

    private SkopeoClient(string executable, string[] globalOptions)
    {
        _executable = executable;
        _globalOptions = globalOptions;
    }

    public static SkopeoClient Create(string directory)
    {
        var executable = RequiredTool.Skopeo.Resolve();
        var policy = Path.Combine(directory, "policy.json");
        File.WriteAllText(policy, """{"default":[{"type":"insecureAcceptAnything"}]}""");
        var registriesD = Directory.CreateDirectory(Path.Combine(directory, "registries.d")).FullName;
        var tmp = Directory.CreateDirectory(Path.Combine(directory, "tmp")).FullName;
        return new SkopeoClient(executable, ["--policy", policy, "--registries.d", registriesD, "--tmpdir", tmp]);
    }

    /// <summary><c>skopeo copy</c> over plain HTTP, anonymously; throws with skopeo's output on failure.</summary>
    public async Task<ProcessResult> CopyAsync(string source, string destination, IEnumerable<string> options, CancellationToken cancellationToken) =>
        (await RunAsync(
            [
                "copy",
                "--src-tls-verify=false", "--dest-tls-verify=false",
                "--src-no-creds", "--dest-no-creds",
                .. options,
                source, destination,
            ],
            cancellationToken)).EnsureSuccess();

    /// <summary>
    /// The manifest digest a registry serves for <paramref name="reference"/> (host/repo:tag or host/repo@digest), as
    /// skopeo computes it from the bytes it received — for an index, the digest of the index.
    /// </summary>
    public async Task<string> InspectDigestAsync(string reference, CancellationToken cancellationToken)
    {
        var result = (await RunAsync(["inspect", "--tls-verify=false", "--no-creds", $"docker://{reference}"], cancellationToken)).EnsureSuccess();
        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.GetProperty("Digest").GetString()
            ?? throw new InvalidOperationException($"skopeo inspect of {reference} printed no Digest:\n{result.StandardOutput}");
    }

    public Task<ProcessResult> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(_executable, [.. _globalOptions, .. arguments], cancellationToken: cancellationToken);
}
