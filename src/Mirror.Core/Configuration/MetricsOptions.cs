namespace Mirror.Configuration;

/// <summary>The <c>Mirror:Metrics:</c> section.</summary>
public sealed class MetricsOptions
{
    /// <summary>Serve <c>/metrics</c> on the main port. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A separate port for <c>/metrics</c> (so it need not be exposed with the registry API); null = the main port.
    /// </summary>
    public int? Port { get; set; }
}
