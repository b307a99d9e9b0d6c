namespace Mirror.Policy;

/// <summary>A pull the policy refuses: which policy, what it refused (a digest, a repository) and why.</summary>
/// <param name="Policy">The <c>Mirror:Policy:</c> key that decided: DenyRepositories, DenyDigestsFile, RequireReferrer.</param>
/// <param name="Target">The manifest digest, or <c>&lt;upstream&gt;/&lt;repository&gt;</c> for a repository denial.</param>
/// <param name="Reason">The rest of the sentence: <c>is listed in …</c>, <c>has no referrer of type …</c>.</param>
public sealed record PolicyDenial(string Policy, string Target, string Reason)
{
    /// <summary>What the client reads in the 403 DENIED error and the audit line says.</summary>
    public string Message => $"denied by policy {Policy}: {Target} {Reason}";
}
