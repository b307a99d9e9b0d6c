using Mirror.Oci;

namespace Mirror.Upstream;

/// <summary>The token scopes of the registry token spec (<c>repository:&lt;name&gt;:&lt;actions&gt;</c>), spelled in one place.</summary>
internal static class TokenScope
{
    public const string Catalog = "registry:catalog:*";

    public static string Pull(RepositoryName repository) => $"repository:{repository}:pull";

    public static string PullPush(RepositoryName repository) => $"repository:{repository}:pull,push";
}
