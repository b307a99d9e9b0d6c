using System.Text;
using Microsoft.Extensions.Options;
using Mirror.Configuration;

namespace Mirror.Access;

/// <summary>
/// Who sent a request: with <c>Mirror:Auth:Htpasswd</c>, a client's <c>Authorization: Basic</c> is checked against
/// the file (what <c>docker login &lt;mirror&gt;</c> stores and sends); without it every client is anonymous. Wrong
/// credentials are refused even where anonymous pulls are allowed — a client that sends them expects them to count.
/// </summary>
internal sealed class ClientAuthenticator
{
    private readonly Htpasswd? _htpasswd;
    private readonly GroupsFile? _groups;

    public ClientAuthenticator(IOptions<MirrorOptions> options, TimeProvider time)
    {
        var value = options.Value;
        AnonymousPull = value.Auth.AllowsAnonymousPull;
        if (value.Auth.Htpasswd is { Length: > 0 } htpasswd)
        {
            _htpasswd = new Htpasswd(htpasswd, time);
        }

        if (value.Access.GroupsFile is { Length: > 0 } groups)
        {
            _groups = new GroupsFile(groups, time);
        }
    }

    /// <summary>Whether clients are authenticated at all (an htpasswd file is configured).</summary>
    public bool Enabled => _htpasswd is not null;

    /// <summary>Whether a client without credentials may pull.</summary>
    public bool AnonymousPull { get; }

    public AuthenticationResult Authenticate(string? authorization)
    {
        if (_htpasswd is null || string.IsNullOrEmpty(authorization))
        {
            return AuthenticationResult.Of(ClientIdentity.Anonymous);
        }

        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticationResult.Refused("only Basic credentials are accepted (docker login <mirror>)");
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return AuthenticationResult.Refused("the Basic credentials are not base64");
        }

        var colon = decoded.IndexOf(':');
        if (colon <= 0)
        {
            return AuthenticationResult.Refused("the Basic credentials have no user name");
        }

        var user = decoded[..colon];
        return _htpasswd.Verify(user, decoded[(colon + 1)..])
            ? AuthenticationResult.Of(new ClientIdentity(user, _groups?.Of(user) ?? new HashSet<string>()))
            : AuthenticationResult.Refused($"wrong user name or password for '{Oci.OciError.Shorten(user, 64)}'");
    }
}
