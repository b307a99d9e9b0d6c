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
    private readonly Lazy<TokenService>? _tokens;

    public ClientAuthenticator(IOptions<MirrorOptions> options, TimeProvider time, IServiceProvider services)
    {
        var value = options.Value;
        AnonymousPull = value.Auth.AllowsAnonymousPull;
        if (value.Auth.Htpasswd is { Length: > 0 } htpasswd)
        {
            _htpasswd = new Htpasswd(htpasswd, time);

            // Lazy: the token service needs the router and the rules, which need this type's answers only later.
            _tokens = new Lazy<TokenService>(() => (TokenService)services.GetService(typeof(TokenService))!);
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

        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return _tokens!.Value.Validate(authorization["Bearer ".Length..].Trim()) is { } token
                ? AuthenticationResult.Of(token.User is null
                    ? ClientIdentity.Anonymous with { Grants = token.Grants }
                    : new ClientIdentity(token.User, _groups?.Of(token.User) ?? new HashSet<string>(), token.Grants))
                : AuthenticationResult.Refused("the bearer token is not one this mirror issued, or it expired");
        }

        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticationResult.Refused("only Basic credentials or this mirror's tokens are accepted (docker login <mirror>)");
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
