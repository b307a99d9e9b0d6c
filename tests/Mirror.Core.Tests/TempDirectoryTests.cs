namespace Mirror.Tests;

/// <summary>
/// Tests on a temp folder of their own: xunit builds the test class for each test, so every test gets a fresh
/// folder, deleted after it.
/// </summary>
public abstract class TempDirectoryTests : IDisposable
{
    private protected TempDirectory Dir { get; } = new();

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
