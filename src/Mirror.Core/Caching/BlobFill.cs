using System.Buffers;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Mirror.Observability;
using Mirror.Oci;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Caching;

/// <summary>
/// One upstream download of a blob, shared by every client that wants it while it runs.
/// </summary>
/// <remarks>
/// <code>
///  RunAsync (detached from clients, bounded by FillTimeout):
///    GET upstream ─▶ Head = length ─▶ loop { read ─▶ write temp + hash ─▶ Written += n ─▶ signal }
///       │ body breaks: GET again with Range: bytes=Written- (bounded), skip a 200's first Written bytes
///       ▼
///    length + digest check ─▶ flush ─▶ rename (Committed)      any failure ─▶ delete temp (Failed)
///
///  each reader (CopyToAsync): its own handle on the temp file; send [offset, Written); wait for the
///  signal when caught up; Committed and done ─▶ Completed; Failed ─▶ SourceFailed (the client is aborted)
/// </code>
/// The temp file is the shared buffer, so memory stays flat whatever the number of readers or the blob size.
/// </remarks>
internal sealed partial class BlobFill : Flight
{
    private const int BufferSize = 64 * 1024;

    /// <summary>What one read into a reader's response writer asks for (see <see cref="StoredBlobContent"/>).</summary>
    private const int WriterChunk = 128 * 1024;

    /// <summary>
    /// Readers are woken once per this many bytes written, not once per read of the upstream socket: from a slow
    /// link a read returns a few KiB, and every waiting client woke, re-read the file and flushed its response for
    /// each. The first bytes wake them at once (first-byte latency), and the end of the fill always does.
    /// </summary>
    private const long SignalStep = 64 * 1024;

    private readonly UpstreamClient _upstream;

    // The upstream, or in a cluster the owner node first (IContentSource): resumes go through it too, so a peer that
    // dies mid-body is replaced by the next candidate at the byte where it stopped.
    private readonly IContentSource _source;

    // The starting client's scope: its credentials are used only with ForwardClientAuthorization, where every
    // joiner passed the access check for this digest first.
    private readonly PullScope _scope;
    private readonly IBlobStore _store;
    private readonly ILogger _logger;
    private readonly int _maxResumes;
    private readonly long _maxBytes;
    private readonly TaskCompletionSource<FillHead> _head = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StagedBlob? _staged;
    private long _written;
    private long? _length;
    private volatile FillOutcome _outcome;

    // Relayed from a peer with KeepPeerCopies=false: the stored copy goes once the last reader has it.
    private bool _transient;

    public BlobFill(Digest digest, PullScope scope, IContentSource source, IBlobStore store, FillLimits limits, ILogger logger)
        : base(limits.Timeout)
    {
        Digest = digest;
        _source = source;
        _scope = scope;
        _upstream = scope.Upstream;
        _store = store;
        _maxResumes = limits.MaxResumes;
        _maxBytes = limits.MaxBytes;
        _logger = logger;
    }

    public Digest Digest { get; }

    /// <summary>The client whose request started the fill (its budget pays for it once nobody reads it).</summary>
    public string StartedBy => _scope.Client;

    /// <summary>Completes when the upstream has answered (or failed to).</summary>
    public Task<FillHead> Head => _head.Task;

    public long Written => Volatile.Read(ref _written);

    public FillOutcome Outcome => _outcome;

    /// <summary>How many times the upstream body was resumed with a Range request.</summary>
    public int Resumes { get; private set; }

    /// <summary>The fill's span while it runs (null with tracing off): what a joiner's span links to.</summary>
    public Activity? Activity { get; private set; }

    /// <summary>
    /// A fill that has its upstream's answer outlives its clients: finishing it makes the next pull a hit (bounded
    /// by the flight's timeout and the client's fill budget). One still queued for a bulkhead slot, or waiting for
    /// headers, is dropped when its last client leaves: nobody would read it, and it would hold the queue.
    /// </summary>
    protected override bool CancelWhenAbandoned => !_head.Task.IsCompleted;

    /// <summary>A handle on the bytes: the temp file while it grows, the stored blob once committed.</summary>
    private StoredBlob? OpenRead() =>
        _staged?.OpenRead() is { } temp ? new StoredBlob(temp) : _outcome == FillOutcome.Committed ? _store.TryOpen(Digest) : null;

    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        // The blob may have been committed by a fill that ended between a reader's store lookup and its join.
        if (_store.TryGetLength(Digest, out var stored))
        {
            _written = stored;
            _outcome = FillOutcome.Committed;
            _head.TrySetResult(new FillHead(stored, UpstreamStatus.Ok, null));
            return;
        }

