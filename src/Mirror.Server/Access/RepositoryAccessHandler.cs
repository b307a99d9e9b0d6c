using Microsoft.AspNetCore.Authorization;
using Mirror.Access;

namespace Mirror.Server.Access;

/// <summary>
/// <c>Mirror:Access:Rules</c> as an ASP.NET Core authorization handler: <see cref="AccessPolicy"/> decides, and a
/// denial carries its reason (the rule) for the 403 and the audit line.
/// </summary>
internal sealed class RepositoryAccessHandler(AccessPolicy policy) : AuthorizationHandler<RepositoryAccess>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RepositoryAccess requirement)
    {
        if (policy.Deny(requirement.Identity, requirement.Registry, requirement.Repository, requirement.Action) is { } denial)
        {
            context.Fail(new AuthorizationFailureReason(this, denial));
        }
        else
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
