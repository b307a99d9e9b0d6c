
namespace Mirror.Tests.Storage;

public sealed class InMemoryBlobIndexTests : BlobIndexConformanceTests
{
    private protected override IBlobIndex Open() => new InMemoryBlobIndex();
}
