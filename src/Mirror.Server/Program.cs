using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Mirror.Server.Hosting;

// appsettings.json is found next to the binary, wherever the mirror is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// One log line per request is useful until it throttles the data path: when the console cannot keep up, drop
// lines rather than make requests wait for the logger's queue.
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Services.Configure<ConsoleLoggerOptions>(o =>
{
    o.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite;
    o.MaxQueueLength = 10_000;
});
if (MirrorConfigFile.TryAdd(builder.Configuration, args, Environment.GetEnvironmentVariable(MirrorConfigFile.Variable)) is { } configError)
{
    Console.Error.WriteLine("Mirror cannot start: " + configError);
    return 1;
}

builder.Services.AddMirror(builder.Configuration);

var app = builder.Build();
try
{
    app.MapMirror();
    app.Run();
}
catch (OptionsValidationException invalid)
{
    // Every configuration problem at once, one per line, and a non-zero exit: not a stack trace.
    Console.Error.WriteLine("Mirror cannot start: the configuration has errors:");
    foreach (var failure in invalid.Failures)
    {
        Console.Error.WriteLine("  - " + failure);
    }

    return 1;
}

return 0;

/// <summary>The entry point, visible to the functional tests' host.</summary>
public partial class Program;
