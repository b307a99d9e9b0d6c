namespace Mirror.Configuration;

/// <summary>The <c>Mirror:Access:</c> section: what each client may do, decided before any cache or upstream work.</summary>
public sealed class AccessOptions
{
    /// <summary>Ordered rules; the first that matches decides, and no match is a denial. Empty (the default): every client may pull, and push where the upstream allows it.</summary>
    public List<AccessRule> Rules { get; set; } = [];

    /// <summary>A groups file (<c>group: user1 user2 …</c> per line, as Apache's AuthGroupFile), re-read when it changes. Optional.</summary>
    public string? GroupsFile { get; set; }
}