        UpstreamResponse? response = null;
        var started = Stopwatch.GetTimestamp();
        using var activity = Activity = MirrorActivities.StartBlobFill(_upstream.Name, Digest.ToString());
        string? failure = null;
        try
        {
            response = await _source.SendAsync(_scope, _scope.Blob(HttpMethod.Get, Digest), cancellationToken).ConfigureAwait(false);
            _transient = response.Transient;
            if (response.Status != UpstreamStatus.Ok)
            {
                _outcome = FillOutcome.Failed;
                _head.TrySetResult(new FillHead(null, response.Status, response.Detail));
                return;
            }

            var length = response.ContentLength;
            if (length > _maxBytes)
            {
                // A claim is not a reason to reserve space: 10 GB claimed past MaxBlobSize is refused outright.
                _outcome = FillOutcome.Failed;
                Log.FillTooLarge(_logger, Digest.ToString(), _upstream.Name, length.Value, _maxBytes);
                _head.TrySetResult(new FillHead(null, UpstreamStatus.ServerError, null)
                {
                    Error = new OciError(502, OciErrorCode.SizeInvalid, $"{_upstream.Name} claims {length} bytes for {Digest}, more than this mirror fetches ({_maxBytes} bytes, Mirror:Cache:MaxBlobSize)"),
                });
                return;
            }

            _length = length;
            try
            {
                _staged = _store.BeginWrite(Digest, length);
            }
            catch (CacheUnavailableException ex)
            {
                // Degrade, don't fail: each reader streams from the upstream on its own, uncached.
                _outcome = FillOutcome.Failed;
                _head.TrySetResult(new FillHead(length, UpstreamStatus.Ok, ex.Message) { Uncacheable = true });
                return;
            }

            _head.TrySetResult(new FillHead(length, UpstreamStatus.Ok, null));
            Log.FillStarted(_logger, Digest.ToString(), _upstream.Name, length ?? -1);

            await CopyBodyAsync(response, length, cancellationToken).ConfigureAwait(false);

            if (_staged.Commit(length))
            {
                _outcome = FillOutcome.Committed;
                MirrorMetrics.UpstreamFillDuration.WithLabels(_upstream.Name).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                Log.FillCommitted(_logger, Digest.ToString(), Written, Resumes);
            }
            else
            {
                _outcome = FillOutcome.Failed;
                Log.FillRejected(_logger, Digest.ToString(), Written, length ?? -1);
                failure = "the bytes did not match the digest or length";
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _outcome = FillOutcome.Failed;
            _head.TrySetResult(new FillHead(null, UpstreamStatus.Unreachable, $"fetching {Digest} from {_upstream.Name} failed ({ex.GetType().Name})"));
            Log.FillFailed(_logger, Digest.ToString(), Written, ex.GetType().Name, ex.Message);
            failure = $"{ex.GetType().Name} after {Written} bytes";
        }
        finally
        {
            if (_outcome != FillOutcome.Committed)
            {
                _outcome = FillOutcome.Failed;
                _staged?.Discard();
            }

            var outcome = _outcome == FillOutcome.Committed ? "committed" : "failed";
            MirrorMetrics.Fills.WithLabels(outcome).Inc();
            if (activity is not null)
            {
                activity.SetTag(MirrorActivities.BytesTag, Written).SetTag(MirrorActivities.FillOutcomeTag, outcome).SetTag(MirrorActivities.FillResumesTag, Resumes);
                if (_outcome != FillOutcome.Committed)
                {
                    MirrorActivities.Fail(activity, failure ?? (_head.Task.IsCompletedSuccessfully ? _head.Task.Result.Error?.Message ?? _head.Task.Result.Detail : null));
                }
            }

            response?.Dispose();
            Signal();
        }
    }

