using System.IO.Pipelines;

namespace Mirror.Caching;

/// <summary>
/// The answer to "give me this blob" once it can be served: stored bytes, a running fill to stream from, or an
/// uncached upstream stream. The handler does open → headers → <see cref="CopyToAsync(PipeWriter, long, long?, CancellationToken)"/> → map the
/// <see cref="CopyResult"/>. Disposing it releases the file handle, the place on the fill, or the upstream response.
/// </summary>
internal abstract class BlobContent : IDisposable
{
    /// <summary>The blob's size, when known (a fill from an upstream that sent no Content-Length does not know it).</summary>
    public abstract long? Length { get; }

    public abstract CacheResult Result { get; }

    public abstract CacheSource Source { get; }

    /// <summary>Why the last copy ended in <see cref="CopyResult.SourceFailed"/> (for the log).</summary>
    public string? FailureReason { get; protected set; }

    /// <summary>The size, waiting for it when the source did not say (a fill without Content-Length); null when the source failed.</summary>
    public virtual ValueTask<long?> GetLengthAsync(CancellationToken cancellationToken) => new(Length);

    /// <summary>Copies bytes [offset, offset + count) to <paramref name="destination"/>; count null = to the end.</summary>
    public abstract Task<CopyResult> CopyToAsync(Stream destination, long offset, long? count, CancellationToken cancellationToken);

    /// <summary>
    /// Copies to a <see cref="PipeWriter"/> (the response's body writer). By default through a stream over it, as a
    /// running fill writes; content that can read straight into the writer's memory overrides this.
    /// </summary>
    public virtual Task<CopyResult> CopyToAsync(PipeWriter destination, long offset, long? count, CancellationToken cancellationToken) =>
        CopyToAsync(destination.AsStream(leaveOpen: true), offset, count, cancellationToken);

    public abstract void Dispose();

    /// <summary>Sends what was written to the writer's memory; a failure or a completed reader there is the client's.</summary>
    internal static async ValueTask<CopyResult> FlushAsync(PipeWriter destination, CancellationToken cancellationToken)
    {
        try
        {
            var flushed = await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
            return flushed.IsCanceled ? CopyResult.Canceled : flushed.IsCompleted ? CopyResult.ClientGone : CopyResult.Completed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CopyResult.Canceled;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            return CopyResult.ClientGone;
        }
    }

    /// <summary>Writes one chunk to the client; a failure there is the client's, not the source's.</summary>
    internal static async ValueTask<CopyResult> WriteAsync(Stream destination, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        try
        {
            await destination.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
            return CopyResult.Completed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CopyResult.Canceled;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            return CopyResult.ClientGone;
        }
    }
}
