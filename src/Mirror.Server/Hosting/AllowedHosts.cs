namespace Mirror.Server.Hosting;

/// <summary>
/// <c>AllowedHosts</c> (semicolon-separated host names, <c>*</c> for any): requests for another Host are answered 400.
/// WebApplication.CreateBuilder wires host filtering by itself; the slim builder the mirror starts with (fewer
/// assemblies resident) does not, so it is wired here — only when the setting restricts anything, so that the default
/// <c>*</c> costs no middleware per request.
/// </summary>
internal static class AllowedHosts
{
    public const string Key = "AllowedHosts";

    /// <summary>The configured hosts, or null when any host is allowed.</summary>
    public static string[]? Of(IConfiguration configuration)
    {
        var hosts = (configuration[Key] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return hosts.Length == 0 || hosts.Contains("*") ? null : hosts;
    }

    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        if (Of(configuration) is { } hosts)
        {
            services.AddHostFiltering(o => o.AllowedHosts = hosts);
        }
    }

    public static void Use(WebApplication app)
    {
        if (Of(app.Configuration) is not null)
        {
            app.UseHostFiltering();
        }
    }
}