    private async Task CopyBodyAsync(UpstreamResponse first, long? length, CancellationToken cancellationToken)
    {
        var response = first;
        var upstreamBytes = MirrorMetrics.UpstreamBytes.WithLabels(_upstream.Name);
        var signalled = -SignalStep;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var skip = 0L; // bytes of a resumed 200 response that we already have
            while (true)
            {
                try
                {
                    await using var body = await response.Message!.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    while (true)
                    {
                        idle.CancelAfter(_upstream.Options.BodyIdleTimeout);
                        var read = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        var data = buffer.AsMemory(0, read);
                        if (skip > 0)
                        {
                            var drop = (int)Math.Min(skip, read);
                            skip -= drop;
                            data = data[drop..];
                        }

                        if (data.Length == 0)
                        {
                            continue;
                        }

                        if (length is { } n && Written + data.Length > n)
                        {
                            throw new InvalidDataException($"upstream sent more than its Content-Length {n}");
                        }

                        if (Written + data.Length > _maxBytes)
                        {
                            // A body without Content-Length that does not end: cut off, not written until the disk fills.
                            throw new InvalidDataException($"upstream sent more than {_maxBytes} bytes (Mirror:Cache:MaxBlobSize) without saying how many");
                        }

                        await _staged!.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                        var written = Interlocked.Add(ref _written, data.Length);
                        if (!response.FromPeer)
                        {
                            // A peer's bytes are counted as mirror_peer_bytes_total: the upstream did not send them.
                            upstreamBytes.Inc(data.Length);
                        }

                        if (written - signalled >= SignalStep)
                        {
                            signalled = written;
                            Signal();
                        }
                    }

                    if (length is null || Written >= length)
                    {
                        return;
                    }

                    throw new IOException($"upstream body ended at {Written} of {length} bytes");
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // The connection broke or went idle: ask again for the rest, a bounded number of times.
                    if (Resumes >= _maxResumes || length is null)
                    {
                        throw;
                    }

                    Resumes++;
                    MirrorMetrics.UpstreamRetries.WithLabels(_upstream.Name).Inc();
                    Log.FillResuming(_logger, Digest.ToString(), Written, Resumes, ex.Message);
                    Activity?.AddEvent(new ActivityEvent("resume", tags: new ActivityTagsCollection { [MirrorActivities.BytesTag] = Written }));
                    // A fired idle timer cannot be reset: the next body gets a fresh one.
                    idle.Dispose();
                    idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

                    // Release the broken response (and its bulkhead slot) before asking again: holding it while
                    // waiting for a slot could deadlock a bulkhead of size one.
                    response.Dispose();
                    response = await _source.SendAsync(_scope, _scope.Blob(HttpMethod.Get, Digest, rangeStart: Written), cancellationToken).ConfigureAwait(false);
                    if (response.Status != UpstreamStatus.Ok)
                    {
                        throw new IOException($"resume failed: {response.Detail}", ex);
                    }

                    skip = ResumeSkip(response, Written);
                }
            }
        }
        finally
        {
            if (response != first)
            {
                response.Dispose();
            }

            idle.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// How many leading bytes of a resumed response to drop: none for a 206 that starts where we are, all we have
    /// for a 200 (an upstream that ignores Range), and a 206 from anywhere else is refused.
    /// </summary>
    private static long ResumeSkip(UpstreamResponse response, long written)
    {
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            var from = response.Message!.Content.Headers.ContentRange?.From;
            return from == written ? 0 : throw new IOException($"upstream resumed at {from}, not {written}");
        }

        return written;
    }

    /// <summary>
    /// A relayed copy under KeepPeerCopies=false goes once the fill has ended and its last reader has left (whichever
    /// comes last calls this). A client that found the stored file meanwhile holds an open handle, which outlives the
    /// unlink; the next pull on this node is relayed again.
    /// </summary>
    internal void DropIfTransient()
    {
        if (_transient && _outcome == FillOutcome.Committed && Waiters == 0 && Completion.IsCompleted)
        {
            _store.Delete(Digest);
        }
    }

    private void Signal()
    {
        var previous = Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _staged?.Dispose();
            DropIfTransient();
        }

        base.Dispose(disposing);
    }

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Information, "Fill of {Digest} from {Upstream} started ({Length} bytes)")]
        public static partial void FillStarted(ILogger logger, string digest, string upstream, long length);

        [LoggerMessage(2002, LogLevel.Information, "Fill of {Digest} committed: {Bytes} bytes, {Resumes} resumes")]
        public static partial void FillCommitted(ILogger logger, string digest, long bytes, int resumes);

        [LoggerMessage(2003, LogLevel.Warning, "Fill of {Digest} rejected: {Bytes} bytes of {Length} did not match the digest or length; nothing stored")]
        public static partial void FillRejected(ILogger logger, string digest, long bytes, long length);

        [LoggerMessage(2004, LogLevel.Warning, "Fill of {Digest} failed after {Bytes} bytes: {Error}: {Message}")]
        public static partial void FillFailed(ILogger logger, string digest, long bytes, string error, string message);

        [LoggerMessage(2006, LogLevel.Warning, "Fill of {Digest} from {Upstream} refused: {Length} bytes claimed, more than {Max} allowed")]
        public static partial void FillTooLarge(ILogger logger, string digest, string upstream, long length, long max);

        [LoggerMessage(2005, LogLevel.Warning, "Fill of {Digest} broke at {Bytes} bytes, resuming (attempt {Attempt}): {Reason}")]
        public static partial void FillResuming(ILogger logger, string digest, long bytes, int attempt, string reason);
    }
}
