namespace Mirror.Upstream;

/// <summary>
/// The upstream sent the mirror somewhere <see cref="RedirectPolicy"/> forbids. Not an <see cref="HttpRequestException"/>
/// on purpose: it is the upstream's answer, never retried and never counted against its health.
/// </summary>
internal sealed class RedirectRefusedException(string reason) : Exception(reason);
