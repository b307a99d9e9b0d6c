using Microsoft.AspNetCore.Authorization;
using Mirror.Access;

namespace Mirror.Server.Access;

/// <summary>Asks ASP.NET Core's authorization service whether an identity may do an action on a repository; null = allowed, else why not.</summary>
internal sealed class RepositoryAuthorization(IAuthorizationService authorization, AccessPolicy policy)
{
    private static readonly Task<string?> Allowed = Task.FromResult<string?>(null);

    /// <remarks>
    /// Without rules the policy allows everything (<see cref="AccessPolicy.Deny"/>), and its handler is the only one
    /// for <see cref="RepositoryAccess"/>: the answer is known without building an authorization context per request.
    /// </remarks>
    public Task<string?> DenyAsync(HttpContext context, ClientIdentity identity, string registry, string repository, AccessAction action) =>
        policy.HasRules ? AskAsync(context, identity, registry, repository, action) : Allowed;

    private async Task<string?> AskAsync(HttpContext context, ClientIdentity identity, string registry, string repository, AccessAction action)
    {
        var result = await authorization.AuthorizeAsync(context.User, resource: null, new RepositoryAccess(identity, registry, repository, action));
        return result.Succeeded ? null : result.Failure?.FailureReasons.FirstOrDefault()?.Message ?? "denied by Mirror:Access:Rules";
    }
}
