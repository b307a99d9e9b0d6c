using System.Diagnostics;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>
/// Times each step of a test into its output (what the README's timings come from) and, when a step fails, appends
/// the servers' recent logs so the failure explains itself without a rerun.
/// </summary>
internal sealed class StepLog(ITestOutputHelper output, Func<string> describeServers)
{
    private readonly Stopwatch _total = Stopwatch.StartNew();

    public async Task<T> RunAsync<T>(string description, Func<Task<T>> step)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var result = await step();
            output.WriteLine($"{stopwatch.Elapsed.TotalSeconds,6:F2}s  {description}");
            return result;
        }
        catch
        {
            output.WriteLine($"FAILED after {stopwatch.Elapsed.TotalSeconds:F2}s: {description}\n{describeServers()}");
            throw;
        }
    }

    public async Task RunAsync(string description, Func<Task> step) =>
        await RunAsync(description, async () =>
        {
            await step();
            return true;
        });

    public void WriteLine(string message) => output.WriteLine(message);

    public void Total() => output.WriteLine($"{_total.Elapsed.TotalSeconds,6:F2}s  total");
}
