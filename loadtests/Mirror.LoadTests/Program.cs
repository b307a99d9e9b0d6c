using Mirror.LoadTests;

// Exit codes: 0 every pull verified, 1 some pull failed, 2 bad arguments.
var options = RunnerOptions.Parse(args, out var error);
if (options is null)
{
    if (!string.IsNullOrEmpty(error))
    {
        Console.Error.WriteLine($"error: {error}");
    }

    Console.Error.WriteLine(RunnerOptions.Usage);
    return string.IsNullOrEmpty(error) ? 0 : 2;
}

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};

var report = await new LoadRun(options).RunAsync(interrupted.Token);
Console.Write(report.ToText());
if (options.JsonPath is { } path)
{
    await using var file = File.Create(path);
    report.WriteJson(file);
}

return report.Failed == 0 && report.WarmupErrors.Count == 0 ? 0 : 1;
