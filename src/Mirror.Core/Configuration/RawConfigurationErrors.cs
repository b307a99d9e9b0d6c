using Microsoft.Extensions.Options;

namespace Mirror.Configuration;

/// <summary>Reports what <see cref="ConfigurationCheck"/> found, alongside the validator's own findings.</summary>
internal sealed class RawConfigurationErrors(IReadOnlyList<string> errors) : IValidateOptions<MirrorOptions>
{
    public ValidateOptionsResult Validate(string? name, MirrorOptions options) =>
        errors.Count == 0 ? ValidateOptionsResult.Skip : ValidateOptionsResult.Fail(errors);
}
