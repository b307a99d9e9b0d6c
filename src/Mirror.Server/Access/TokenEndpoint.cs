using Mirror.Access;
using Mirror.Oci;
using Mirror.Server.Audit;
using Mirror.Server.Registry;

namespace Mirror.Server.Access;

/// <summary>
/// <c>GET /auth/token?service=…&amp;scope=repository:&lt;name&gt;:pull[,push]</c> — the realm the mirror's Bearer challenge
/// names. Basic credentials from the htpasswd file (what <c>docker login</c> sends) get a token granting what the
/// rules allow of the scopes asked; no credentials get a pull-only token where anonymous pulls are allowed, else 401.
/// </summary>
internal static class TokenEndpoint
{
    public static void Map(WebApplication app)
    {
        if (app.Services.GetRequiredService<ClientAuthenticator>().Enabled)
        {
            app.MapGet("/auth/token", IssueAsync);
        }
    }

    private static async Task IssueAsync(HttpContext context, ClientAuthenticator authenticator, TokenService tokens, AuditLog audit)
    {
        var header = context.Request.Headers.Authorization.FirstOrDefault();
        var authenticated = header?.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) is false
            ? AuthenticationResult.Refused("the token endpoint takes Basic credentials")
            : authenticator.Authenticate(header);
        if (authenticated.Identity is not { } identity || (identity.IsAnonymous && !authenticator.AnonymousPull))
        {
            var reason = authenticated.Failure ?? "authentication required";
            if (authenticated.Failure is not null)
            {
                audit.LoginFailed(context, reason);
            }

            context.Response.Headers.WWWAuthenticate = RegistryHandler.BasicChallenge;
            await OciErrorWriter.WriteAsync(context, new OciError(401, OciErrorCode.Unauthorized, reason));
            return;
        }

        // Clients send one scope per parameter, some several in one separated by spaces.
        var scopes = context.Request.Query["scope"].SelectMany(s => (s ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var (token, expiresIn, issuedAt) = tokens.Issue(identity, scopes, authenticator.AnonymousPull);
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(new Dictionary<string, object>
        {
            ["token"] = token,
            ["access_token"] = token,
            ["expires_in"] = expiresIn,
            ["issued_at"] = issuedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        }, context.RequestAborted);
    }
}
