namespace Mirror.Server.Cli;

/// <summary>
/// Reads the command line before any host is built, so <c>--help</c>, <c>--version</c> and a mistyped flag cost
/// nothing: no configuration loaded, no cache directory created, no port bound.
/// </summary>
/// <remarks>
/// <code>
///   args ─▶ first word a command? ── yes ─▶ that command's parser (serve, help, version; later prewarm)
///                 │ no (starts with - or /, or is empty)
///                 ▼
///           serve parser: --help / --version win wherever they are; every other token must be a
///           configuration argument in a form ASP.NET Core's command-line provider reads:
///             --Key=value   --Key value   /Key=value   /Key value
///           with Key a host key (urls, environment, contentRoot…) or Section:… for Mirror, Logging, Kestrel.
/// </code>
/// The provider itself ignores or misreads what it does not understand (a single-dash <c>-x</c>, a bare word, a
/// <c>--hepl</c> becomes a configuration key nobody reads), so those are errors here, all of them listed. Keys
/// inside <c>Mirror:</c> are checked later against the options classes (ConfigurationCheck), with the other
/// configuration errors. Values are never echoed in errors: they may be passwords.
/// </remarks>
internal static class CommandLine
{
    /// <summary>The name in usage lines: the assembly, as <c>dotnet Mirror.Server.dll</c> or the apphost runs it.</summary>
    public const string ProgramName = "Mirror.Server";

    /// <summary>Configuration sections accepted as <c>--Section:Key=value</c>.</summary>
    public static readonly IReadOnlyList<string> Sections = ["Mirror", "Logging", "Kestrel"];

    /// <summary>
    /// Top-level keys the ASP.NET Core host reads (WebHostDefaults, HostDefaults), accepted as <c>--key value</c>.
    /// </summary>
    public static readonly IReadOnlyList<string> HostKeys =
    [
        "urls", "http_ports", "https_ports", "environment", "contentRoot", "applicationName", "webroot",
        "AllowedHosts", "shutdownTimeoutSeconds", "detailedErrors", "captureStartupErrors", "suppressStatusMessages",
        "preventHostingStartup", "hostingStartupAssemblies", "hostingStartupExcludeAssemblies",
    ];

    private static readonly string[] HelpFlags = ["--help", "-h", "-?"];
    private static readonly string[] VersionFlags = ["--version"];

    private static readonly IReadOnlyList<Verb> Verbs =
    [
        new("serve", "run the mirror (the default when no command is given)", ParseServe),
        new("help", "print this text", _ => Command.Of(CommandKind.Help)),
        new("version", "print the version and the commit it was built from", _ => Command.Of(CommandKind.Version)),
        new("prewarm", "--mirror URL [--platform P]… IMAGE…: warm a running mirror's cache, with progress", PrewarmCommand.Parse),
    ];

    public static Command Parse(IReadOnlyList<string> args)
    {
        if (args.Count > 0 && IsWord(args[0]))
        {
            var verb = Verbs.FirstOrDefault(v => v.Name.Equals(args[0], StringComparison.OrdinalIgnoreCase));
            return verb is null
                ? Command.Invalid($"unknown command '{args[0]}'.", Known())
                : verb.Parse([.. args.Skip(1)]);
        }

        return ParseServe(args);
    }

    /// <summary>The <c>--help</c> text.</summary>
    public static string Usage { get; } = BuildUsage();

    /// <summary>One line naming every accepted form, for error messages.</summary>
    public static string Known() =>
        $"Known: {string.Join(", ", HelpFlags)}, {string.Join(", ", VersionFlags)}, --urls URL, --environment NAME, " +
        $"--<Section>:<Key>=VALUE for the sections {string.Join(", ", Sections)} (e.g. --Mirror:Cache:Directory=/var/cache/mirror), " +
        $"other host keys ({string.Join(", ", HostKeys.Where(k => k is not ("urls" or "environment")))}); " +
        $"commands: {string.Join(", ", Verbs.Select(v => v.Name))}. '{ProgramName} --help' explains them.";

    private static Command ParseServe(IReadOnlyList<string> args)
    {
        var errors = new List<string>();
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (HelpFlags.Contains(arg, StringComparer.OrdinalIgnoreCase))
            {
                return Command.Of(CommandKind.Help);
            }

            if (VersionFlags.Contains(arg, StringComparer.OrdinalIgnoreCase))
            {
                return Command.Of(CommandKind.Version);
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) && !arg.StartsWith('/'))
            {
                errors.Add(arg.StartsWith('-')
                    ? $"unknown option '{NameOf(arg)}'."
                    : arg.Contains('=')
                        ? $"unexpected argument '{NameOf(arg)}=…': write --{NameOf(arg)}=VALUE."
                        : $"unexpected argument '{arg}'.");
                continue;
            }

