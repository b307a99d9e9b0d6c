namespace Mirror.Access;

/// <summary>An identity, or why the credentials were refused (never the credentials themselves).</summary>
public readonly record struct AuthenticationResult(ClientIdentity? Identity, string? Failure)
{
    public static AuthenticationResult Of(ClientIdentity identity) => new(identity, null);

    public static AuthenticationResult Refused(string reason) => new(null, reason);
}
