using System.IO.Pipelines;

namespace Mirror.Caching;

/// <summary>A place on a running fill: this request started it (a miss) or joined it (coalesced).</summary>
internal sealed class FillingBlobContent(FlightLease<BlobFill> lease, long? length) : BlobContent
{
    public override long? Length => length;

    public override CacheResult Result => lease.IsOwner ? CacheResult.Miss : CacheResult.Coalesced;

    public override CacheSource Source => CacheSource.Upstream;

    public override async ValueTask<long?> GetLengthAsync(CancellationToken cancellationToken)
    {
        if (length is { } known)
        {
            return known;
        }

        // An upstream without Content-Length: the length is known when the fill has ended well.
        await lease.Flight.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        return lease.Flight.Outcome == FillOutcome.Committed ? lease.Flight.Written : null;
    }

    public override async Task<CopyResult> CopyToAsync(Stream destination, long offset, long? count, CancellationToken cancellationToken)
    {
        var (result, reason) = await lease.Flight.CopyToAsync(destination, offset, count, cancellationToken).ConfigureAwait(false);
        FailureReason = reason;
        return result;
    }

    public override async Task<CopyResult> CopyToAsync(PipeWriter destination, long offset, long? count, CancellationToken cancellationToken)
    {
        var (result, reason) = await lease.Flight.CopyToAsync(destination, offset, count, cancellationToken).ConfigureAwait(false);
        FailureReason = reason;
        return result;
    }

    public override void Dispose()
    {
        lease.Dispose();
        lease.Flight.DropIfTransient();
    }
}
