namespace Mirror.Access;

/// <summary>
/// Repository name globs of the access rules: <c>*</c> matches one path component (or part of one:
/// <c>team-*</c>), <c>**</c> any number of components (<c>team/**</c> = <c>team</c> and everything below it).
/// </summary>
internal static class RepositoryGlob
{
    public static bool Matches(string glob, string repository) => Matches(glob.Split('/'), 0, repository.Split('/'), 0);

    private static bool Matches(string[] glob, int g, string[] name, int n)
    {
        if (g == glob.Length)
        {
            return n == name.Length;
        }

        if (glob[g] == "**")
        {
            for (var skip = n; skip <= name.Length; skip++)
            {
                if (Matches(glob, g + 1, name, skip))
                {
                    return true;
                }
            }

            return false;
        }

        return n < name.Length && Component(glob[g], name[n]) && Matches(glob, g + 1, name, n + 1);
    }

    /// <summary>One component, with <c>*</c> standing for any run of characters inside it.</summary>
    private static bool Component(string pattern, string value)
    {
        var parts = pattern.Split('*');
        if (parts.Length == 1)
        {
            return pattern == value;
        }

        if (!value.StartsWith(parts[0], StringComparison.Ordinal) || !value.EndsWith(parts[^1], StringComparison.Ordinal) || value.Length < parts[0].Length + parts[^1].Length)
        {
            return false;
        }

        var at = parts[0].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = value.IndexOf(parts[i], at, StringComparison.Ordinal);
            if (found < 0 || found > value.Length - parts[^1].Length)
            {
                return false;
            }

            at = found + parts[i].Length;
        }

        return at <= value.Length - parts[^1].Length;
    }
}
