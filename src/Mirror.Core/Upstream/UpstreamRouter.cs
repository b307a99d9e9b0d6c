using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Oci;

namespace Mirror.Upstream;

/// <summary>
/// Picks the upstream for a request, in this order: containerd's <c>?ns=&lt;registry&gt;</c>; a path prefix naming a
/// configured registry (<c>/v2/ghcr.io/org/app/…</c>); the default upstream. Owns one <see cref="UpstreamClient"/>
/// (and so one connection pool) per configured registry.
/// </summary>
internal sealed class UpstreamRouter : IDisposable
{
    private static readonly string[] DockerHubAliases = ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"];

    private readonly Dictionary<string, UpstreamClient> _byHost = new(StringComparer.OrdinalIgnoreCase);
    private readonly UpstreamClient _default;
    private readonly string _configured;

    // Routes of repository paths without ?ns=, remembered: a hit would otherwise validate the name (a regex) and
    // allocate it, with "library/" in front for Docker Hub, on every request. Clients pull a bounded set of
    // repositories; past MaxRemembered new paths are routed each time, never remembered.
    private const int MaxRemembered = 4096;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (UpstreamClient Upstream, RepositoryName Repository)> _routes = new(StringComparer.Ordinal);

    public UpstreamRouter(IOptions<MirrorOptions> options, HybridCache cache, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("Mirror.Upstream");
        var all = new List<UpstreamClient>();
        foreach (var u in options.Value.Upstreams)
        {
            var client = new UpstreamClient(u, cache, time, logger);
            all.Add(client);
            _byHost[u.Name] = client;
        }

        // Second pass so an explicit Name always wins over another upstream's URL host or alias.
        foreach (var client in all)
        {
            _byHost.TryAdd(client.BaseUri.IsDefaultPort ? client.BaseUri.Host : client.BaseUri.Authority, client);
            if (client.Name == UpstreamOptions.DockerHub)
            {
                foreach (var alias in DockerHubAliases)
                {
                    _byHost.TryAdd(alias, client);
                }
            }
        }

        All = all;
        _default = _byHost[options.Value.DefaultUpstream];
        _configured = string.Join(", ", all.Select(c => c.Name));
    }

    public IReadOnlyList<UpstreamClient> All { get; }

    /// <summary>The upstream for requests that name none.</summary>
    public UpstreamClient Default => _default;

    public UpstreamClient? Find(string registry) => _byHost.GetValueOrDefault(registry);

    /// <summary>
    /// Resolves the client-side repository path (everything between <c>/v2/</c> and <c>/manifests/</c> or
    /// <c>/blobs/</c>) to an upstream and the repository name the upstream knows.
    /// </summary>
    public bool TryRoute(string? ns, string path, out UpstreamClient upstream, out RepositoryName repository, out OciError? error)
    {
        if (string.IsNullOrEmpty(ns) && _routes.TryGetValue(path, out var known))
        {
            (upstream, repository, error) = (known.Upstream, known.Repository, null);
            return true;
        }

        if (!TryRouteUncached(ns, path, out upstream, out repository, out error))
        {
            return false;
        }

        if (string.IsNullOrEmpty(ns) && _routes.Count < MaxRemembered)
        {
            _routes.TryAdd(path, (upstream, repository));
        }

        return true;
    }

    private bool TryRouteUncached(string? ns, string path, out UpstreamClient upstream, out RepositoryName repository, out OciError? error)
    {
        upstream = _default;
        repository = null!;
        error = null;
        if (!string.IsNullOrEmpty(ns))
        {
            if (_byHost.GetValueOrDefault(ns) is not { } byNs)
            {
                error = new OciError(404, OciErrorCode.NameUnknown, $"registry '{OciError.Shorten(ns)}' (from ?ns=) is not mirrored here; configured: {_configured}");
                return false;
            }

            upstream = byNs;
        }
        else
        {
            var slash = path.IndexOf('/');
            if (slash > 0 && LooksLikeHost(path.AsSpan(0, slash)))
            {
                var host = path[..slash];
                if (_byHost.GetValueOrDefault(host) is not { } byPrefix)
                {
                    error = new OciError(404, OciErrorCode.NameUnknown, $"registry '{OciError.Shorten(host)}' (from the path) is not mirrored here; configured: {_configured}");
                    return false;
                }

                upstream = byPrefix;
                path = path[(slash + 1)..];
            }
        }

        if (!RepositoryName.TryParse(path, out var name))
        {
            error = OciError.NameInvalid(path);
            return false;
        }

        if (upstream.Name == UpstreamOptions.DockerHub)
        {
            // "library/" + a 250-character name is over the spec's limit: refused here, not by the upstream.
            if (!name.TryWithLibraryPrefix(out var prefixed))
            {
                error = new OciError(400, OciErrorCode.NameInvalid, $"repository name '{OciError.Shorten(path)}' is longer than {RepositoryName.MaxLength} characters with library/");
                return false;
            }

            name = prefixed;
        }

        repository = name;
        return true;
    }

    /// <summary>
    /// Routes a pull and makes its <see cref="PullScope"/>: the upstream, the repository it knows, and whose
    /// credentials count (the client's <paramref name="authorization"/> only for an upstream that forwards it).
    /// </summary>
    public bool TryScope(string? ns, string path, string? authorization, string client, [NotNullWhen(true)] out PullScope? scope, out OciError? error)
    {
        scope = TryRoute(ns, path, out var upstream, out var repository, out error)
            ? PullScope.Create(upstream, repository, authorization, client)
            : null;
        return scope is not null;
    }

    /// <summary>A first path component is a registry host when it has a dot or a port, or is <c>localhost</c> (Docker's own rule for image references).</summary>
    private static bool LooksLikeHost(ReadOnlySpan<char> segment) =>
        segment.Contains('.') || segment.Contains(':') || segment.SequenceEqual("localhost");

    public void Dispose()
    {
        foreach (var client in All)
        {
            client.Dispose();
        }
    }
}
