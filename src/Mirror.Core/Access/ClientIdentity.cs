namespace Mirror.Access;

/// <summary>Who a client is: a user from the htpasswd file (with its groups), or anonymous.</summary>
public sealed record ClientIdentity(string? User, IReadOnlySet<string> Groups)
{
    public static ClientIdentity Anonymous { get; } = new(null, new HashSet<string>());

    public bool IsAnonymous => User is null;

    public override string ToString() => User ?? "anonymous";
}
