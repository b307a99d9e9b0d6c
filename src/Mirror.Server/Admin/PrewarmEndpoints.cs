using System.Text.Json;
using Mirror.Prewarm;

namespace Mirror.Server.Admin;

/// <summary>
/// <c>POST /admin/prewarm</c> <c>{"images":["nginx:1.25","ghcr.io/org/app@sha256:…"],"platforms":["linux/amd64"]}</c>
/// starts a background job (202 with the job and a <c>Location</c>); <c>GET /admin/jobs/{id}</c> reports its progress,
/// <c>GET /admin/jobs</c> lists jobs. Access is the admin API's (AdminEndpoints).
/// </summary>
internal static class PrewarmEndpoints
{
    private const int MaxImages = 1000;

    public static async Task<IResult> StartAsync(HttpRequest request, PrewarmService prewarm)
    {
        PrewarmRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<PrewarmRequest>(request.HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return AdminEndpoints.Error(400, "PARAMETER_INVALID", "the body must be JSON: {\"images\":[\"nginx:1.25\"],\"platforms\":[\"linux/amd64\"]} (platforms optional)");
        }

        var images = body?.Images ?? [];
        if (images.Count is 0 or > MaxImages)
        {
            return AdminEndpoints.Error(400, "PARAMETER_INVALID", $"images must list 1 to {MaxImages} image references");
        }

        var errors = new List<string>();
        foreach (var image in images)
        {
            if (!ImageReference.TryParse(image, out _, out var error))
            {
                errors.Add(error);
            }
        }

        var platforms = body?.Platforms ?? [];
        errors.AddRange(platforms.Where(p => p.Split('/').Length is < 2 or > 3 || p.Split('/').Any(string.IsNullOrWhiteSpace))
            .Select(p => $"'{Oci.OciError.Shorten(p)}' is not a platform such as linux/amd64 or linux/arm64/v8"));
        if (errors.Count > 0)
        {
            return AdminEndpoints.Error(400, "PARAMETER_INVALID", string.Join("; ", errors));
        }

        var job = prewarm.Start(images, platforms, "admin");
        request.HttpContext.Response.Headers.Location = $"/admin/jobs/{job.Id}";
        return Results.Json(Describe(job), statusCode: StatusCodes.Status202Accepted);
    }

    public static IResult List(PrewarmService prewarm) => Results.Json(new { jobs = prewarm.Jobs.Select(Describe) });

    public static IResult Get(string id, PrewarmService prewarm) =>
        prewarm.Find(id) is { } job
            ? Results.Json(Describe(job))
            : AdminEndpoints.Error(404, "NOT_FOUND", $"no prewarm job '{Oci.OciError.Shorten(id)}' (jobs are kept until 100 newer ones finished, and not across restarts)");

    /// <summary>The job as JSON: totals over its images, and each image's progress and errors.</summary>
    internal static object Describe(PrewarmJob job) => new
    {
        id = job.Id,
        state = job.State.ToString().ToLowerInvariant(),
        origin = job.Origin,
        created = job.Created,
        finished = job.Finished,
        platforms = job.Platforms,
        manifests = new { done = job.Images.Sum(i => i.ManifestsDone), total = job.Images.Sum(i => i.ManifestsTotal) },
        blobs = new { done = job.Images.Sum(i => i.BlobsDone), total = job.Images.Sum(i => i.BlobsTotal) },
        bytes = new { done = job.Images.Sum(i => i.BytesDone), total = job.Images.Sum(i => i.BytesTotal) },
        images = job.Images.Select(i => new
        {
            image = i.Image,
            manifests = new { done = i.ManifestsDone, total = i.ManifestsTotal },
            blobs = new { done = i.BlobsDone, total = i.BlobsTotal },
            bytes = new { done = i.BytesDone, total = i.BytesTotal },
            errors = i.Errors,
        }),
    };

    /// <summary>The request body.</summary>
    internal sealed record PrewarmRequest(List<string>? Images, List<string>? Platforms);
}
