using Mirror.Access;

namespace Mirror.Tests.Access;

public sealed class RepositoryGlobTests
{
    [Theory]
    [InlineData("library/*", "library/nginx", true)]
    [InlineData("library/*", "library/nginx/extra", false)]
    [InlineData("library/*", "library", false)]
    [InlineData("team/**", "team", true)]
    [InlineData("team/**", "team/a/b/c", true)]
    [InlineData("team/**", "teams/a", false)]
    [InlineData("**", "anything/at/all", true)]
    [InlineData("*/app", "org/app", true)]
    [InlineData("*/app", "org/sub/app", false)]
    [InlineData("**/app", "org/sub/app", true)]
    [InlineData("team-*/*", "team-red/api", true)]
    [InlineData("team-*/*", "team/api", false)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "ac", false)]
    [InlineData("library/nginx", "library/nginx", true)]
    [InlineData("library/nginx", "library/nginx2", false)]
    public void Matches_Glob_AsDocumented(string glob, string repository, bool expected) =>
        Assert.Equal(expected, RepositoryGlob.Matches(glob, repository));
}
