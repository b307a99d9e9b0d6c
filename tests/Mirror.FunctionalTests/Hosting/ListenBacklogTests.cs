using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mirror.FunctionalTests.Hosting;

/// <summary>Clients arrive all at once (a rollout): the listen queue holds 4096 connection attempts, not Kestrel's 512.</summary>
public sealed class ListenBacklogTests
{
    [Fact]
    public async Task Listen_BacklogRaisedTo4096()
    {
        await using var upstream = await FakeRegistry.StartAsync();
        await using var mirror = await MirrorServer.StartAsync(upstream.Url);

        Assert.Equal(4096, mirror.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.Backlog);
    }
}
