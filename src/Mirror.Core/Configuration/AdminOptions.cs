namespace Mirror.Configuration;

/// <summary>The <c>Mirror:Admin:</c> section: who may call <c>/admin/</c>.</summary>
public sealed class AdminOptions
{
    /// <summary>
    /// When set, every <c>/admin/</c> request needs <c>Authorization: Bearer &lt;Token&gt;</c>, from any address.
    /// When unset (the default), <c>/admin/</c> answers loopback clients only.
    /// </summary>
    public string? Token { get; set; }
}