            var body = arg[(arg.StartsWith('/') ? 1 : 2)..];
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? body : body[..equals];
            var known = IsKnownKey(key);
            if (!known)
            {
                errors.Add($"unknown option '{NameOf(arg)}'.");
            }
            else if (equals < 0 && i + 1 == args.Count)
            {
                errors.Add($"option '{arg}' needs a value ('{arg} VALUE' or '{arg}=VALUE').");
            }
            else
            {
                keys.Add(key);
            }

            // --Key value: the next token is the value, whatever it looks like, as the configuration provider reads
            // it. After an unknown option a next token that looks like an option is reported on its own instead.
            if (equals < 0 && i + 1 < args.Count && (known || !LooksLikeOption(args[i + 1])))
            {
                i++;
            }
        }

        return errors.Count > 0
            ? Command.Invalid([.. errors, Known()])
            : new Command(CommandKind.Serve, [.. args], [], keys);
    }

    private static bool IsKnownKey(string key)
    {
        var separator = key.IndexOf(':', StringComparison.Ordinal);
        if (separator < 0)
        {
            return HostKeys.Contains(key, StringComparer.OrdinalIgnoreCase);
        }

        return Sections.Contains(key[..separator], StringComparer.OrdinalIgnoreCase)
            && key.Split(':').All(segment => segment.Length > 0);
    }

    /// <summary>A command word: not an option, not a <c>Key=value</c>.</summary>
    private static bool IsWord(string arg) => arg.Length > 0 && arg[0] is not ('-' or '/') && !arg.Contains('=');

    private static bool LooksLikeOption(string arg) => arg.Length > 1 && arg[0] is ('-' or '/');

    /// <summary>The option without its value, which may be a secret.</summary>
    private static string NameOf(string arg) => arg.Split('=', 2)[0];

    private static string BuildUsage()
    {
        var commands = string.Join(Environment.NewLine, Verbs.Select(v => $"  {v.Name,-36}{v.Summary}"));
        return $"""
            Mirror — a pull-through caching mirror for container registries (OCI Distribution API, /v2/).

            Usage:
              {ProgramName} [serve] [options]           run the mirror
              {ProgramName} --help | -h                 this text
              {ProgramName} --version                   version and commit
              {ProgramName} prewarm --mirror URL [--platform os/arch]… [--token-file F] IMAGE…
                                                        pull images into a running mirror's cache (POST /admin/prewarm),
                                                        admin token from MIRROR_ADMIN_TOKEN or --token-file;
                                                        exit 0 when every image is cached, 1 when one failed

            Commands:
            {commands}

            Options: any configuration key, as --Key=VALUE or --Key VALUE (environment variables work too:
            Mirror__Cache__Directory=/var/cache/mirror). The main ones:
              --urls URL[;URL…]                     where to listen (default http://127.0.0.1:5000)
              --environment NAME                    Production (default), Development…
              --Mirror:Cache:Directory=PATH         cache root (default ./data, relative to the working directory)
              --Mirror:Cache:MaxDiskSize=SIZE       disk cap: 50GB, 1.5GiB or bytes (default unbounded)
              --Mirror:DefaultUpstream=NAME         registry for requests that name none (default docker.io)
              --Mirror:Upstreams:0:Name=HOST        a registry to mirror (…:Url, :Username, :PasswordFile, :AllowPush)
              --Mirror:Metrics:Port=PORT            /metrics on its own port
              --Mirror:Admin:Token=TOKEN            bearer token for /admin/ (unset: loopback only)
              --Logging:Console:FormatterName=NAME  simple (default, one line per event), json or systemd
              --Logging:LogLevel:CATEGORY=LEVEL     e.g. --Logging:LogLevel:Default=Warning
            Sections accepted on the command line: {string.Join(", ", Sections)}. Every Mirror key, with its default, is
            in appsettings.schema.json; invalid configuration is reported all at once at start.

            Exit codes: 0 stopped normally (or --help/--version), 1 could not start (configuration, port, cache
            directory), 2 bad command line.

            Documentation: README.md and docs/operations.md in the source repository (command line, logs,
            start-up summary), docs/storage.md, docs/resilience.md.

            """;
    }
}
