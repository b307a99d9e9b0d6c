using Mirror.Policy;

namespace Mirror.Tests.Policy;

public sealed class DenyListTests
{
    private const string A = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string B = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    [Fact]
    public void Parse_ScannerOutput_DigestsCommentsAndBadLinesCounted()
    {
        var list = DenyList.Parse(["# trivy, 2026-12-01", "", $"  {A}  library/nginx CVE-2026-1", $"{B}# inline", "sha256:short", "nginx:latest"]);

        Assert.Equal(new[] { Digest.Parse(A), Digest.Parse(B) }.ToHashSet(), list.Digests.ToHashSet());
        Assert.Equal([5, 6], list.BadLines);
    }

    [Fact]
    public void Parse_Empty_NothingDenied()
    {
        var list = DenyList.Parse([]);

        Assert.Empty(list.Digests);
        Assert.Empty(list.BadLines);
    }
}
