using Mirror.FunctionalTests.Prewarm;
using Mirror.Server.Cli;

namespace Mirror.FunctionalTests.Cli;

/// <summary><c>Mirror.Server prewarm</c> against a real mirror: progress lines, the summary, and the exit codes.</summary>
public sealed class PrewarmCommandTests
{
    [Theory]
    [InlineData("--mirror URL is required", "nginx")]
    [InlineData("unknown option '--mirrors'", "--mirrors", "http://x", "nginx")]
    [InlineData("name at least one image", "--mirror", "http://127.0.0.1:5000")]
    [InlineData("is not an http:// or https:// URL", "--mirror", "ftp://x", "nginx")]
    [InlineData("is not a repository name", "--mirror", "http://127.0.0.1:5000", "UPPER")]
    public void Parse_Bad_InvalidWithUsage(string expected, params string[] args)
    {
        var command = CommandLine.Parse(["prewarm", .. args]);

        Assert.Equal(CommandKind.Invalid, command.Kind);
        Assert.Contains(command.Errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.StartsWith("usage: Mirror.Server prewarm --mirror URL", command.Errors[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ImageCached_PlainProgressLinesAndExit0()
    {
        await using var started = await StartAsync();
        var mirror = started.Mirror;
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await PrewarmCommand.RunAsync(["--mirror", mirror.Url.AbsoluteUri, "app:1"], output, error, terminal: false, token: null, default);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Matches(@"prewarm \w+ succeeded: manifests 3/3, blobs 6/6", output.ToString());
        Assert.Contains("ok      app:1 (6/6 blobs)", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, error.ToString());
    }

    [Fact]
    public async Task Run_OnTerminal_ProgressBar()
    {
        await using var started = await StartAsync();
        var mirror = started.Mirror;
        using var output = new StringWriter();

        var exit = await PrewarmCommand.RunAsync(["--mirror", mirror.Url.AbsoluteUri, "--platform", "linux/amd64", "app:1"], output, TextWriter.Null, terminal: true, token: null, default);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains("\r[##############################] manifests 2/2, blobs 3/3", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OneImageMissing_Exit1NamingIt()
    {
        await using var started = await StartAsync();
        var mirror = started.Mirror;
        using var error = new StringWriter();

        var exit = await PrewarmCommand.RunAsync(["--mirror", mirror.Url.AbsoluteUri, "app:1", "gone:2"], TextWriter.Null, error, terminal: false, token: null, default);

        Assert.Equal(ExitCodes.StartFailed, exit);
        Assert.Contains("FAILED  gone:2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WrongToken_Exit1WithTheMirrorsAnswer()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        await using var mirror = await MirrorServer.StartAsync(upstream.Url, settings: new Dictionary<string, string?> { ["Mirror:Admin:Token"] = "the-right-admin-token-0123" });
        using var error = new StringWriter();

        var exit = await PrewarmCommand.RunAsync(["--mirror", mirror.Url.AbsoluteUri, "app:1"], TextWriter.Null, error, terminal: false, token: "not-the-token-at-all-0000", default);

        Assert.Equal(ExitCodes.StartFailed, exit);
        Assert.Contains("answered 401", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MirrorUnreachable_Exit1()
    {
        using var error = new StringWriter();

        var exit = await PrewarmCommand.RunAsync(["--mirror", FreePort.UnreachableUrl().AbsoluteUri, "app:1"], TextWriter.Null, error, terminal: false, token: null, default);

        Assert.Equal(ExitCodes.StartFailed, exit);
        Assert.Contains("failed", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A fake registry holding the two-platform <c>app:1</c>, and a mirror in front of it.</summary>
    private static async Task<MirrorAndUpstream> StartAsync()
    {
        var upstream = await FakeRegistry.StartAsync();
        MultiArchImage.Add(upstream, "library/app", "1");
        return new MirrorAndUpstream(upstream, await MirrorServer.StartAsync(upstream.Url));
    }

    private sealed record MirrorAndUpstream(FakeRegistry Upstream, MirrorServer Mirror) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Mirror.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }
}
