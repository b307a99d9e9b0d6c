using System.Diagnostics.CodeAnalysis;
using Mirror.Access;
using Mirror.Oci;
using Mirror.Upstream;

namespace Mirror.Server.Registry;

/// <summary>Who may pull: routing to a pull scope, the access decision before any cache work, and the 401 challenges.</summary>
internal sealed partial class RegistryHandler
{
    /// <summary>One realm for the whole mirror: clients store one credential per registry host, not per upstream.</summary>
    internal const string BasicChallenge = "Basic realm=\"mirror\"";

    /// <summary>Routes the request and makes its pull scope: upstream, repository, and whose credentials count.</summary>
    private bool TryScope(HttpContext context, string name, ClientIdentity identity, [NotNullWhen(true)] out PullScope? scope, out OciError? error) =>
        _router.TryScope(
            context.Request.QueryString.HasValue ? FirstOf(context.Request.Query["ns"]) : null,
            name,
            FirstOf(context.Request.Headers.Authorization),
            identity.User ?? ClientOf(context),
            out scope,
            out error);

    /// <summary>
    /// May <paramref name="identity"/> pull from this scope? Anonymous clients where anonymous pulls are off are
    /// challenged (401); a rule's denial is 403 — both before the cache is consulted, so a hit is refused like a miss.
    /// </summary>
    private async Task<bool> AuthorizePullAsync(HttpContext context, string name, PullScope scope, ClientIdentity identity)
    {
        if (identity.IsAnonymous && !_authenticator.AnonymousPull)
        {
            await ChallengeAsync(context, _authenticator.Enabled, $"repository:{name}:pull", "authentication required: docker login to this mirror");
            return false;
        }

        if (await _authorization.DenyAsync(context, identity, scope.Upstream.Name, scope.Repository.Value, AccessAction.Pull) is { } denial)
        {
            _audit.Denied(context, identity.ToString(), "pull", $"{scope.Upstream.Name}/{scope.Repository}", denial);
            await OciErrorWriter.WriteAsync(context, new OciError(403, OciErrorCode.Denied, $"denied: {denial}"));
            return false;
        }

        if (!identity.Allows(name, "pull"))
        {
            // A token issued for other repositories: the Bearer challenge names the scope to ask for.
            await ChallengeAsync(context, _authenticator.Enabled, $"repository:{name}:pull", $"the token does not grant pull on {name}: ask for a new one");
            return false;
        }

        return true;
    }

    /// <summary>
    /// 401 with the challenge a registry client follows: with client authentication on, the mirror's own token realm
    /// (<c>Bearer realm="…/auth/token",service,scope</c>; Basic credentials sent directly are accepted too); for an
    /// upstream that forwards credentials, Basic.
    /// </summary>
    internal static Task ChallengeAsync(HttpContext context, bool bearer, string? scope, string message)
    {
        if (bearer)
        {
            var host = context.Request.Host.Value ?? "mirror";
            var realm = $"{context.Request.Scheme}://{host}/auth/token";
            context.Response.Headers.WWWAuthenticate = scope is null
                ? $"Bearer realm=\"{realm}\",service=\"{host}\""
                : $"Bearer realm=\"{realm}\",service=\"{host}\",scope=\"{scope}\"";
        }
        else
        {
            context.Response.Headers.WWWAuthenticate = BasicChallenge;
        }

        return OciErrorWriter.WriteAsync(context, new OciError(401, OciErrorCode.Unauthorized, message));
    }

    /// <summary>
    /// The pull's scope once routed and allowed; else null, with the error already answered and the upstream it was
    /// routed to (when it got that far) for the request log.
    /// </summary>
    private async ValueTask<(PullScope? Scope, string? Upstream)> PullScopeAsync(HttpContext context, RegistryPath path, ClientIdentity identity)
    {
        if (!TryScope(context, path.Name, identity, out var scope, out var error))
        {
            await OciErrorWriter.WriteAsync(context, error!);
            return (null, null);
        }

        return (await AuthorizePullAsync(context, path.Name, scope, identity) ? scope : null, scope.Upstream.Name);
    }
}
