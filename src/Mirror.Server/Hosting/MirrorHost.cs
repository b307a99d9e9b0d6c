using Mirror.Configuration;
using Mirror.Server.Cli;

namespace Mirror.Server.Hosting;

/// <summary>
/// Builds and runs the mirror for <c>Mirror.Server [serve]</c>. A start that fails for a reason an operator can fix
/// (configuration, a port in use or not permitted, an unusable cache directory) ends with its explanation on stderr
/// and <see cref="ExitCodes.StartFailed"/>, never a stack trace.
/// </summary>
internal static class MirrorHost
{
    public static async Task<int> RunAsync(Command command)
    {
        var stage = StartStage.Building;
        WebApplication? app = null;
        try
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                Args = [.. command.Arguments],

                // appsettings.json is found next to the binary wherever the mirror is started from, unless
                // --contentRoot says otherwise (the options would win over the argument and ignore it silently).
                ContentRootPath = command.Sets("contentRoot") ? null : AppContext.BaseDirectory,
            });
            if (MirrorConfigFile.TryAdd(builder.Configuration, [.. command.Arguments], Environment.GetEnvironmentVariable(MirrorConfigFile.Variable)) is { } configError)
            {
                await Console.Error.WriteLineAsync(StartFailure.Prefix + configError);
                return ExitCodes.StartFailed;
            }

            // The slim builder (fewer assemblies resident than CreateBuilder's: no IIS, QUIC or HostFiltering unless
            // asked for, see AllowedHosts) reads HTTPS endpoints and certificates only when told to; it is told so only
            // when something asks for HTTPS, since loading the default certificate loads the cryptography assemblies.
            if (UsesHttps(builder.Configuration))
            {
                builder.WebHost.UseKestrelHttpsConfiguration();
            }

            builder.Logging.AddMirrorConsole(builder.Configuration);
            builder.Services.AddMirror(builder.Configuration);
            app = builder.Build();

            stage = StartStage.Composing;
            app.MapMirror();

            stage = StartStage.Starting;
            await app.StartAsync();
            app.Services.GetRequiredService<StartupPhase>().MarkStarted();
        }
        catch (Exception ex)
        {
            // Anything StartFailure cannot explain is a bug, whose stack trace is what a report needs; it still exits
            // 1, not with the runtime's abort (134), so a failed start means one thing to a supervisor.
            var lines = StartFailure.Describe(ex, stage, CacheDirectory(app), app?.Configuration["urls"])
                ?? [$"{StartFailure.Prefix}unexpected error (a bug: please report it with what follows)", ex.ToString()];
            foreach (var line in lines)
            {
                await Console.Error.WriteLineAsync(line);
            }

            if (app is not null)
            {
                await app.DisposeAsync();
            }

            return ExitCodes.StartFailed;
        }

        await using (app)
        {
            await app.WaitForShutdownAsync();
        }

        return ExitCodes.Success;
    }

    /// <summary>A Kestrel section (endpoints, certificates), an https:// URL or HTTPS ports: anything that may ask for TLS.</summary>
    internal static bool UsesHttps(IConfiguration configuration) =>
        configuration.GetSection("Kestrel").Exists()
        || (configuration["urls"] ?? string.Empty).Contains("https:", StringComparison.OrdinalIgnoreCase)
        || !string.IsNullOrEmpty(configuration["https_ports"]);

    /// <summary>The configured cache directory, read without validating (validation may be what failed).</summary>
    private static string CacheDirectory(WebApplication? app) =>
        app?.Configuration[$"{MirrorOptions.SectionName}:Cache:Directory"] ?? new CacheOptions().Directory;
}
