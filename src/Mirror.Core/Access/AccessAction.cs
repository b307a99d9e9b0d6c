namespace Mirror.Access;

/// <summary>What a request does to a repository, as the access rules name it.</summary>
public enum AccessAction
{
    Pull,
    Push,
    Delete,
}
