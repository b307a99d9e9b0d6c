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

    [Fact]
    public void Parse_CommaInsideQuotedScope_KeptInValue()
    {
        var challenge = AuthChallenge.Parse(
            "Bearer realm=\"https://ghcr.io/token\",scope=\"repository:a:pull,push\",service=\"ghcr.io\"");

        Assert.NotNull(challenge);
        Assert.Equal("repository:a:pull,push", challenge.Scope);
        Assert.Equal("ghcr.io", challenge.Service);
        Assert.Equal("https://ghcr.io/token", challenge.Realm);
    }

    [Fact]
    public void Parse_SpacesAfterCommas_Accepted()
    {
        var challenge = AuthChallenge.Parse("Bearer realm=\"https://r.example/token\", service=\"r.example\",  scope=\"x\"");

        Assert.NotNull(challenge);
        Assert.Equal("https://r.example/token", challenge.Realm);
        Assert.Equal("r.example", challenge.Service);
        Assert.Equal("x", challenge.Scope);
    }

    [Fact]
    public void Parse_BasicRealm_IsBasic()
    {
        var challenge = AuthChallenge.Parse("Basic realm=\"Registry Realm\"");

        Assert.NotNull(challenge);
        Assert.True(challenge.IsBasic);
        Assert.False(challenge.IsBearer);
        Assert.Equal("Registry Realm", challenge.Realm);
        Assert.Null(challenge.Service);
    }

    [Theory]
    [InlineData("bearer realm=x")]
    [InlineData("BEARER realm=x")]
    public void Parse_SchemeCase_Ignored(string header)
    {
        var challenge = AuthChallenge.Parse(header);

        Assert.NotNull(challenge);
        Assert.True(challenge.IsBearer);
    }

    [Fact]
    public void Parse_UnquotedValues_Read()
    {
        var challenge = AuthChallenge.Parse("Bearer realm=https://auth.example.com/token, service=example.com,scope=repository:x:pull");

        Assert.NotNull(challenge);
        Assert.Equal("https://auth.example.com/token", challenge.Realm);
        Assert.Equal("example.com", challenge.Service);
        Assert.Equal("repository:x:pull", challenge.Scope);
    }

    [Fact]
    public void Parse_ParameterNames_CaseInsensitive()
    {
        var challenge = AuthChallenge.Parse("Bearer Realm=\"https://a/token\",SERVICE=\"a\"");

        Assert.NotNull(challenge);
        Assert.Equal("https://a/token", challenge.Realm);
        Assert.Equal("a", challenge.Service);
    }

    [Fact]
    public void Parse_EscapedQuote_Unescaped()
    {
        var challenge = AuthChallenge.Parse("Basic realm=\"say \\\"hi\\\", \\\\ bye\"");

        Assert.NotNull(challenge);
        Assert.Equal("say \"hi\", \\ bye", challenge.Realm);
    }

    [Fact]
    public void Parse_SchemeOnly_NoParameters()
    {
        var challenge = AuthChallenge.Parse("Bearer");

        Assert.NotNull(challenge);
        Assert.True(challenge.IsBearer);
        Assert.Empty(challenge.Parameters);
        Assert.Null(challenge.Realm);
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

    [Fact]
    public void Parse_Garbage_NoRealm()
    {
        var challenge = AuthChallenge.Parse("garbage");

        Assert.NotNull(challenge);
        Assert.False(challenge.IsBearer);
        Assert.False(challenge.IsBasic);
        Assert.Null(challenge.Realm);
    }

    [Fact]
    public void Parse_UnterminatedQuote_KeepsWhatWasThere()
    {
        var challenge = AuthChallenge.Parse("Bearer realm=\"https://a/token");

        Assert.NotNull(challenge);
        Assert.Equal("https://a/token", challenge.Realm);
    }

    [Fact]
    public void Parse_EmptyValue_Empty()
    {
        var challenge = AuthChallenge.Parse("Bearer realm=,service=\"\"");

        Assert.NotNull(challenge);
        Assert.Equal(string.Empty, challenge.Realm);
        Assert.Equal(string.Empty, challenge.Service);
    }

    // RFC 9110 §11.2: auth-param = token BWS "=" BWS ( token / quoted-string ).
    [Fact]
    public void Parse_WhitespaceAroundEquals_Unquoted()
    {
        var challenge = AuthChallenge.Parse("Bearer realm = \"https://a/token\"");

        Assert.NotNull(challenge);
        Assert.Equal("https://a/token", challenge.Realm);
    }
}
