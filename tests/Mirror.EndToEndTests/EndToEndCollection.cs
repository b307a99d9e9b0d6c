namespace Mirror.EndToEndTests;

/// <summary>
/// One collection for every end-to-end test: the upstream, the images and the mirror start once, and the tests run
/// one after another — a 2-core CI machine running dockerd, containerd and podman side by side would measure noise.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<EndToEndFixture>
{
    public const string Name = "end-to-end";
}
