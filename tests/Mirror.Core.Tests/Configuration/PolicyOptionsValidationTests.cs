namespace Mirror.Tests.Configuration;

public sealed class PolicyOptionsValidationTests
{
    [Fact]
    public void Validate_BadPolicy_EveryProblemListed()
    {
        var options = new MirrorOptions
        {
            Policy = new PolicyOptions
            {
                DenyRepositories = ["library-only", "docker.io/team/**", ""],
                DenyDigestsFile = "/nonexistent/denied.txt",
                RequireReferrer = [new ReferrerRequirement { ArtifactType = "signature" }, new ReferrerRequirement { ArtifactType = "application/x.sig", Repositories = ["/abs"] }],
            },
        };
        new MirrorOptionsSetup().PostConfigure(null, options);

        var failures = new MirrorOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("Mirror:Policy:DenyRepositories:0: 'library-only'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Mirror:Policy:DenyRepositories:2: ''", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("DenyRepositories:1", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Mirror:Policy:DenyDigestsFile '/nonexistent/denied.txt' does not exist", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Mirror:Policy:RequireReferrer:0:ArtifactType 'signature' is not a media type", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Mirror:Policy:RequireReferrer:1:Repositories: '/abs'", StringComparison.Ordinal));
        Assert.Equal(5, failures.Count);
    }
}
