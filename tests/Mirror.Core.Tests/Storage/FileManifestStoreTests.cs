using System.Text;

namespace Mirror.Tests.Storage;

public sealed class FileManifestStoreTests : TempDirectoryTests
{
    // Not canonical JSON on purpose: the store must give back these bytes, not an equivalent document.
    private static readonly byte[] ManifestBytes = Encoding.UTF8.GetBytes(
        "{\n   \"schemaVersion\": 2,\r\n\t\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\" , \"x\": \"é\"}\n\n");

    public FileManifestStoreTests() => Store = new FileManifestStore(Dir.Path);

    private FileManifestStore Store { get; }

    [Fact]
    public async Task GetAsync_AfterPut_ExactBytesAndMediaType()
    {
        var manifest = new StoredManifest(Digest.Compute(ManifestBytes), MediaTypes.OciManifest, ManifestBytes);

        await Store.PutAsync(manifest, CancellationToken.None);
        var read = await Store.GetAsync(manifest.Digest, CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(manifest.Digest, read.Digest);
        Assert.Equal(MediaTypes.OciManifest, read.MediaType);
        Assert.Equal(ManifestBytes, read.Content.ToArray());
    }

    [Fact]
    public async Task GetAsync_NewStoreSameDirectory_Found()
    {
        var manifest = new StoredManifest(Digest.Compute(ManifestBytes), MediaTypes.DockerManifestList, ManifestBytes);
        await Store.PutAsync(manifest, CancellationToken.None);

        var read = await new FileManifestStore(Dir.Path).GetAsync(manifest.Digest, CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(MediaTypes.DockerManifestList, read.MediaType);
        Assert.Equal(ManifestBytes, read.Content.ToArray());
    }

    [Fact]
    public async Task PutAsync_Manifest_StoredUnderManifestsByDigest()
    {
        var digest = Digest.Compute(ManifestBytes);

        await Store.PutAsync(new StoredManifest(digest, MediaTypes.OciIndex, ManifestBytes), CancellationToken.None);

        var path = Path.Combine(Dir.Path, "manifests", "sha256", digest.Hex[..2], digest.Hex);
        Assert.Equal(ManifestBytes, await File.ReadAllBytesAsync(path));
        Assert.True(File.Exists(path + ".type"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Dir.Path, "tmp")));
    }

    [Fact]
    public async Task PutAsync_Twice_FirstVerifiedTypeKept()
    {
        var digest = Digest.Compute(ManifestBytes);

        await Store.PutAsync(new StoredManifest(digest, MediaTypes.OciManifest, ManifestBytes), CancellationToken.None);
        await Store.PutAsync(new StoredManifest(digest, MediaTypes.DockerManifest, ManifestBytes), CancellationToken.None);

        // Another upstream's Content-Type for the same bytes must not change what everyone is served (security #14).
        var read = await Store.GetAsync(digest, CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(MediaTypes.OciManifest, read.MediaType);
    }

    [Fact]
    public async Task GetAsync_Missing_Null()
    {
        Assert.Null(await Store.GetAsync(Digest.Compute([1, 2, 3]), CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_CorruptedContent_NullAndDeleted()
    {
        var digest = Digest.Compute(ManifestBytes);
        await Store.PutAsync(new StoredManifest(digest, MediaTypes.OciManifest, ManifestBytes), CancellationToken.None);
        var path = Path.Combine(Dir.Path, "manifests", "sha256", digest.Hex[..2], digest.Hex);
        var damaged = (byte[])ManifestBytes.Clone();
        damaged[5] ^= 0x20;
        await File.WriteAllBytesAsync(path, damaged);

        Assert.Null(await Store.GetAsync(digest, CancellationToken.None));

        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".type"));
    }

    [Fact]
    public async Task GetAsync_TruncatedContent_Null()
    {
        var digest = Digest.Compute(ManifestBytes);
        await Store.PutAsync(new StoredManifest(digest, MediaTypes.OciManifest, ManifestBytes), CancellationToken.None);
        var path = Path.Combine(Dir.Path, "manifests", "sha256", digest.Hex[..2], digest.Hex);
        await File.WriteAllBytesAsync(path, ManifestBytes.AsSpan(0, 10).ToArray());

        Assert.Null(await Store.GetAsync(digest, CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_TypeFileMissing_Null()
    {
        var digest = Digest.Compute(ManifestBytes);
        await Store.PutAsync(new StoredManifest(digest, MediaTypes.OciManifest, ManifestBytes), CancellationToken.None);
        var path = Path.Combine(Dir.Path, "manifests", "sha256", digest.Hex[..2], digest.Hex);
        File.Delete(path + ".type");

        Assert.Null(await Store.GetAsync(digest, CancellationToken.None));
    }

    [Fact]
    public async Task Delete_Stored_TrueThenGone()
    {
        var digest = Digest.Compute(ManifestBytes);
        await Store.PutAsync(new StoredManifest(digest, MediaTypes.OciManifest, ManifestBytes), CancellationToken.None);

        Assert.True(Store.Delete(digest));

        Assert.Null(await Store.GetAsync(digest, CancellationToken.None));
        Assert.False(Store.Delete(digest));
    }

    [Fact]
    public void Delete_NeverStored_False()
    {
        Assert.False(Store.Delete(Digest.Compute([4, 5, 6])));
    }
}
