namespace Mirror.EndToEndTests;

/// <summary>
/// <see cref="UpstreamFaultTests"/> and <see cref="MirrorCrashTests"/>: never run beside another test, since these
/// kill and freeze servers and time what clients see.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    public const string Name = "faults";

    /// <summary>How long one fault test may take, fixture excluded.</summary>
    internal static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);
}
