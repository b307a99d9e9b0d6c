using System.Text.Json;

namespace Mirror.Tests.Oci;

public sealed class OciErrorTests
{
    [Fact]
    public void ToJson_Error_WritesErrorsArray()
    {
        var error = new OciError(404, OciErrorCode.ManifestUnknown, "manifest unknown: \"latest\" <x> 'y'");

        using var json = JsonDocument.Parse(error.ToJson());

        var root = json.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var only = Assert.Single(root.EnumerateObject());
        Assert.Equal("errors", only.Name);
        var entry = Assert.Single(only.Value.EnumerateArray());
        Assert.Equal("MANIFEST_UNKNOWN", entry.GetProperty("code").GetString());
        Assert.Equal("manifest unknown: \"latest\" <x> 'y'", entry.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(OciErrorCode.BlobUnknown, "BLOB_UNKNOWN")]
    [InlineData(OciErrorCode.BlobUploadInvalid, "BLOB_UPLOAD_INVALID")]
    [InlineData(OciErrorCode.BlobUploadUnknown, "BLOB_UPLOAD_UNKNOWN")]
    [InlineData(OciErrorCode.DigestInvalid, "DIGEST_INVALID")]
    [InlineData(OciErrorCode.ManifestBlobUnknown, "MANIFEST_BLOB_UNKNOWN")]
    [InlineData(OciErrorCode.ManifestInvalid, "MANIFEST_INVALID")]
    [InlineData(OciErrorCode.ManifestUnknown, "MANIFEST_UNKNOWN")]
    [InlineData(OciErrorCode.NameInvalid, "NAME_INVALID")]
    [InlineData(OciErrorCode.NameUnknown, "NAME_UNKNOWN")]
    [InlineData(OciErrorCode.SizeInvalid, "SIZE_INVALID")]
    [InlineData(OciErrorCode.Unauthorized, "UNAUTHORIZED")]
    [InlineData(OciErrorCode.Denied, "DENIED")]
    [InlineData(OciErrorCode.Unsupported, "UNSUPPORTED")]
    [InlineData(OciErrorCode.TooManyRequests, "TOOMANYREQUESTS")]
    [InlineData(OciErrorCode.RangeInvalid, "RANGE_INVALID")]
    [InlineData(OciErrorCode.Unavailable, "UNAVAILABLE")]
    [InlineData(OciErrorCode.Unknown, "UNKNOWN")]
    public void CodeName_EveryCode_SpecName(OciErrorCode code, string expected)
    {
        Assert.Equal(expected, OciError.CodeName(code));
    }

    [Fact]
    public void DigestInvalid_UnsupportedAlgorithm_Unsupported()
    {
        var error = OciError.DigestInvalid("md5:abc");

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(OciErrorCode.Unsupported, error.Code);
        using var json = JsonDocument.Parse(error.ToJson());
        Assert.Equal("UNSUPPORTED", json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("sha256:abc")]
    [InlineData("nonsense")]
    [InlineData("")]
    public void DigestInvalid_BadDigest_DigestInvalid(string value)
    {
        var error = OciError.DigestInvalid(value);

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(OciErrorCode.DigestInvalid, error.Code);
    }

    [Fact]
    public void NameInvalid_LongName_MessageTruncated()
    {
        var error = OciError.NameInvalid(new string('x', 10_000));

        Assert.Equal(OciErrorCode.NameInvalid, error.Code);
        Assert.True(error.Message.Length < 400, $"message is {error.Message.Length} characters");
    }

    [Fact]
    public void BlobUnknown_Digest_NamesDigest()
    {
        var digest = Digest.Compute([1, 2, 3]);

        var error = OciError.BlobUnknown(digest);

        Assert.Equal(404, error.StatusCode);
        Assert.Contains(digest.ToString(), error.Message, StringComparison.Ordinal);
    }
}
