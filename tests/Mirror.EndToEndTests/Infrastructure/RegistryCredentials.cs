using System.Net.Http.Headers;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>A username and password for a registry with basic auth (docker-registry's htpasswd).</summary>
internal sealed record RegistryCredentials(string Username, string Password)
{
    /// <summary>What skopeo's <c>--creds</c>, <c>--src-creds</c> and <c>--dest-creds</c> take.</summary>
    public string ForSkopeo => $"{Username}:{Password}";

    public AuthenticationHeaderValue ToBasicHeader() => BasicAuth.Header(Username, Password);

    /// <summary>Never print the password into a test log.</summary>
    public override string ToString() => $"{Username}:***";
}
