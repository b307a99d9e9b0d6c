namespace Mirror.Tests.Configuration;

public sealed class ClusterOptionsCheckTests
{
    [Fact]
    public void Errors_NoClusterSection_None() => Assert.Empty(ClusterOptionsCheck.Errors(new ClusterOptions()));

    [Fact]
    public void Errors_ValidStaticCluster_None() =>
        Assert.Empty(ClusterOptionsCheck.Errors(new ClusterOptions { Peers = ["http://10.0.0.1:5000", "http://10.0.0.2:5000"], Secret = "a-long-enough-secret" }));

    [Fact]
    public void Errors_EverythingWrong_EachListed()
    {
        var errors = ClusterOptionsCheck.Errors(new ClusterOptions
        {
            Peers = ["10.0.0.1:5000", "http://10.0.0.2:5000/path"],
            PeersDns = "mirror peers",
            PeerPort = 0,
            Secret = "short",
            ConnectTimeout = TimeSpan.Zero,
        }).ToList();

        Assert.Contains(errors, e => e.Contains("Peers or PeersDns, not both"));
        Assert.Contains(errors, e => e.Contains("'10.0.0.1:5000' must be a node's base URL"));
        Assert.Contains(errors, e => e.Contains("'http://10.0.0.2:5000/path' must be a node's base URL"));
        Assert.Contains(errors, e => e.Contains("PeersDns 'mirror peers' is not a host name"));
        Assert.Contains(errors, e => e.Contains("PeerPort must be a TCP port"));
        Assert.Contains(errors, e => e.Contains("Secret (or SecretFile) is required"));
        Assert.Contains(errors, e => e.Contains("ConnectTimeout must be positive"));
    }

    [Fact]
    public void Errors_ClusterWithoutSecret_Refused() =>
        Assert.Contains(ClusterOptionsCheck.Errors(new ClusterOptions { PeersDns = "mirror-peers.mirror.svc.cluster.local" }), e => e.Contains("Secret (or SecretFile) is required"));

    [Fact]
    public void Errors_SecretFile_ReadAndChecked()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "secret");
        File.WriteAllText(file, "a-long-enough-secret-from-a-file\n");

        Assert.Empty(ClusterOptionsCheck.Errors(new ClusterOptions { PeersDns = "peers", SecretFile = file }));
        Assert.Contains(ClusterOptionsCheck.Errors(new ClusterOptions { PeersDns = "peers", SecretFile = file + ".missing" }), e => e.Contains("does not exist"));
    }
}
