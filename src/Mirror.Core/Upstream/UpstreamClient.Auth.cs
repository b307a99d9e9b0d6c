using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Mirror.Observability;

namespace Mirror.Upstream;

/// <summary>The registry token flow: challenges learned, tokens fetched from the realm and cached per scope and credential.</summary>
internal sealed partial class UpstreamClient
{
    /// <summary>
    /// The Authorization header for a forwarded request needing <paramref name="scope"/> (e.g.
    /// <c>repository:org/app:pull,push</c>). When the upstream's auth scheme is not known yet, one <c>GET /v2/</c>
    /// learns it first, so a client is never bounced to the upstream's own token realm. Without
    /// <paramref name="mayUseSharedCredentials"/>, an upstream that forwards client credentials gets the client's or
    /// none — never the mirror's own account (a push or delete must be the client's own act).
    /// </summary>
    public async ValueTask<string?> AuthorizeAsync(string scope, string? clientAuthorization, bool mayUseSharedCredentials, CancellationToken cancellationToken)
    {
        if (_bearerChallenge is null && !_wantsBasic && !_probed)
        {
            _probed = true;
            try
            {
                using var probe = await SendFollowingRedirectsAsync(HttpMethod.Get, new Uri($"{_baseUrl}/v2/"), accept: null, rangeStart: null, authorization: null, Options.ResponseHeadersTimeout, cancellationToken).ConfigureAwait(false);
                if (probe.StatusCode == HttpStatusCode.Unauthorized)
                {
                    LearnChallenge(AuthChallenge.Parse(probe.Headers.WwwAuthenticate.FirstOrDefault()?.ToString()));
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _probed = false; // try again next time; the forwarded request will report the failure itself
            }
        }

        if (!mayUseSharedCredentials && Options.ForwardClientAuthorization && string.IsNullOrEmpty(clientAuthorization))
        {
            return null;
        }

        return await AuthorizationForAsync(scope, clientAuthorization, forceRefresh: false, cancellationToken).ConfigureAwait(false);
    }

    private void LearnChallenge(AuthChallenge? challenge)
    {
        if (challenge is { IsBearer: true, Realm: not null })
        {
            _bearerChallenge = challenge;
        }
        else if (challenge is { IsBasic: true } && _basicCredentials is not null)
        {
            _wantsBasic = true;
        }
    }

    /// <summary>
    /// The basic credentials for this request: with ForwardClientAuthorization, the client's own (from its
    /// <c>Authorization: Basic</c>), else the configured ones.
    /// </summary>
    private string? CredentialsFor(string? clientAuthorization) =>
        Options.ForwardClientAuthorization && clientAuthorization is { } header
            && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
            ? header["Basic ".Length..].Trim()
            : _basicCredentials;

    private async ValueTask<string?> AuthorizationForAsync(string scope, string? clientAuthorization, bool forceRefresh, CancellationToken cancellationToken)
    {
        // A client's bearer token (issued by the upstream's realm) is passed through as it is; its basic
        // credentials are exchanged for a token like the configured ones would be.
        if (Options.ForwardClientAuthorization && clientAuthorization is { Length: > 0 } clientAuth
            && !clientAuth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return clientAuth;
        }

        var credentials = CredentialsFor(clientAuthorization);
        var challenge = _bearerChallenge;
        if (challenge is null)
        {
            return (_wantsBasic || credentials != _basicCredentials) && credentials is not null ? "Basic " + credentials : null;
        }

        // Tokens go through HybridCache's memory level (its stampede protection means one realm request per scope
        // however many requests need it) and never to a shared second level: they are credentials. A client's own
        // credentials get their own entries (keyed by a hash, never the secret).
        var key = credentials == _basicCredentials
            ? $"token|{Name}|{scope}"
            : $"token|{Name}|{scope}|{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(credentials ?? string.Empty)))}";
        if (forceRefresh)
        {
            await _tokens.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var token = await _tokens.GetOrCreateAsync(
                key,
                (self: this, challenge, scope, credentials),
                static (state, ct) => new ValueTask<CachedToken?>(state.self.FetchTokenAsync(state.challenge, state.scope, state.credentials, ct)),
                TokenEntry,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (token is not null && token.ExpiresAt > _time.GetUtcNow())
            {
                return token.Header;
            }

            // A failed or expired token is not kept: the next request asks the realm again.
            await _tokens.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
            if (token is null)
            {
                return null;
            }
        }

        return null;
    }

    private static readonly HybridCacheEntryOptions TokenEntry = new()
    {
        Expiration = TimeSpan.FromMinutes(10),
        LocalCacheExpiration = TimeSpan.FromMinutes(10),
        Flags = HybridCacheEntryFlags.DisableDistributedCache,
    };

    private async Task<CachedToken?> FetchTokenAsync(AuthChallenge challenge, string scope, string? credentials, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm) || realm.Scheme is not ("http" or "https"))
        {
            Log.TokenFailed(_logger, Name, $"invalid realm '{challenge.Realm}'");
            return null;
        }

        // The realm's host and the scope, never the query's other parameters, the credentials or the token.
        using var activity = MirrorActivities.StartTokenFetch(Name, realm.Host, scope);
        var token = await FetchTokenAsync(challenge, realm, scope, credentials, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(MirrorActivities.TokenResultTag, token is null ? "failed" : "issued");
        if (token is null)
        {
            MirrorActivities.Fail(activity, "no token (see event 1004 in the log)");
        }

        return token;
    }

    private async Task<CachedToken?> FetchTokenAsync(AuthChallenge challenge, Uri realm, string scope, string? credentials, CancellationToken cancellationToken)
    {
        var query = new StringBuilder(realm.Query.Length > 1 ? realm.Query[1..] + "&" : string.Empty);
        if (challenge.Service is { } service)
        {
            query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
        }

        query.Append("scope=").Append(Uri.EscapeDataString(scope));
        var tokenUri = new UriBuilder(realm) { Query = query.ToString() }.Uri;
        using var message = new HttpRequestMessage(HttpMethod.Get, tokenUri);
        var withCredentials = credentials is not null && RealmPolicy.MaySendCredentials(BaseUri, realm, Options.TokenRealmAllowList);
        if (withCredentials)
        {
            message.Headers.TryAddWithoutValidation("Authorization", "Basic " + credentials);
        }
        else if (credentials is not null)
        {
            Log.RealmNotPinned(_logger, Name, realm.Host);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ResponseHeadersTimeout);
        try
        {
            using var response = await _http.SendAsync(message, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Log.TokenFailed(_logger, Name, $"{realm.Host} answered {(int)response.StatusCode}");
                return null;
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            using var json = await JsonDocument.ParseAsync(body, default, timeout.Token).ConfigureAwait(false);
            var root = json.RootElement;
            var token = root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : root.TryGetProperty("access_token", out var at) && at.ValueKind == JsonValueKind.String ? at.GetString()
                : null;
            if (string.IsNullOrEmpty(token))
            {
                Log.TokenFailed(_logger, Name, "token response without a token");
                return null;
            }

            // The token spec's default lifetime is 60 s; renew a little early so a request never carries an expired one.
            var lifetime = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) && seconds > 0 ? seconds : 60;
            var expires = _time.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(1, lifetime * 0.9 - 5));
            var cached = new CachedToken("Bearer " + token, expires);
            Log.TokenIssued(_logger, Name, scope, lifetime);
            return cached;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.TokenFailed(_logger, Name, ex.Message);
            return null;
        }
    }
}
