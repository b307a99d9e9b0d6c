using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mirror.Caching;
using Mirror.Configuration;
using Mirror.Server.Registry;
using Mirror.Storage;
using Mirror.Upstream;

namespace Mirror.Server.Hosting;

/// <summary>Registers Mirror's services. <c>TryAdd</c> throughout, so tests can swap a part before calling it.</summary>
public static class MirrorServiceCollectionExtensions
{
    public static IServiceCollection AddMirror(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MirrorOptions>()
            .Bind(configuration.GetSection(MirrorOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<MirrorOptions>, MirrorOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MirrorOptions>, MirrorOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IBlobStore>(sp => new FileBlobStore(Directory(sp)));
        services.TryAddSingleton<IManifestStore>(sp => new FileManifestStore(Directory(sp)));
        services.TryAddSingleton(sp => new TagStore(Directory(sp)));
        services.TryAddSingleton<UpstreamRouter>();
        services.TryAddSingleton<BlobCache>();
        services.TryAddSingleton<ManifestCache>();
        services.TryAddSingleton<PassThrough>();
        services.TryAddSingleton<RegistryHandler>();
        services.AddHttpForwarder();
        return services;
    }

    public static WebApplication MapMirror(this WebApplication app)
    {
        var handler = app.Services.GetRequiredService<RegistryHandler>();
        app.Map("/v2", handler.HandleAsync);
        app.Map("/v2/{**path}", handler.HandleAsync);
        app.MapGet("/healthz", () => Results.Text("ok"));
        return app;
    }

    private static string Directory(IServiceProvider services) =>
        services.GetRequiredService<IOptions<MirrorOptions>>().Value.Cache.Directory;
}
