using Mirror.Server.Cli;

namespace Mirror.FunctionalTests.Cli;

public sealed class CommandLineTests
{
    [Fact]
    public void Parse_NoArguments_Serves()
    {
        var command = CommandLine.Parse([]);

        Assert.Equal(CommandKind.Serve, command.Kind);
        Assert.Empty(command.Arguments);
    }

    [Theory]
    [InlineData("--urls", "http://0.0.0.0:5000")]
    [InlineData("--urls=http://0.0.0.0:5000")]
    [InlineData("--URLS", "http://0.0.0.0:5000")]
    [InlineData("/urls", "http://0.0.0.0:5000")]
    [InlineData("/urls=http://0.0.0.0:5000")]
    [InlineData("--Mirror:Cache:Directory=/var/cache/mirror")]
    [InlineData("--Mirror:Cache:Directory", "/var/cache/mirror")]
    [InlineData("--mirror:cache:maxdisksize=50GB")]
    [InlineData("--Logging:LogLevel:Default=Warning")]
    [InlineData("--Logging:Console:FormatterName", "json")]
    [InlineData("--Kestrel:Limits:MaxConcurrentConnections=100")]
    [InlineData("--environment", "Development", "--contentRoot", "/opt/mirror")]
    [InlineData("--urls", "http://127.0.0.1:5000", "--Mirror:Upstreams:0:Name=ghcr.io", "--Mirror:Upstreams:0:Password=-starts-with-a-dash")]
    public void Parse_ConfigurationForms_ServesWithTheArgumentsUnchanged(params string[] args)
    {
        var command = CommandLine.Parse(args);

        Assert.Equal(CommandKind.Serve, command.Kind);
        Assert.Equal(args, command.Arguments);
        Assert.Empty(command.Errors);
    }

    [Fact]
    public void Parse_ServeCommand_ArgumentsAfterItGoToTheHost()
    {
        var command = CommandLine.Parse(["serve", "--urls", "http://127.0.0.1:5001"]);

        Assert.Equal(CommandKind.Serve, command.Kind);
        Assert.Equal(["--urls", "http://127.0.0.1:5001"], command.Arguments);
        Assert.True(command.Sets("urls"));
        Assert.True(command.Sets("URLS"));
        Assert.False(command.Sets("contentRoot"));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    [InlineData("help")]
    [InlineData("serve", "--help")]
    [InlineData("--urls", "http://127.0.0.1:5000", "--help")]
    [InlineData("--hepl", "--help")]
    public void Parse_HelpAnywhere_Help(params string[] args) =>
        Assert.Equal(CommandKind.Help, CommandLine.Parse(args).Kind);

    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    [InlineData("--Mirror:Cache:Directory=/x", "--version")]
    public void Parse_Version_Version(params string[] args) =>
        Assert.Equal(CommandKind.Version, CommandLine.Parse(args).Kind);

    [Theory]
    [InlineData("unknown option '--hepl'", "--hepl")]
    [InlineData("unknown option '-x'", "-x")]
    [InlineData("unknown option '-v'", "-v")]
    [InlineData("unknown option '--port'", "--port", "5000")]
    [InlineData("unknown option '--Mirorr:Cache:Directory'", "--Mirorr:Cache:Directory=/x")]
    [InlineData("unknown option '--Mirror::Directory'", "--Mirror::Directory=/x")]
    [InlineData("unknown option '--'", "--")]
    [InlineData("unexpected argument 'Mirror:Cache:Directory=…': write --Mirror:Cache:Directory=VALUE.", "Mirror:Cache:Directory=/x")]
    [InlineData("unexpected argument 'extra'", "--urls", "http://x", "extra")]
    [InlineData("unknown command 'prewarn'", "prewarn", "--mirror", "http://127.0.0.1:5000", "nginx")]
    [InlineData("option '--urls' needs a value", "--urls")]
    public void Parse_UnknownOrIncomplete_InvalidListingTheKnownForms(string expected, params string[] args)
    {
        var command = CommandLine.Parse(args);

        Assert.Equal(CommandKind.Invalid, command.Kind);
        Assert.Contains(command.Errors, e => e.Contains(expected, StringComparison.Ordinal));
        var known = command.Errors[^1];
        Assert.StartsWith("Known: --help", known);
        Assert.All(["--version", "--urls URL", "--<Section>:<Key>=VALUE", "Mirror, Logging, Kestrel", "commands: serve, help, version"],
            form => Assert.Contains(form, known));
    }

    [Fact]
    public void Parse_SeveralProblems_EveryOneListed()
    {
        var command = CommandLine.Parse(["--hepl", "-x", "stray", "--Mirror:Cache:Directory=/ok", "--nope=1"]);

        Assert.Equal(CommandKind.Invalid, command.Kind);
        Assert.Equal(
            ["unknown option '--hepl'.", "unknown option '-x'.", "unexpected argument 'stray'.", "unknown option '--nope'."],
            command.Errors.Take(4));
        Assert.Equal(5, command.Errors.Count);
    }

    [Theory]
    [InlineData("--Pasword=hunter2-secret")]
    [InlineData("-p=hunter2-secret")]
    [InlineData("Mirror:Upstreams:0:Password=hunter2-secret")]
    public void Parse_Invalid_NeverEchoesValues(string arg)
    {
        var command = CommandLine.Parse([arg]);

        Assert.Equal(CommandKind.Invalid, command.Kind);
        Assert.DoesNotContain(command.Errors, e => e.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void Usage_NamesTheMainOptionsExitCodesAndDocs()
    {
        Assert.All(
            ["Usage:", "--urls", "--Mirror:Cache:Directory=PATH", "--Logging:Console:FormatterName=NAME", "--version", "docs/operations.md", "2 bad command line"],
            part => Assert.Contains(part, CommandLine.Usage));
    }
}
