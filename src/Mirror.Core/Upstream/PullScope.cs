using System.Security.Cryptography;
using System.Text;
using Mirror.Oci;

namespace Mirror.Upstream;

/// <summary>
/// Who pulls what from where: the routed upstream, the repository name the upstream knows, and the credentials
/// the mirror uses for this request. Every cache lookup and upstream request of the pull path takes one scope, so
/// what a cached answer may be shared across is decided once, here.
/// </summary>
/// <remarks>
/// <code>
///  upstream shares one identity (anonymous or Mirror's own Username) ─▶ CredentialKey ""  : answers shared by all
///  upstream forwards the client's credentials (ForwardClientAuthorization)
///        ─▶ CredentialKey = keyed fingerprint of the client's Authorization ("anon" without one):
///           tag answers, flights and remembered 404s are per credential; content by digest is re-checked
/// </code>
/// The fingerprint is an HMAC under a key made at process start: it names a credential in a cache key without
/// being a hash of the secret that anyone could test guesses against.
/// </remarks>
/// <param name="Upstream">The routed upstream.</param>
/// <param name="Repository">The repository name the upstream knows.</param>
/// <param name="ClientAuthorization">The client's Authorization header, kept only for an upstream that forwards it.</param>
/// <param name="Client">Who asks, for fairness and budgets: the authenticated user or the client address.</param>
/// <param name="CredentialKey">Empty when answers are shared by every client; else the credential's fingerprint.</param>
internal sealed record PullScope(UpstreamClient Upstream, RepositoryName Repository, string? ClientAuthorization, string Client, string CredentialKey)
{
    private static readonly byte[] FingerprintKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>
    /// A peer node asked for this (docs/cluster.md): it is answered from this node's cache or its upstream, never
    /// relayed to another peer, so two nodes that disagree about ownership cannot send a request in circles.
    /// </summary>
    public bool FromPeer { get; init; }

    /// <summary>True when the upstream decides per client what it may read: cached content needs a check first.</summary>
    public bool IsPerCredential => CredentialKey.Length > 0;

    public static PullScope Create(UpstreamClient upstream, RepositoryName repository, string? authorization, string client)
    {
        if (!upstream.Options.ForwardClientAuthorization)
        {
            return new PullScope(upstream, repository, null, client, string.Empty);
        }

        var credential = string.IsNullOrEmpty(authorization) ? null : authorization;
        return new PullScope(upstream, repository, credential, client, Fingerprint(credential));
    }

    /// <summary>"anon" for no credentials, else 128 bits of a keyed hash: short enough for keys, never the secret.</summary>
    public static string Fingerprint(string? authorization) =>
        authorization is null
            ? "anon"
            : Convert.ToHexStringLower(HMACSHA256.HashData(FingerprintKey, Encoding.UTF8.GetBytes(authorization)).AsSpan(0, 16));

    /// <summary>A manifest request (GET or HEAD) for a tag or digest in this scope.</summary>
    public UpstreamRequest Manifest(HttpMethod method, string reference, string accept) =>
        new(method, Repository, $"manifests/{reference}") { Accept = accept, ClientAuthorization = ClientAuthorization, Client = Client };

    /// <summary>A blob request in this scope, optionally resuming at <paramref name="rangeStart"/>.</summary>
    public UpstreamRequest Blob(HttpMethod method, Digest digest, long? rangeStart = null) =>
        new(method, Repository, $"blobs/{digest}") { RangeStart = rangeStart, ClientAuthorization = ClientAuthorization, Client = Client };

    /// <summary>A referrers API request in this scope: <c>referrers/&lt;digest&gt;</c> with its query (a filter, a next page).</summary>
    public UpstreamRequest Referrers(string pathAndQuery) =>
        new(HttpMethod.Get, Repository, pathAndQuery) { Accept = MediaTypes.OciIndex, ClientAuthorization = ClientAuthorization, Client = Client };

    public override string ToString() => $"{Upstream.Name}/{Repository}";
}
