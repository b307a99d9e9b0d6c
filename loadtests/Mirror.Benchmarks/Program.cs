using BenchmarkDotNet.Running;
using Mirror.Benchmarks;

// `footprint ...` measures memory in a process of its own (see Footprint); anything else goes to BenchmarkDotNet.
if (args is ["footprint", .. var rest])
{
    return await Footprint.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

/// <summary>The entry point.</summary>
public partial class Program;
