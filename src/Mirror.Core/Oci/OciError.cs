using System.Text.Json;

namespace Mirror.Oci;

/// <summary>An error as it goes on the wire: <c>{"errors":[{"code":…,"message":…}]}</c> with its HTTP status.</summary>
public sealed record OciError(int StatusCode, OciErrorCode Code, string Message)
{
    public static string CodeName(OciErrorCode code) => code switch
    {
        OciErrorCode.BlobUnknown => "BLOB_UNKNOWN",
        OciErrorCode.BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
        OciErrorCode.BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
        OciErrorCode.DigestInvalid => "DIGEST_INVALID",
        OciErrorCode.ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
        OciErrorCode.ManifestInvalid => "MANIFEST_INVALID",
        OciErrorCode.ManifestUnknown => "MANIFEST_UNKNOWN",
        OciErrorCode.NameInvalid => "NAME_INVALID",
        OciErrorCode.NameUnknown => "NAME_UNKNOWN",
        OciErrorCode.SizeInvalid => "SIZE_INVALID",
        OciErrorCode.Unauthorized => "UNAUTHORIZED",
        OciErrorCode.Denied => "DENIED",
        OciErrorCode.Unsupported => "UNSUPPORTED",
        OciErrorCode.TooManyRequests => "TOOMANYREQUESTS",
        OciErrorCode.RangeInvalid => "RANGE_INVALID",
        OciErrorCode.Unavailable => "UNAVAILABLE",
        _ => "UNKNOWN",
    };

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("errors");
            writer.WriteStartObject();
            writer.WriteString("code", CodeName(Code));
            writer.WriteString("message", Message);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static OciError NameInvalid(string name) => new(400, OciErrorCode.NameInvalid, $"invalid repository name '{Shorten(name)}'");

    public static OciError DigestInvalid(string value) => Digest.IsUnsupportedAlgorithm(value)
        ? new(400, OciErrorCode.Unsupported, $"digest algorithm of '{Shorten(value)}' is not supported (sha256, sha512)")
        : new(400, OciErrorCode.DigestInvalid, $"invalid digest '{Shorten(value)}'");

    public static OciError ManifestUnknown(string reference) => new(404, OciErrorCode.ManifestUnknown, $"manifest unknown: {Shorten(reference)}");

    public static OciError BlobUnknown(Digest digest) => new(404, OciErrorCode.BlobUnknown, $"blob unknown: {digest}");

    public static OciError Unavailable(string message) => new(503, OciErrorCode.Unavailable, message);

    /// <summary>A client-supplied value shortened for an error message, so a huge header cannot make a huge response.</summary>
    public static string Shorten(string value, int max = 100) => value.Length > max ? value[..max] + "…" : value;
}
