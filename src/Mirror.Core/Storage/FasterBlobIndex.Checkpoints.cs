using FASTER.core;

namespace Mirror.Storage;

/// <summary>Checkpoints (periodic and at shutdown) and log compaction.</summary>
internal sealed partial class FasterBlobIndex
{
    /// <summary>
    /// Takes a full (index + log snapshot) checkpoint when anything changed since the last one. Old checkpoints
    /// are removed by FASTER once the new one is complete, so a crash mid-checkpoint leaves the previous one.
    /// </summary>
    public async ValueTask<bool> CheckpointAsync(CancellationToken cancellationToken)
    {
        await _checkpointGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var changes = Interlocked.Read(ref _changes);
            if (_disposed || changes == _checkpointedChanges)
            {
                return false;
            }

            CompactIfWasteful();
            var (started, _) = await _store.TakeFullCheckpointAsync(CheckpointType.Snapshot, cancellationToken).ConfigureAwait(false);
            if (started)
            {
                _checkpointedChanges = changes;
                Log.Checkpointed(_logger, Count, TotalBytes);
            }

            return started;
        }
        finally
        {
            _checkpointGate.Release();
        }
    }

    /// <summary>
    /// Removed and replaced records stay in the log until compaction. When the log holds much more than the live
    /// records, copy the live ones out of its read-only part and let the checkpoint truncate the rest.
    /// </summary>
    private void CompactIfWasteful()
    {
        var log = _store.Log;
        var used = log.TailAddress - log.BeginAddress;
        var live = Math.Max(Count, 1024) * RecordSize;
        if (used < 4 * live || log.SafeReadOnlyAddress <= log.BeginAddress)
        {
            return;
        }

        var session = Rent();
        try
        {
            // Lookup, not Scan: scan compaction de-duplicates through a temporary store that allocates and zeroes
            // two 32 MiB pages (see Snapshot); a lookup in the hash chain decides liveness without one.
            var until = session.Compact(log.SafeReadOnlyAddress, CompactionType.Lookup);
            Log.Compacted(_logger, used, log.TailAddress - until);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.CompactionFailed(_logger, ex.Message);
        }
        finally
        {
            Return(session);
        }
    }
}
