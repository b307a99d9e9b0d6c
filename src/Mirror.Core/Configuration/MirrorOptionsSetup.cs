using Microsoft.Extensions.Options;

namespace Mirror.Configuration;

/// <summary>Fills in what the embedded defaults promise: with no upstream configured, Docker Hub.</summary>
internal sealed class MirrorOptionsSetup : IPostConfigureOptions<MirrorOptions>
{
    public void PostConfigure(string? name, MirrorOptions options)
    {
        if (options.Upstreams.Count == 0)
        {
            options.Upstreams.Add(new UpstreamOptions { Name = UpstreamOptions.DockerHub });
        }

        foreach (var upstream in options.Upstreams)
        {
            upstream.Name = upstream.Name.Trim().ToLowerInvariant();
        }

        options.DefaultUpstream = options.DefaultUpstream.Trim().ToLowerInvariant();
    }
}
