using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Mirror.Access;

namespace Mirror.Server.Access;

/// <summary>
/// The mirror's users as an ASP.NET Core authentication scheme: Basic credentials checked against the htpasswd file,
/// or a Bearer token this mirror issued (<see cref="ClientAuthenticator"/> decides). No credentials is no result
/// (anonymous); wrong ones fail — the registry handler answers both, with the challenge registry clients follow.
/// </summary>
internal sealed class MirrorAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, ClientAuthenticator authenticator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "Mirror";

    /// <summary>Where the request's <see cref="ClientIdentity"/> is kept once authenticated.</summary>
    internal static readonly object IdentityItem = new();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.FirstOrDefault();
        if (!authenticator.Enabled || string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var result = authenticator.Authenticate(header);
        if (result.Identity is not { } identity)
        {
            return Task.FromResult(AuthenticateResult.Fail(result.Failure!));
        }

        Context.Items[IdentityItem] = identity;
        var claims = new List<Claim> { new(ClaimTypes.Name, identity.User ?? "anonymous") };
        claims.AddRange(identity.Groups.Select(g => new Claim(ClaimTypes.Role, g)));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName)));
    }

    /// <summary>The identity a request authenticated as (anonymous when it sent nothing, or authentication is off).</summary>
    public static ClientIdentity IdentityOf(HttpContext context) =>
        context.Items.TryGetValue(IdentityItem, out var identity) && identity is ClientIdentity known ? known : ClientIdentity.Anonymous;
}
