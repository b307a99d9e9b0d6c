using Microsoft.AspNetCore.Authorization;
using Mirror.Access;

namespace Mirror.Server.Access;

/// <summary>An action on a repository of a registry: the resource and requirement of the access rules' authorization.</summary>
internal sealed record RepositoryAccess(ClientIdentity Identity, string Registry, string Repository, AccessAction Action) : IAuthorizationRequirement;
