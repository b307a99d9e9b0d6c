namespace Mirror.Upstream;

/// <summary>An upstream sent no response headers within ResponseHeadersTimeout: transient, so retried.</summary>
internal sealed class UpstreamTimeoutException(Exception inner) : Exception("upstream response headers timed out", inner);
