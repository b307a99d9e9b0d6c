using Mirror.Upstream;

namespace Mirror.Tests.Upstream;

public sealed class AuthChallengeTests
{
    [Fact]
    public void Parse_DockerHubBearer_ReadsRealmServiceScope()
    {
        var challenge = AuthChallenge.Parse(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/nginx:pull\"");

        Assert.NotNull(challenge);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.True(challenge.IsBearer);
        Assert.False(challenge.IsBasic);
        Assert.Equal("https://auth.docker.io/token", challenge.Realm);
        Assert.Equal("registry.docker.io", challenge.Service);
        Assert.Equal("repository:library/nginx:pull", challenge.Scope);
        Assert.Equal(3, challenge.Parameters.Count);
    }

    // Quoting (RFC 9110 §11.2: auth-param = token BWS "=" BWS ( token / quoted-string )), spacing and case.
    [Theory]
    [InlineData("Bearer realm=\"https://ghcr.io/token\",scope=\"repository:a:pull,push\",service=\"ghcr.io\"", "https://ghcr.io/token", "ghcr.io", "repository:a:pull,push")] // comma inside a quoted scope
    [InlineData("Bearer realm=\"https://r.example/token\", service=\"r.example\",  scope=\"x\"", "https://r.example/token", "r.example", "x")] // spaces after commas
    [InlineData("Bearer realm=https://auth.example.com/token, service=example.com,scope=repository:x:pull", "https://auth.example.com/token", "example.com", "repository:x:pull")] // unquoted values
    [InlineData("Bearer Realm=\"https://a/token\",SERVICE=\"a\"", "https://a/token", "a", null)] // parameter names in any case
    [InlineData("Bearer realm=,service=\"\"", "", "", null)] // empty values
    [InlineData("Basic realm=\"say \\\"hi\\\", \\\\ bye\"", "say \"hi\", \\ bye", null, null)] // escaped quote and backslash
    [InlineData("Bearer realm=\"https://a/token", "https://a/token", null, null)] // unterminated quote: what was there
    [InlineData("Bearer realm = \"https://a/token\"", "https://a/token", null, null)] // whitespace around '='
    public void Parse_ParameterSyntax_ReadsRealmServiceScope(string header, string realm, string? service, string? scope)
    {
        var challenge = AuthChallenge.Parse(header);

        Assert.NotNull(challenge);
        Assert.Equal(realm, challenge.Realm);
        Assert.Equal(service, challenge.Service);
        Assert.Equal(scope, challenge.Scope);
    }

    [Theory]
    [InlineData("Basic realm=\"Registry Realm\"", false, true, "Registry Realm", 1)]
    [InlineData("bearer realm=x", true, false, "x", 1)] // the scheme's case is ignored
    [InlineData("BEARER realm=x", true, false, "x", 1)]
    [InlineData("Bearer", true, false, null, 0)] // scheme only
    [InlineData("garbage", false, false, null, 0)]
    public void Parse_Scheme_BearerOrBasicAndParameters(string header, bool bearer, bool basic, string? realm, int parameters)
    {
        var challenge = AuthChallenge.Parse(header);

        Assert.NotNull(challenge);
        Assert.Equal(bearer, challenge.IsBearer);
        Assert.Equal(basic, challenge.IsBasic);
        Assert.Equal(realm, challenge.Realm);
        Assert.Null(challenge.Service);
        Assert.Equal(parameters, challenge.Parameters.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_Empty_ReturnsNull(string? header)
    {
        Assert.Null(AuthChallenge.Parse(header));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("Bearer ,,,")]
    [InlineData("Bearer realm")]
    [InlineData("Bearer =x")]
    [InlineData("Bearer realm=\"unterminated")]
    [InlineData("Bearer realm=\"a\"junk,service=\"b\"")]
    [InlineData("Bearer realm=")]
    [InlineData("Bearer \"")]
    [InlineData("Bearer realm=\"\\")]
    public void Parse_Garbage_DoesNotThrow(string header)
    {
        var challenge = AuthChallenge.Parse(header);

        Assert.NotNull(challenge);
        Assert.NotNull(challenge.Scheme);
    }
}
