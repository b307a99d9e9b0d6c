namespace Mirror.Upstream;

/// <summary>
/// Retries as a share of the traffic (Finagle's and gRPC's retry budget): every request deposits
/// <see cref="DepositPerRequest"/> of a retry, every retry withdraws one, and a small allowance per second keeps a
/// quiet upstream retryable. A burst of failing requests — an upstream outage, or one client's odd requests — then
/// costs at most ~20% more upstream requests, not <c>MaxAttempts</c>× as many.
/// </summary>
internal sealed class RetryBudget
{
    private const double DepositPerRequest = 0.2;
    private const double AllowancePerSecond = 2;
    private const double Capacity = 20;

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private double _balance = Capacity;
    private long _lastRefill;

    public RetryBudget(TimeProvider time)
    {
        _time = time;
        _lastRefill = time.GetTimestamp();
    }

    public void Deposit()
    {
        lock (_gate)
        {
            _balance = Math.Min(Capacity, _balance + DepositPerRequest);
        }
    }

    /// <summary>Takes one retry from the budget; false when it is spent.</summary>
    public bool TryWithdraw()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _balance = Math.Min(Capacity, _balance + (_time.GetElapsedTime(_lastRefill, now).TotalSeconds * AllowancePerSecond));
            _lastRefill = now;
            if (_balance < 1)
            {
                return false;
            }

            _balance -= 1;
            return true;
        }
    }
}
