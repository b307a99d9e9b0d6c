using System.Text.Json;

namespace Mirror.EndToEndTests.Infrastructure;

/// <summary>A registry's answer to one raw request, kept whole so a failed assertion can print all of it.</summary>
/// <param name="Request">Method and URL, for messages.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Headers">Response and content headers, one <c>Name: value</c> a line.</param>
/// <param name="Body">The body as UTF-8 text.</param>
internal sealed record RawResponse(string Request, int Status, string Headers, string Body)
{
    /// <summary>
    /// The <c>errors[]</c> of an OCI error body (distribution-spec "Error Codes"): <c>{"errors":[{"code","message"}]}</c>.
    /// Empty when the body is not one.
    /// </summary>
    public IReadOnlyList<(string Code, string Message)> OciErrors()
    {
        try
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
                ? [.. errors.EnumerateArray().Select(e => (
                    e.TryGetProperty("code", out var code) ? code.GetString() ?? string.Empty : string.Empty,
                    e.TryGetProperty("message", out var message) ? message.GetString() ?? string.Empty : string.Empty))]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public override string ToString() => $"{Request} → {Status}\n{Headers}\n\n{Body}";
}
