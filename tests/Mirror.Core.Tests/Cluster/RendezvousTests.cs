using Mirror.Cluster;

namespace Mirror.Tests.Cluster;

/// <summary>Rendezvous ownership: balanced, stable in every process, and moving only ≈1/N of the keys when one node joins or leaves.</summary>
public sealed class RendezvousTests
{
    private const int Keys = 20_000;

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(30)]
    [InlineData(100)]
    public void Rank_NodeJoinsOrLeaves_RemapsAboutOneInN(int nodes)
    {
        var members = Members(nodes);
        var keys = Enumerable.Range(0, Keys).Select(i => $"sha256:{i:x64}").ToList();
        var before = keys.Select(k => Rendezvous.Rank(members, k)[0].Id).ToList();

        var joined = members.Append(new ClusterMember($"http://10.1.0.{nodes + 1}:5000", false)).ToList();
        var afterJoin = keys.Select(k => Rendezvous.Rank(joined, k)[0].Id).ToList();
        var movedOnJoin = before.Zip(afterJoin).Count(p => p.First != p.Second);

        var left = members.Skip(1).ToList();
        var afterLeave = keys.Select(k => Rendezvous.Rank(left, k)[0].Id).ToList();
        var movedOnLeave = before.Zip(afterLeave).Count(p => p.First != p.Second);

        // Join: only keys the newcomer takes move (≈ 1/(N+1)); leave: only the leaver's own (≈ 1/N), nothing else.
        AssertNear(1.0 / (nodes + 1), movedOnJoin / (double)Keys);
        Assert.All(before.Zip(afterJoin).Where(p => p.First != p.Second), p => Assert.Equal(joined[^1].Id, p.Second));
        AssertNear(1.0 / nodes, movedOnLeave / (double)Keys);
        Assert.All(before.Zip(afterLeave).Where(p => p.First != p.Second), p => Assert.Equal(members[0].Id, p.First));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    public void Rank_ManyKeys_EachNodeOwnsAboutItsShare(int nodes)
    {
        var members = Members(nodes);
        var owned = Enumerable.Range(0, Keys).GroupBy(i => Rendezvous.Rank(members, $"docker.io/library/app:{i}")[0].Id).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(nodes, owned.Count);
        Assert.All(owned.Values, count => AssertNear(1.0 / nodes, count / (double)Keys));
    }

    [Fact]
    public void Score_IsTheSameInEveryProcess()
    {
        // Fixed values: a hash randomized per process (string.GetHashCode) would make every node pick another owner.
        Assert.Equal(5210987178601854109UL, Rendezvous.Score("http://10.0.0.1:5000", "sha256:abc"));
        Assert.NotEqual(Rendezvous.Score("http://10.0.0.1:5000", "sha256:abc"), Rendezvous.Score("http://10.0.0.2:5000", "sha256:abc"));
        Assert.NotEqual(Rendezvous.Score("ab", "c"), Rendezvous.Score("a", "bc"));
    }

    [Fact]
    public void Rank_ListsEveryMemberOnce_OwnerFirst()
    {
        var members = Members(5);
        var ranked = Rendezvous.Rank(members, "sha256:1");

        Assert.Equal(members.Select(m => m.Id).Order(), ranked.Select(m => m.Id).Order());
        Assert.True(Rendezvous.Score(ranked[0].Id, "sha256:1") >= Rendezvous.Score(ranked[1].Id, "sha256:1"));
    }

    [Theory]
    [InlineData("HTTP://10.0.0.1:5000/", "http://10.0.0.1:5000")]
    [InlineData("http://Node-1.mirror:5000", "http://node-1.mirror:5000")]
    [InlineData(" http://[fd00::1]:5000 ", "http://[fd00::1]:5000")]
    public void Normalize_SameNodeSpelledDifferently_SameId(string url, string id) => Assert.Equal(id, ClusterMember.Normalize(url));

    private static List<ClusterMember> Members(int count) =>
        Enumerable.Range(1, count).Select(i => new ClusterMember($"http://10.1.0.{i}:5000", false)).ToList();

    /// <summary>Within a fifth of the expected fraction, plus sampling noise for small fractions.</summary>
    private static void AssertNear(double expected, double actual) =>
        Assert.InRange(actual, expected * 0.8 - 0.003, expected * 1.2 + 0.003);
}
