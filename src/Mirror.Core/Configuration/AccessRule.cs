namespace Mirror.Configuration;

/// <summary>One <c>Mirror:Access:Rules:&lt;i&gt;</c> entry.</summary>
public sealed class AccessRule
{
    /// <summary>User names it applies to; <c>*</c> = any authenticated user, <c>anonymous</c> = clients without credentials. With neither Users nor Groups it applies to everyone.</summary>
    public List<string> Users { get; set; } = [];

    /// <summary>Groups (from <see cref="AccessOptions.GroupsFile"/>) it applies to.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>Upstream names (<c>docker.io</c>, <c>ghcr.io</c>); empty = all.</summary>
    public List<string> Registries { get; set; } = [];

    /// <summary>Repository globs: <c>*</c> is one path component, <c>**</c> any number (<c>library/*</c>, <c>team/**</c>); empty = all.</summary>
    public List<string> Repositories { get; set; } = [];

    /// <summary><c>pull</c>, <c>push</c>, <c>delete</c>: what the rule allows. A rule that matches but does not list the action denies it.</summary>
    public List<string> Actions { get; set; } = [];
}
