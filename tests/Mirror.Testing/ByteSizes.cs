namespace Mirror.Testing;

/// <summary>Binary size units for test data (<c>using static</c> in the test projects: <c>24 * MiB</c>).</summary>
public static class ByteSizes
{
    public const int KiB = 1024;
    public const int MiB = 1024 * KiB;
}
