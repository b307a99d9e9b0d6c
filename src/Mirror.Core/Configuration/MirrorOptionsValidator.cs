using Microsoft.Extensions.Options;

namespace Mirror.Configuration;

/// <summary>
/// Checks the whole options tree and reports every problem at once (as YARP's ConfigValidator does), so an
/// operator fixes a config in one round instead of one error per restart.
/// </summary>
internal sealed class MirrorOptionsValidator : IValidateOptions<MirrorOptions>
{
    public ValidateOptionsResult Validate(string? name, MirrorOptions options)
    {
        var errors = new List<string>();
        var cache = options.Cache;
        if (string.IsNullOrWhiteSpace(cache.Directory))
        {
            errors.Add("Mirror:Cache:Directory must name a directory.");
        }
        else if (File.Exists(cache.Directory))
        {
            errors.Add($"Mirror:Cache:Directory '{Path.GetFullPath(cache.Directory)}' is a file, not a directory.");
        }

        if (cache.FillTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Mirror:Cache:FillTimeout must be positive (got {cache.FillTimeout}).");
        }

        if (cache.MaxMemorySize < 0)
        {
            errors.Add($"Mirror:Cache:MaxMemorySize must be 0 or more bytes (got {cache.MaxMemorySize}).");
        }

        if (cache.MemoryObjectMaxSize < 0)
        {
            errors.Add($"Mirror:Cache:MemoryObjectMaxSize must be 0 or more bytes (got {cache.MemoryObjectMaxSize}).");
        }

        if (cache.MaxManifestSize <= 0)
        {
            errors.Add($"Mirror:Cache:MaxManifestSize must be positive (got {cache.MaxManifestSize}).");
        }

        if (!string.IsNullOrWhiteSpace(cache.MaxDiskSize) && !ByteSize.TryParse(cache.MaxDiskSize, out _, out var sizeError))
        {
            errors.Add($"Mirror:Cache:MaxDiskSize: {sizeError}.");
        }

        if (!ByteSize.TryParse(cache.MaxBlobSize, out var maxBlob, out var blobError) || maxBlob <= 0)
        {
            errors.Add($"Mirror:Cache:MaxBlobSize: {blobError ?? "must be positive"}.");
        }

        if (cache.MaxAbandonedFillsPerClient < 1)
        {
            errors.Add($"Mirror:Cache:MaxAbandonedFillsPerClient must be at least 1 (got {cache.MaxAbandonedFillsPerClient}).");
        }

        if (!(cache.LowWatermark > 0 && cache.LowWatermark < cache.HighWatermark && cache.HighWatermark <= 1))
        {
            errors.Add($"Mirror:Cache:LowWatermark and HighWatermark must satisfy 0 < LowWatermark < HighWatermark <= 1 (got {cache.LowWatermark} and {cache.HighWatermark}).");
        }

        if (cache.IndexCheckpointInterval <= TimeSpan.Zero)
        {
            errors.Add($"Mirror:Cache:IndexCheckpointInterval must be positive (got {cache.IndexCheckpointInterval}).");
        }

        if (options.Admin.Token is { } token && token.Trim().Length < 16)
        {
            errors.Add("Mirror:Admin:Token must be at least 16 characters when set.");
        }

        if (options.Metrics.Port is { } metricsPort && (metricsPort < 1 || metricsPort > 65535))
        {
            errors.Add($"Mirror:Metrics:Port must be a TCP port from 1 to 65535 (got {metricsPort}).");
        }

        if (options.Auth.Htpasswd is { Length: > 0 } htpasswd && Mirror.Access.Htpasswd.Check(htpasswd) is { } htpasswdError)
        {
            errors.Add($"Mirror:Auth:Htpasswd: {htpasswdError}.");
        }

        if (options.Auth.TokenSigningKeyFile is { Length: > 0 } keyFile && (!File.Exists(keyFile) || new FileInfo(keyFile).Length < 32))
        {
            errors.Add($"Mirror:Auth:TokenSigningKeyFile '{keyFile}' must exist and hold at least 32 bytes.");
        }

        if (options.Auth.TokenLifetime < TimeSpan.FromSeconds(30) || options.Auth.TokenLifetime > TimeSpan.FromHours(24))
        {
            errors.Add($"Mirror:Auth:TokenLifetime must be from 30 s to 24 h (got {options.Auth.TokenLifetime}).");
        }

        if (options.Access.GroupsFile is { Length: > 0 } groupsFile && !File.Exists(groupsFile))
        {
            errors.Add($"Mirror:Access:GroupsFile '{groupsFile}' does not exist.");
        }

        if (options.Limits.RequestsPerSecond < 0 || options.Limits.Burst < 0 || options.Limits.ConcurrentBlobStreams < 0)
        {
            errors.Add("Mirror:Limits:RequestsPerSecond, Burst and ConcurrentBlobStreams must be 0 (unlimited) or more.");
        }

        foreach (var proxy in options.Limits.TrustedProxies.Where(p => !System.Net.IPAddress.TryParse(p, out _)))
        {
            errors.Add($"Mirror:Limits:TrustedProxies: '{proxy}' is not an IP address.");
        }

        for (var i = 0; i < options.Access.Rules.Count; i++)
        {
            var rule = options.Access.Rules[i];
            foreach (var action in rule.Actions.Where(a => a is not ("pull" or "push" or "delete")))
            {
                errors.Add($"Mirror:Access:Rules:{i}:Actions: '{action}' is not pull, push or delete.");
            }

            foreach (var glob in rule.Repositories.Where(g => g.Length == 0 || g.StartsWith('/') || g.EndsWith('/')))
            {
                errors.Add($"Mirror:Access:Rules:{i}:Repositories: '{glob}' is not a repository glob (e.g. library/*, team/**).");
            }
        }

        ValidatePolicy(options.Policy, errors);

        for (var i = 0; i < options.Prewarm.Images.Count; i++)
        {
            if (!Mirror.Prewarm.ImageReference.TryParse(options.Prewarm.Images[i], out _, out var imageError))
            {
                errors.Add($"Mirror:Prewarm:Images:{i}: {imageError}.");
            }
        }

        if (options.Prewarm.Interval < TimeSpan.FromMinutes(1))
        {
            errors.Add($"Mirror:Prewarm:Interval must be at least 1 minute (got {options.Prewarm.Interval}).");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Upstreams.Count; i++)
        {
            var u = options.Upstreams[i];
            var at = $"Mirror:Upstreams:{i}";
            if (string.IsNullOrWhiteSpace(u.Name))
            {
                errors.Add($"{at}:Name is required (a registry host such as docker.io or ghcr.io).");
            }
            else
            {
                if (Uri.CheckHostName(u.Name.Split(':')[0]) == UriHostNameType.Unknown || u.Name.Contains('/'))
                {
                    errors.Add($"{at}:Name '{u.Name}' is not a registry host name.");
                }

                if (!names.Add(u.Name))
                {
                    errors.Add($"{at}:Name '{u.Name}' is configured twice.");
                }
            }

            if (u.Url is { Length: > 0 } url
                && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                errors.Add($"{at}:Url '{url}' must be an absolute http:// or https:// URL.");
            }

            if (u.TagTtl < TimeSpan.Zero)
            {
                errors.Add($"{at}:TagTtl must not be negative (got {u.TagTtl}).");
            }

            if (u.NegativeTtl < TimeSpan.Zero)
            {
                errors.Add($"{at}:NegativeTtl must not be negative (got {u.NegativeTtl}).");
            }

            if (u.MaxStale < TimeSpan.Zero)
            {
                errors.Add($"{at}:MaxStale must not be negative (got {u.MaxStale}).");
            }

            foreach (var (key, value) in new[] { ("ConnectTimeout", u.ConnectTimeout), ("ResponseHeadersTimeout", u.ResponseHeadersTimeout), ("BodyIdleTimeout", u.BodyIdleTimeout), ("RequestTimeout", u.RequestTimeout), ("AccessCheckTtl", u.AccessCheckTtl) })
            {
                if (value <= TimeSpan.Zero)
                {
                    errors.Add($"{at}:{key} must be positive (got {value}).");
                }
            }

            if (u.MaxConcurrentFetches < 1)
            {
                errors.Add($"{at}:MaxConcurrentFetches must be at least 1 (got {u.MaxConcurrentFetches}).");
            }

            if (u.MaxQueuedFetches < 0)
            {
                errors.Add($"{at}:MaxQueuedFetches must be 0 or more (got {u.MaxQueuedFetches}).");
            }

            if (u.MaxAttempts < 1 || u.MaxAttempts > 20)
            {
                errors.Add($"{at}:MaxAttempts must be from 1 to 20 (got {u.MaxAttempts}).");
            }

            if (u.MaxResumes < 0)
            {
                errors.Add($"{at}:MaxResumes must be 0 or more (got {u.MaxResumes}).");
            }

            if (u.RetryDelay <= TimeSpan.Zero || u.MaxRetryDelay < u.RetryDelay)
            {
                errors.Add($"{at}:RetryDelay must be positive and at most MaxRetryDelay (got {u.RetryDelay} and {u.MaxRetryDelay}).");
            }

            if (u.BreakerFailureRatio is <= 0 or > 1)
            {
                errors.Add($"{at}:BreakerFailureRatio must be in (0, 1] (got {u.BreakerFailureRatio}).");
            }

            if (u.BreakerMinimumThroughput < 2)
            {
                errors.Add($"{at}:BreakerMinimumThroughput must be at least 2 (got {u.BreakerMinimumThroughput}).");
            }

            if (u.BreakerSamplingDuration < TimeSpan.FromMilliseconds(500) || u.BreakDuration < TimeSpan.FromMilliseconds(500))
            {
                errors.Add($"{at}:BreakerSamplingDuration and BreakDuration must be at least 0.5 s (got {u.BreakerSamplingDuration} and {u.BreakDuration}).");
            }

            if (u.Password is not null && u.PasswordFile is not null)
            {
                errors.Add($"{at}: set Password or PasswordFile, not both.");
            }

            if (u.PasswordFile is { Length: > 0 } file && !File.Exists(file))
            {
                errors.Add($"{at}:PasswordFile '{file}' does not exist.");
            }

            if ((u.Password is not null || u.PasswordFile is not null) && string.IsNullOrEmpty(u.Username))
            {
                errors.Add($"{at}:Username is required with a password.");
            }

            foreach (var (list, hosts) in new[] { ("TokenRealmAllowList", u.TokenRealmAllowList), ("RedirectAllowList", u.RedirectAllowList) })
            {
                foreach (var host in hosts)
                {
                    if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
                    {
                        errors.Add($"{at}:{list} entry '{host}' is not a host name.");
                    }
                }
            }

            // With the mirror's own account and no client identity, "push allowed" means "anyone who reaches the
            // mirror may push and delete in that registry as the mirror".
            if (u.AllowPush && !string.IsNullOrEmpty(u.Username) && !u.ForwardClientAuthorization && string.IsNullOrEmpty(options.Auth.Htpasswd))
            {
                errors.Add($"{at}: AllowPush with the mirror's own credentials (Username) would let every client push and delete as that account; turn on client authentication (Mirror:Auth:Htpasswd, with Mirror:Access:Rules for who may push) or set ForwardClientAuthorization=true so pushes use each client's own credentials, or remove AllowPush.");
            }
        }

        if (names.Count > 0 && !names.Contains(options.DefaultUpstream))
        {
            errors.Add($"Mirror:DefaultUpstream '{options.DefaultUpstream}' is not among the configured upstreams ({string.Join(", ", names)}).");
        }

        errors.AddRange(ClusterOptionsCheck.Errors(options.Cluster));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidatePolicy(PolicyOptions policy, List<string> errors)
    {
        for (var i = 0; i < policy.DenyRepositories.Count; i++)
        {
            var glob = policy.DenyRepositories[i];
            if (glob.Length == 0 || glob.StartsWith('/') || glob.EndsWith('/') || !glob.Contains('/'))
            {
                errors.Add($"Mirror:Policy:DenyRepositories:{i}: '{glob}' is not an <upstream>/<repository> glob (e.g. docker.io/library/nginx, */team-x/**).");
            }
        }

        if (policy.DenyDigestsFile is { Length: > 0 } denyFile && !File.Exists(denyFile))
        {
            errors.Add($"Mirror:Policy:DenyDigestsFile '{denyFile}' does not exist (create it empty when the scanner has not written it yet).");
        }

        for (var i = 0; i < policy.RequireReferrer.Count; i++)
        {
            var requirement = policy.RequireReferrer[i];
            if (!Mirror.Oci.MediaTypes.IsMediaType(requirement.ArtifactType))
            {
                errors.Add($"Mirror:Policy:RequireReferrer:{i}:ArtifactType '{requirement.ArtifactType}' is not a media type (e.g. application/vnd.dev.cosign.artifact.sig.v1+json).");
            }

            foreach (var glob in requirement.Repositories.Where(g => g.Length == 0 || g.StartsWith('/') || g.EndsWith('/')))
            {
                errors.Add($"Mirror:Policy:RequireReferrer:{i}:Repositories: '{glob}' is not a repository glob (e.g. library/*, team/**).");
            }
        }
    }
}
