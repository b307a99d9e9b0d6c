namespace Mirror.LoadTests;

/// <summary>A repository and a tag or digest, as given on the command line: <c>library/big:1</c>,
/// <c>library/big@sha256:…</c>. The name is used in the URL as written (no <c>library/</c> is added: nginx and
/// distribution do not add it either).</summary>
internal sealed record ImageReference(string Repository, string Reference)
{
    public static ImageReference Parse(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            return new ImageReference(text[..at], text[(at + 1)..]);
        }

        // The tag separator is the last ':' after the last '/', so "host:5000/name" keeps its port.
        var slash = text.LastIndexOf('/');
        var colon = text.LastIndexOf(':');
        return colon > slash && colon < text.Length - 1
            ? new ImageReference(text[..colon], text[(colon + 1)..])
            : new ImageReference(text, "latest");
    }

    public override string ToString() =>
        Reference.StartsWith("sha256:", StringComparison.Ordinal) ? $"{Repository}@{Reference}" : $"{Repository}:{Reference}";
}
