using Mirror.Server.Hosting;

namespace Mirror.FunctionalTests.Hosting;

/// <summary>The shared array pool's size is raised for many concurrent blob responses, unless the operator set it.</summary>
public sealed class RuntimeTuningTests
{
    [Fact]
    public void Apply_Unset_Raised_OperatorsValueKept()
    {
        var before = Environment.GetEnvironmentVariable(RuntimeTuning.ArraysPerPartitionVariable);
        try
        {
            Environment.SetEnvironmentVariable(RuntimeTuning.ArraysPerPartitionVariable, null);
            RuntimeTuning.Apply();
            Assert.Equal("512", Environment.GetEnvironmentVariable(RuntimeTuning.ArraysPerPartitionVariable));

            Environment.SetEnvironmentVariable(RuntimeTuning.ArraysPerPartitionVariable, "64");
            RuntimeTuning.Apply();
            Assert.Equal("64", Environment.GetEnvironmentVariable(RuntimeTuning.ArraysPerPartitionVariable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(RuntimeTuning.ArraysPerPartitionVariable, before);
        }
    }
}
