using System.Text;
using Mirror.Policy;

namespace Mirror.Tests.Policy;

public sealed class RunnableTests
{
    [Theory]
    [InlineData("application/vnd.oci.image.layer.v1.tar+gzip", true)]
    [InlineData("application/vnd.oci.image.layer.v1.tar+zstd", true)]
    [InlineData("application/vnd.docker.image.rootfs.diff.tar.gzip", true)]
    [InlineData("application/vnd.dev.cosign.simplesigning.v1+json", false)]
    [InlineData("application/spdx+json", false)]
    [InlineData("application/vnd.dsse.envelope.v1+json", false)]
    public void IsImage_ByLayerMediaType(string layerType, bool expected)
    {
        var manifest = $$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{{new string('a', 64)}}","size":2},"layers":[{"mediaType":"{{layerType}}","digest":"sha256:{{new string('b', 64)}}","size":3}]}""";

        Assert.Equal(expected, Runnable.IsImage(MediaTypes.OciManifest, Encoding.UTF8.GetBytes(manifest)));
    }

    [Theory]
    [InlineData("""{"layers":[{"digest":"x"}]}""", true)]
    [InlineData("""{"layers":[]}""", false)]
    [InlineData("""{"schemaVersion":2}""", false)]
    [InlineData("""{not json""", true)]
    public void IsImage_DoubtfulCases(string manifest, bool expected) =>
        Assert.Equal(expected, Runnable.IsImage(MediaTypes.OciManifest, Encoding.UTF8.GetBytes(manifest)));

    [Fact]
    public void IsImage_Schema1_AlwaysAnImage() =>
        Assert.True(Runnable.IsImage(MediaTypes.DockerSchema1Signed, "{}"u8));
}
