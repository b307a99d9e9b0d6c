namespace Mirror.Server.Hosting;

/// <summary>Runtime settings that take effect only if they are in place before the runtime first needs them: applied first thing in Main.</summary>
internal static class RuntimeTuning
{
    /// <summary>How many arrays of each size the shared array pool keeps per core (the runtime's default is 32).</summary>
    public const string ArraysPerPartitionVariable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    public const int ArraysPerPartition = 512;

    /// <summary>
    /// Every blob response reads the file 128 KiB at a time into Kestrel's response pipe, which rents that memory
    /// from the shared array pool. The pool keeps 32 arrays of a size per core; with hundreds of responses in flight
    /// the others are new large-object arrays, garbage once sent and collected only by gen2 collections. At 1,000
    /// connections that cost ~25 % more CPU per byte served (docs/benchmarks.md); keeping up to 512 per core removes
    /// it. The pool holds only arrays that were once in use at the same time, and trims the ones left unused.
    /// </summary>
    /// <remarks>
    /// The runtime reads the variable when the pool is first used, which is after Main starts; an operator's own value
    /// is left alone. Were a future runtime to read it earlier, the default would simply stay.
    /// </remarks>
    public static void Apply()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ArraysPerPartitionVariable)))
        {
            Environment.SetEnvironmentVariable(ArraysPerPartitionVariable, ArraysPerPartition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
