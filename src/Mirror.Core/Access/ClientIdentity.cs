namespace Mirror.Access;

/// <summary>
/// Who a client is: a user from the htpasswd file (with its groups), or anonymous. A client that came with a token
/// from <c>/auth/token</c> also carries what the token grants (<see cref="Grants"/>); one that sent Basic credentials
/// carries none and is limited by the rules alone.
/// </summary>
public sealed record ClientIdentity(string? User, IReadOnlySet<string> Groups, IReadOnlyDictionary<string, IReadOnlySet<string>>? Grants = null)
{
    public static ClientIdentity Anonymous { get; } = new(null, new HashSet<string>());

    public bool IsAnonymous => User is null;

    /// <summary>Whether the client's token (if it has one) grants <paramref name="action"/> on repository <paramref name="name"/> as the client names it.</summary>
    public bool Allows(string name, string action) =>
        Grants is null || (Grants.TryGetValue(name, out var actions) && actions.Contains(action));

    public override string ToString() => User ?? "anonymous";
}
