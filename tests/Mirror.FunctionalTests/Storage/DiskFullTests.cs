using System.Diagnostics;

namespace Mirror.FunctionalTests.Storage;

/// <summary>
/// The cache directory on a 2 MiB tmpfs that is then filled up: pulls must still succeed, served without caching.
/// Needs root (mount); skipped silently otherwise.
/// </summary>
public sealed class DiskFullTests : IAsyncLifetime
{
    private readonly TempDirectory _mountPoint = new();
    private bool _mounted;
    private FakeRegistry _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeRegistry.StartAsync();
        _mounted = Environment.UserName == "root" && await RunAsync("mount", $"-t tmpfs -o size=2m tmpfs {_mountPoint.Path}") == 0;
    }

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        if (_mounted)
        {
            await RunAsync("umount", _mountPoint.Path);
        }

        _mountPoint.Dispose();
    }

    [Fact]
    public async Task GetManifest_DiskFull_ServedWithoutCaching()
    {
        await using var mirror = await StartOnFullDiskAsync();
        if (mirror is null)
        {
            return;
        }

        var digest = _upstream.AddManifest("library/app", "1", "{\"schemaVersion\":2}");
        using var client = mirror.CreateClient();

        using var response = await client.GetManifestAsync("/v2/app/manifests/1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(digest, response.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task GetBlob_DiskFull_StreamedWithoutCaching()
    {
        await using var mirror = await StartOnFullDiskAsync();
        if (mirror is null)
        {
            return;
        }

        var content = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var digest = _upstream.AddBlob(content);
        using var client = mirror.CreateClient();

        var body = await client.GetByteArrayAsync($"/v2/library/app/blobs/{digest}");

        Assert.Equal(content, body);
        Assert.False(File.Exists(Path.Combine(_mountPoint.Path, "blobs", "sha256", digest[7..9], digest[7..])));
        using var stats = await client.GetAsync("/admin/cache");
        Assert.Contains("\"writable\":false", await stats.Content.ReadAsStringAsync());
    }

    /// <summary>A mirror whose cache is the tmpfs, then filled up; null when it could not be mounted.</summary>
    private async Task<MirrorServer?> StartOnFullDiskAsync()
    {
        if (!_mounted)
        {
            return null;
        }

        var mirror = await MirrorServer.StartAsync(_upstream.Url, _mountPoint.Path);
        FillDisk();
        return mirror;
    }

    private void FillDisk()
    {
        // Write until ENOSPC: whatever the mirror created at start (index, folders) stays, nothing more fits.
        using var filler = new FileStream(Path.Combine(_mountPoint.Path, "filler"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                filler.Write(chunk);
                filler.Flush();
            }
        }
        catch (IOException)
        {
        }
    }

    private static async Task<int> RunAsync(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            await process.WaitForExitAsync();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
