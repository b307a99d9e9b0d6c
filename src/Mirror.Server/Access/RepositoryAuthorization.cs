using Microsoft.AspNetCore.Authorization;
using Mirror.Access;

namespace Mirror.Server.Access;

/// <summary>Asks ASP.NET Core's authorization service whether an identity may do an action on a repository; null = allowed, else why not.</summary>
internal sealed class RepositoryAuthorization(IAuthorizationService authorization)
{
    public async Task<string?> DenyAsync(HttpContext context, ClientIdentity identity, string registry, string repository, AccessAction action)
    {
        var result = await authorization.AuthorizeAsync(context.User, resource: null, new RepositoryAccess(identity, registry, repository, action));
        return result.Succeeded ? null : result.Failure?.FailureReasons.FirstOrDefault()?.Message ?? "denied by Mirror:Access:Rules";
    }
}
