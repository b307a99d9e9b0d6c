namespace Mirror.Server.Hosting;

/// <summary>Where a start failed, which decides how <see cref="StartFailure"/> explains it.</summary>
internal enum StartStage
{
    /// <summary>Reading configuration and building the host.</summary>
    Building,

    /// <summary>Creating Mirror's services (options validated, cache directory opened).</summary>
    Composing,

    /// <summary>Starting the host: Kestrel binding its addresses, hosted services (the metrics port) starting.</summary>
    Starting,
}
