using Mirror.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddMirror(builder.Configuration);

var app = builder.Build();
app.MapMirror();
app.Run();

/// <summary>The entry point, visible to the functional tests' host.</summary>
public partial class Program;
