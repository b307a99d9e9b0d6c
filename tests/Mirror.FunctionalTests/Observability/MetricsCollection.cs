namespace Mirror.FunctionalTests.Observability;

/// <summary>Runs the metrics tests apart from every other test.</summary>
[CollectionDefinition(nameof(MetricsTests), DisableParallelization = true)]
public sealed class MetricsCollection;
