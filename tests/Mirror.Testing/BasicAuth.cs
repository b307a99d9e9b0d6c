using System.Net.Http.Headers;
using System.Text;

namespace Mirror.Testing;

/// <summary>HTTP Basic credentials (RFC 7617) as clients send them and fake registries expect them.</summary>
public static class BasicAuth
{
    public static AuthenticationHeaderValue Header(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <summary>The whole <c>Authorization</c> value: <c>Basic &lt;base64(user:password)&gt;</c>.</summary>
    public static string Value(string user, string password) => Header(user, password).ToString();
}
