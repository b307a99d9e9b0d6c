using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Mirror.Configuration;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Access;

/// <summary>
/// The registry token flow with the mirror as its own token server (the Docker token spec, as distribution's
/// token auth): <c>GET /auth/token?service=…&amp;scope=repository:&lt;name&gt;:pull,push</c> with the client's Basic
/// credentials answers a short-lived HS256 JWT whose <c>access</c> claim lists what the rules allow of what was
/// asked; a request then carrying <c>Authorization: Bearer &lt;token&gt;</c> is that user, limited to those grants.
/// </summary>
internal sealed class TokenService
{
    private const string Issuer = "mirror";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly SymmetricSecurityKey _key;
    private readonly TimeSpan _lifetime;
    private readonly UpstreamRouter _router;
    private readonly AccessPolicy _policy;
    private readonly TimeProvider _time;

    public TokenService(IOptions<MirrorOptions> options, CacheLayout layout, UpstreamRouter router, AccessPolicy policy, TimeProvider time)
    {
        var auth = options.Value.Auth;
        _key = new SymmetricSecurityKey(LoadKey(auth.TokenSigningKeyFile, Path.Combine(layout.Root, "auth", "token-signing.key")));
        _lifetime = auth.TokenLifetime;
        _router = router;
        _policy = policy;
        _time = time;
    }

    /// <summary>A token for <paramref name="identity"/>, granting of each requested scope what the rules allow.</summary>
    public (string Token, int ExpiresIn, DateTimeOffset IssuedAt) Issue(ClientIdentity identity, IEnumerable<string> scopes, bool anonymousPull)
    {
        var access = new List<Dictionary<string, object>>();
        foreach (var scope in scopes)
        {
            var parts = scope.Split(':');
            if (parts.Length != 3 || parts[0] != "repository" || !_router.TryRoute(null, parts[1], out var upstream, out var repository, out _))
            {
                continue; // unknown scopes get nothing, as in distribution's token server
            }

            var granted = parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(action => Enum.TryParse<AccessAction>(action, ignoreCase: true, out var parsed)
                    && (!identity.IsAnonymous || (anonymousPull && parsed == AccessAction.Pull))
                    && _policy.Deny(identity, upstream.Name, repository.Value, parsed) is null)
                .Distinct()
                .ToArray();
            access.Add(new Dictionary<string, object> { ["type"] = "repository", ["name"] = parts[1], ["actions"] = granted });
        }

        var now = _time.GetUtcNow();
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, identity.User ?? string.Empty)]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + _lifetime).UtcDateTime,
            Claims = new Dictionary<string, object> { ["access"] = access },
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
        return (token, (int)_lifetime.TotalSeconds, now);
    }

    /// <summary>The user and grants of a valid token; null for one that is not (forged, expired, another key's).</summary>
    public (string? User, Dictionary<string, IReadOnlySet<string>> Grants)? Validate(string token)
    {
        // The handler's async validation completes synchronously for a symmetric key: nothing to fetch.
        var result = _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidateAudience = false,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) => expires is { } e && e > _time.GetUtcNow().UtcDateTime.AddSeconds(-30),
        }).GetAwaiter().GetResult();
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }

        var grants = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        if (jwt.TryGetPayloadValue<JsonElement>("access", out var access) && access.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in access.EnumerateArray())
            {
                if (entry.TryGetProperty("name", out var name) && name.GetString() is { } n && entry.TryGetProperty("actions", out var actions) && actions.ValueKind == JsonValueKind.Array)
                {
                    grants[n] = actions.EnumerateArray().Select(a => a.GetString() ?? string.Empty).ToHashSet(StringComparer.Ordinal);
                }
            }
        }

        var subject = jwt.Subject;
        return (string.IsNullOrEmpty(subject) ? null : subject, grants);
    }

    /// <summary>The configured key file, or one made (and kept, owner-only) under the cache directory at first start.</summary>
    private static byte[] LoadKey(string? configured, string generated)
    {
        if (configured is { Length: > 0 })
        {
            return File.ReadAllBytes(configured);
        }

        if (File.Exists(generated))
        {
            return File.ReadAllBytes(generated);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(generated)!);
        var key = RandomNumberGenerator.GetBytes(64);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // the key signs every token: owner only
        }

        using (var file = new FileStream(generated, create))
        {
            file.Write(key);
        }

        return key;
    }
}
