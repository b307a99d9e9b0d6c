using Microsoft.Extensions.Time.Testing;
using Mirror.Upstream;

namespace Mirror.Tests.Upstream;

public sealed class RetryBudgetTests
{
    [Fact]
    public void TryWithdraw_BurstOfFailures_AllowsAboutOneFifthOfTheTraffic()
    {
        var time = new FakeTimeProvider();
        var budget = new RetryBudget(time);
        var retries = 0;
        for (var i = 0; i < 1000; i++)
        {
            budget.Deposit();
            if (budget.TryWithdraw())
            {
                retries++;
            }
        }

        // The initial reserve plus 20 % of 1000 requests, not 4 retries for each.
        Assert.InRange(retries, 200, 230);
    }

    [Fact]
    public void TryWithdraw_QuietUpstream_RefillsOverTime()
    {
        var time = new FakeTimeProvider();
        var budget = new RetryBudget(time);
        while (budget.TryWithdraw())
        {
        }

        time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(budget.TryWithdraw());
    }
}
