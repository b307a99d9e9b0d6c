using Mirror.Server.Cli;
using Mirror.Server.Hosting;

RuntimeTuning.Apply();

// The command line is read before any host exists: --help, --version and a mistyped flag touch neither the
// configuration nor the cache directory.
var command = CommandLine.Parse(args);
switch (command.Kind)
{
    case CommandKind.Help:
        Console.Out.Write(CommandLine.Usage);
        return ExitCodes.Success;
    case CommandKind.Version:
        Console.Out.WriteLine(BuildInfo.Describe());
        return ExitCodes.Success;
    case CommandKind.Prewarm:
        return await PrewarmCommand.RunAsync(command.Arguments, Console.Out, Console.Error, terminal: !Console.IsOutputRedirected, Environment.GetEnvironmentVariable("MIRROR_ADMIN_TOKEN"), CancellationToken.None);
    case CommandKind.Invalid:
        foreach (var error in command.Errors)
        {
            Console.Error.WriteLine($"{CommandLine.ProgramName}: {error}");
        }

        return ExitCodes.Usage;
    default:
        return await MirrorHost.RunAsync(command);
}

/// <summary>The entry point, visible to the functional tests' host.</summary>
public partial class Program;
