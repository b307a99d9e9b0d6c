namespace Mirror.EndToEndTests.Registries;

/// <summary>Which pull-through cache the clients pull through; chosen with MIRROR_E2E_TARGET.</summary>
internal enum MirrorTarget
{
    /// <summary>Our Mirror.Server, started from its build output (the default).</summary>
    Mirror,

    /// <summary>
    /// docker-registry in proxy mode (MIRROR_E2E_TARGET=distribution): the reference implementation, used to
    /// validate the harness and as a peer comparison. Assertions about coalescing only apply to Mirror.
    /// </summary>
    Distribution,
}
