using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Mirror.Caching;
using Mirror.Storage;

namespace Mirror.Benchmarks;

/// <summary>
/// Memory, not time: what N entries cost to hold, measured in a process of its own (BenchmarkDotNet's
/// MemoryDiagnoser counts allocations, not what stays). Managed heap = <c>GC.GetTotalMemory</c> after a full
/// compacting collection; RSS = VmRSS, peak = VmHWM (/proc/self/status).
/// <code>
///   footprint manifests TAGS MANIFESTS MAX_MEMORY_MIB   fill a ManifestCache, then two passes over every entry
///   footprint index-create DIR ENTRIES                  a checkpointed FASTER index with ENTRIES entries
///   footprint index-open DIR                            recover it: time, allocated bytes, RSS after, peak RSS
/// </code>
/// </summary>
internal static class Footprint
{
    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["manifests", var tags, var manifests, var mib]:
                await ManifestsAsync(int.Parse(tags), int.Parse(manifests), long.Parse(mib) * 1024 * 1024);
                return 0;
            case ["index-create", var directory, var entries]:
                IndexCreate(directory, int.Parse(entries));
                return 0;
            case ["index-open", var directory]:
                IndexOpen(directory);
                return 0;
            default:
                Console.Error.WriteLine("usage: footprint manifests TAGS MANIFESTS MAX_MEMORY_MIB | index-create DIR ENTRIES | index-open DIR");
                return 2;
        }
    }

    private static async Task ManifestsAsync(int tags, int manifests, long maxMemory)
    {
        // A small tier first, so that JIT-compiled code and the first allocations of the types are in the baseline.
        (await ManifestTier.CreateAsync(1, 1, maxMemory)).Dispose();
        var (heap0, rss0) = Measure();
        var clock = Stopwatch.StartNew();
        using var tier = await ManifestTier.CreateAsync(tags, manifests, maxMemory);
        var fill = clock.Elapsed;
        var (heap1, rss1) = Measure();
        var entries = tags + manifests;
        Console.WriteLine($"manifests: tags={tags} manifests={manifests} MaxMemorySize={maxMemory / 1024 / 1024} MiB fill={fill.TotalSeconds:F1} s memory-cache entries={tier.MemoryCacheEntries}");
        Console.WriteLine($"  managed heap {Mb(heap0)} -> {Mb(heap1)} MB (+{(heap1 - heap0) / (double)entries:F0} B per entry); RSS {Mb(rss0)} -> {Mb(rss1)} MB (+{(rss1 - rss0) / (double)entries:F0} B per entry); peak RSS {Mb(Status("VmHWM"))} MB");

        // Two passes: the first may move entries between tiers (a disk hit is offered to the memory tier again);
        // the second is the steady state a round-robin client mix sees.
        for (var pass = 1; pass <= 2; pass++)
        {
            var byDigest = new int[3];
            var byTag = new int[3];
            for (var i = 0; i < tier.Digests.Length; i++)
            {
                var lookup = await tier.Cache.GetAsync(tier.Scopes[0], tier.Digests[i], ManifestTier.Accept, CancellationToken.None);
                byDigest[(int)lookup.Source]++;
            }

            for (var i = 0; i < tier.Tags.Length; i++)
            {
                var lookup = await tier.Cache.GetAsync(tier.ScopeOfTag(i), tier.Tags[i], ManifestTier.Accept, CancellationToken.None);
                byTag[(int)lookup.Source]++;
            }

            Console.WriteLine($"  pass {pass}: by digest memory {byDigest[(int)CacheSource.Memory]} disk {byDigest[(int)CacheSource.Disk]} upstream {byDigest[(int)CacheSource.Upstream]}; " +
                $"by tag memory {byTag[(int)CacheSource.Memory]} disk {byTag[(int)CacheSource.Disk]} upstream {byTag[(int)CacheSource.Upstream]}");
        }

        var (heap2, rss2) = Measure();
        Console.WriteLine($"  after the passes: managed heap {Mb(heap2)} MB, RSS {Mb(rss2)} MB, peak RSS {Mb(Status("VmHWM"))} MB");
    }

    private static void IndexCreate(string directory, int entries)
    {
        using var index = FasterBlobIndex.Open(directory, NullLogger.Instance);
        BenchmarkData.Fill(index, BenchmarkData.Keys(entries));
        index.CheckpointAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        Console.WriteLine($"index-create: {index.Count} entries in {directory}");
    }

    private static void IndexOpen(string directory)
    {
        var (heap0, rss0) = Measure();
        var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        using var index = FasterBlobIndex.Open(directory, NullLogger.Instance);
        var open = clock.Elapsed;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
        var peak = Status("VmHWM");
        var rssOpen = Status("VmRSS");
        var (heap1, rss1) = Measure();
        Console.WriteLine($"index-open: {index.Count} entries, recovered={index.Recovered}, open {open.TotalMilliseconds:F0} ms, allocated {Mb(allocated)} MB ({allocated / (double)Math.Max(1, index.Count):F0} B per entry)");
        Console.WriteLine($"  RSS before {Mb(rss0)} MB, right after open {Mb(rssOpen)} MB, after a full GC {Mb(rss1)} MB; peak RSS {Mb(peak)} MB; managed heap {Mb(heap0)} -> {Mb(heap1)} MB");
        Thread.Sleep(TimeSpan.FromSeconds(5));
        Console.WriteLine($"  RSS 5 s later {Mb(Status("VmRSS"))} MB");
    }

    private static (long Heap, long Rss) Measure()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return (GC.GetTotalMemory(forceFullCollection: false), Status("VmRSS"));
    }

    /// <summary>A /proc/self/status line in bytes (the kernel reports kB).</summary>
    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(field.Length + 1).Trim()[..^2].Trim()) * 1024;
            }
        }

        return -1;
    }

    private static string Mb(long bytes) => (bytes / 1e6).ToString("F1");
}
