using Microsoft.Extensions.Options;
using Mirror.Configuration;

namespace Mirror.Access;

/// <summary>
/// <c>Mirror:Access:Rules</c>: the first rule whose users/groups, registries and repositories match the request
/// decides — allowed when it lists the action, denied when it does not; no matching rule is a denial. Without rules
/// every client may pull (and push where the upstream allows it). Decided before any cache or upstream work, so a
/// cached hit is refused exactly like a miss.
/// </summary>
internal sealed class AccessPolicy
{
    private readonly IReadOnlyList<AccessRule> _rules;

    public AccessPolicy(IOptions<MirrorOptions> options)
    {
        _rules = options.Value.Access.Rules;
    }

    public bool HasRules => _rules.Count > 0;

    /// <summary>Null when allowed; else why not (for the 403 and the audit line).</summary>
    public string? Deny(ClientIdentity identity, string registry, string repository, AccessAction action)
    {
        if (_rules.Count == 0)
        {
            return null;
        }

        var verb = action.ToString().ToLowerInvariant();
        for (var i = 0; i < _rules.Count; i++)
        {
            var rule = _rules[i];
            if (!AppliesTo(rule, identity)
                || (rule.Registries.Count > 0 && !rule.Registries.Contains(registry, StringComparer.OrdinalIgnoreCase))
                || (rule.Repositories.Count > 0 && !rule.Repositories.Any(g => RepositoryGlob.Matches(g, repository))))
            {
                continue;
            }

            return rule.Actions.Contains(verb, StringComparer.OrdinalIgnoreCase)
                ? null
                : $"Mirror:Access:Rules:{i} does not allow {identity} to {verb} {registry}/{repository}";
        }

        return $"no rule in Mirror:Access:Rules allows {identity} to {verb} {registry}/{repository}";
    }

    private static bool AppliesTo(AccessRule rule, ClientIdentity identity)
    {
        if (rule.Users.Count == 0 && rule.Groups.Count == 0)
        {
            return true;
        }

        return rule.Users.Any(u => u == "*" ? !identity.IsAnonymous : u == "anonymous" ? identity.IsAnonymous : u == identity.User)
            || rule.Groups.Any(identity.Groups.Contains);
    }
}
