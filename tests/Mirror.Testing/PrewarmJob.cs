using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mirror.Testing;

/// <summary>Starts a prewarm through a mirror's admin API and waits for it to end, as an operator's script would.</summary>
public static class PrewarmJob
{
    /// <summary>POST /admin/prewarm with <paramref name="body"/>, then poll its Location until succeeded or failed.</summary>
    public static async Task<JsonElement> RunAsync(HttpClient admin, object body, TimeSpan timeout)
    {
        using var started = await admin.PostAsJsonAsync("/admin/prewarm", body);
        if (started.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /admin/prewarm answered {(int)started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
        }

        var location = started.Headers.Location!.OriginalString;
        using var deadline = new CancellationTokenSource(timeout);
        while (!deadline.IsCancellationRequested)
        {
            var job = JsonDocument.Parse(await admin.GetStringAsync(location)).RootElement;
            if (job.GetProperty("state").GetString() is "succeeded" or "failed")
            {
                return job;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"prewarm {location} did not finish in {timeout.TotalSeconds:0} s");
    }
}
