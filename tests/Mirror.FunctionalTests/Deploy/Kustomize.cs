using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Mirror.FunctionalTests.Deploy;

/// <summary>
/// <c>kubectl kustomize &lt;folder&gt;</c> (offline, no cluster). A missing kubectl fails the test that needs it with
/// what to install — never a silent skip, so CI cannot pass by not checking the manifests.
/// </summary>
internal static class Kustomize
{
    public static async Task<List<JsonObject>> RenderAsync(string folder)
    {
        var kubectl = FindKubectl();
        var start = new ProcessStartInfo(kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {kubectl}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize {folder} failed (exit {process.ExitCode}):\n{await error}");
        }

        return [.. YamlJson.ParseAll(await output).OfType<JsonObject>()];
    }

    private static string FindKubectl()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/local/bin", "/usr/bin"]))
        {
            var candidate = Path.Combine(directory, "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "The Kubernetes manifest tests need 'kubectl' (1.27 or later, with its built-in kustomize) to render " +
            $"deploy/kubernetes, and it is not on PATH ({path}). Install kubectl from the Kubernetes release packages " +
            "(not Debian's kubernetes-client), then run the tests again.");
    }
}
