namespace Mirror.Configuration;

/// <summary>The <c>Mirror:Auth:</c> section: who the mirror's own clients are.</summary>
public sealed class AuthOptions
{
    /// <summary>
    /// An htpasswd file with bcrypt entries (<c>htpasswd -Bbn user pass</c>, as distribution's htpasswd auth reads),
    /// re-read when it changes. Unset (the default): clients are not authenticated.
    /// </summary>
    public string? Htpasswd { get; set; }

    /// <summary>Whether clients without credentials may pull. Default true without <see cref="Htpasswd"/>, false with it.</summary>
    public bool? AnonymousPull { get; set; }

    /// <summary>The value <see cref="AnonymousPull"/> has once defaults apply.</summary>
    public bool AllowsAnonymousPull => AnonymousPull ?? string.IsNullOrEmpty(Htpasswd);
}
