using Microsoft.Extensions.Logging.Console;
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
builder.Services.AddMirror(builder.Configuration);

var app = builder.Build();
app.MapMirror();
app.Run();

/// <summary>The entry point, visible to the functional tests' host.</summary>
public partial class Program;
