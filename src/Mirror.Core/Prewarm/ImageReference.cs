using System.Diagnostics.CodeAnalysis;
using Mirror.Oci;

namespace Mirror.Prewarm;

/// <summary>
/// An image as operators write it: <c>nginx:1.25</c>, <c>library/alpine</c>, <c>ghcr.io/org/app@sha256:…</c>,
/// <c>registry.k8s.io/pause:3.9</c>. The first component is a registry when it has a dot or a port or is
/// <c>localhost</c> (Docker's rule); without a tag or digest the tag is <c>latest</c>.
/// </summary>
public sealed record ImageReference(string? Registry, string Repository, Reference Reference)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out ImageReference? image, [NotNullWhen(false)] out string? error)
    {
        image = null;
        error = null;
        var s = text?.Trim() ?? string.Empty;
        if (s.Length == 0)
        {
            error = "an image reference is required (e.g. nginx:1.25 or ghcr.io/org/app@sha256:…)";
            return false;
        }

        string? registry = null;
        var slash = s.IndexOf('/');
        if (slash > 0 && (s.AsSpan(0, slash).Contains('.') || s.AsSpan(0, slash).Contains(':') || s.AsSpan(0, slash).SequenceEqual("localhost")))
        {
            registry = s[..slash].ToLowerInvariant();
            s = s[(slash + 1)..];
        }

        string name;
        string reference;
        var at = s.IndexOf('@');
        var colon = s.LastIndexOf(':');
        if (at >= 0)
        {
            name = s[..at];
            reference = s[(at + 1)..];
        }
        else if (colon > s.LastIndexOf('/'))
        {
            name = s[..colon];
            reference = s[(colon + 1)..];
        }
        else
        {
            name = s;
            reference = "latest";
        }

        if (!RepositoryName.TryParse(name, out var repository))
        {
            error = $"'{OciError.Shorten(text!)}': '{OciError.Shorten(name)}' is not a repository name";
            return false;
        }

        if (!Reference.TryParse(reference, out var parsed) || (at >= 0) != parsed.IsDigest)
        {
            error = $"'{OciError.Shorten(text!)}': '{OciError.Shorten(reference)}' is not a {(at >= 0 ? "digest" : "tag")}";
            return false;
        }

        image = new ImageReference(registry, repository.Value, parsed);
        return true;
    }

    public override string ToString() =>
        (Registry is null ? string.Empty : Registry + "/") + Repository + (Reference.IsDigest ? "@" + Reference.Digest : ":" + Reference.Tag);
}
