namespace Mirror.EndToEndTests.Registries;

/// <summary>One <c>Mirror:Upstreams:&lt;i&gt;</c> entry of the mirror under test.</summary>
/// <param name="Name">The registry host clients name (<c>?ns=</c>, path prefix); only a routing key here.</param>
/// <param name="Url">Where that registry really is (a docker-registry on 127.0.0.1).</param>
/// <param name="Credentials">Basic credentials the mirror logs in with, or null for anonymous.</param>
/// <param name="AllowPush">Whether the mirror forwards pushes to it (else 405 UNSUPPORTED).</param>
/// <param name="TagTtl">How long the mirror answers a tag from its cache; null for the mirror's default.</param>
internal sealed record MirrorUpstream(
    string Name, Uri Url, RegistryCredentials? Credentials = null, bool AllowPush = false, TimeSpan? TagTtl = null)
{
    /// <summary>The command-line settings for entry <paramref name="index"/>.</summary>
    public IEnumerable<string> ToArguments(int index)
    {
        var at = $"--Mirror:Upstreams:{index}";
        yield return $"{at}:Name={Name}";
        yield return $"{at}:Url={Url.ToString().TrimEnd('/')}";
        if (Credentials is not null)
        {
            yield return $"{at}:Username={Credentials.Username}";
            yield return $"{at}:Password={Credentials.Password}";
        }

        if (AllowPush)
        {
            yield return $"{at}:AllowPush=true";
        }

        if (TagTtl is { } ttl)
        {
            yield return $"{at}:TagTtl={ttl:c}";
        }
    }
}
