namespace Mirror.Access;

/// <summary><c>group: user1 user2 …</c> lines (Apache's AuthGroupFile format), re-read when the file changes.</summary>
internal sealed class GroupsFile
{
    private readonly WatchedFile<Dictionary<string, HashSet<string>>> _file;

    public GroupsFile(string path, TimeProvider time)
    {
        _file = new WatchedFile<Dictionary<string, HashSet<string>>>(path, Parse, time);
    }

    /// <summary>The groups <paramref name="user"/> belongs to.</summary>
    public IReadOnlySet<string> Of(string user) =>
        _file.Value is { } groups && groups.TryGetValue(user, out var of) ? of : new HashSet<string>();

    private static Dictionary<string, HashSet<string>> Parse(string[] lines)
    {
        var byUser = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':');
            if (colon <= 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var group = line[..colon].Trim();
            foreach (var user in line[(colon + 1)..].Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!byUser.TryGetValue(user, out var groups))
                {
                    groups = new HashSet<string>(StringComparer.Ordinal);
                    byUser[user] = groups;
                }

                groups.Add(group);
            }
        }

        return byUser;
    }
}
