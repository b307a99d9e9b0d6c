using Microsoft.Extensions.Configuration;

namespace Mirror.Configuration;

/// <summary>
/// <c>Mirror:UpstreamDefaults</c> holds knobs for every upstream (MaxConcurrentFetches, MaxAttempts, TagTtl…); an
/// upstream's own keys win. Each upstream is bound twice: the defaults first, then its own section.
/// </summary>
internal static class UpstreamDefaults
{
    public static void Apply(MirrorOptions options, IConfigurationSection section)
    {
        var defaults = section.GetSection("UpstreamDefaults");
        if (!defaults.Exists())
        {
            return;
        }

        var own = section.GetSection("Upstreams").GetChildren()
            .OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue)
            .ToList();
        var upstreams = new List<UpstreamOptions>();
        if (own.Count == 0)
        {
            var hub = new UpstreamOptions();
            defaults.Bind(hub);
            hub.Name = UpstreamOptions.DockerHub;
            upstreams.Add(hub);
        }

        foreach (var child in own)
        {
            var upstream = new UpstreamOptions();
            defaults.Bind(upstream);
            child.Bind(upstream);
            upstreams.Add(upstream);
        }

        options.Upstreams = upstreams;
    }
}
