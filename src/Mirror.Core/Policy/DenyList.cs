using Mirror.Oci;

namespace Mirror.Policy;

/// <summary>
/// The digests of <c>Mirror:Policy:DenyDigestsFile</c>: one manifest digest per line, the first word of it (a
/// scanner may add the image name or a CVE after it), <c>#</c> to the end of a line is a comment, blank lines are
/// skipped. Lines that hold no digest are counted, not fatal: one bad line must not lift every other denial.
/// </summary>
internal sealed record DenyList(IReadOnlySet<Digest> Digests, IReadOnlyList<int> BadLines)
{
    public static DenyList Parse(string[] lines)
    {
        var digests = new HashSet<Digest>();
        var bad = new List<int>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var comment = line.IndexOf('#');
            var content = (comment >= 0 ? line[..comment] : line).Trim();
            if (content.Length == 0)
            {
                continue;
            }

            var end = content.IndexOfAny([' ', '\t']);
            if (Digest.TryParse(end < 0 ? content : content[..end], out var digest))
            {
                digests.Add(digest);
            }
            else
            {
                bad.Add(i + 1);
            }
        }

        return new DenyList(digests, bad);
    }
}
