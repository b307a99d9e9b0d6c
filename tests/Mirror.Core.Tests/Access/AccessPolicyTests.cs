using Mirror.Access;

namespace Mirror.Tests.Access;

public sealed class AccessPolicyTests
{
    private static readonly ClientIdentity Alice = new("alice", new HashSet<string> { "devs" });
    private static readonly ClientIdentity Bob = new("bob", new HashSet<string>());

    [Fact]
    public void Deny_NoRules_EverythingAllowed()
    {
        var policy = Policy();

        Assert.Null(policy.Deny(ClientIdentity.Anonymous, "docker.io", "library/nginx", AccessAction.Push));
    }

    [Fact]
    public void Deny_FirstMatchingRuleDecides()
    {
        var policy = Policy(
            new AccessRule { Users = ["alice"], Repositories = ["secret/**"], Actions = [] },
            new AccessRule { Users = ["*"], Actions = ["pull"] });

        Assert.NotNull(policy.Deny(Alice, "docker.io", "secret/app", AccessAction.Pull)); // carved out, though rule 1 would allow
        Assert.Null(policy.Deny(Alice, "docker.io", "library/nginx", AccessAction.Pull));
        Assert.NotNull(policy.Deny(Alice, "docker.io", "library/nginx", AccessAction.Push));
    }

    [Fact]
    public void Deny_NoMatch_Denied()
    {
        var policy = Policy(new AccessRule { Users = ["alice"], Registries = ["ghcr.io"], Actions = ["pull"] });

        Assert.Null(policy.Deny(Alice, "ghcr.io", "org/app", AccessAction.Pull));
        Assert.Contains("no rule", policy.Deny(Alice, "docker.io", "org/app", AccessAction.Pull), StringComparison.Ordinal);
        Assert.NotNull(policy.Deny(Bob, "ghcr.io", "org/app", AccessAction.Pull));
    }

    [Fact]
    public void Deny_GroupsAnonymousAndAnyUser()
    {
        var policy = Policy(
            new AccessRule { Groups = ["devs"], Actions = ["pull", "push", "delete"] },
            new AccessRule { Users = ["anonymous"], Repositories = ["library/*"], Actions = ["pull"] },
            new AccessRule { Users = ["*"], Actions = ["pull"] });

        Assert.Null(policy.Deny(Alice, "docker.io", "team/app", AccessAction.Delete));
        Assert.Null(policy.Deny(ClientIdentity.Anonymous, "docker.io", "library/nginx", AccessAction.Pull));
        Assert.NotNull(policy.Deny(ClientIdentity.Anonymous, "docker.io", "team/app", AccessAction.Pull));
        Assert.Null(policy.Deny(Bob, "docker.io", "team/app", AccessAction.Pull));
        Assert.NotNull(policy.Deny(Bob, "docker.io", "team/app", AccessAction.Push));
    }

    private static AccessPolicy Policy(params AccessRule[] rules) =>
        new(Microsoft.Extensions.Options.Options.Create(new MirrorOptions { Access = new AccessOptions { Rules = [.. rules] } }));
}
