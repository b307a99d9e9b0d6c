using Mirror.Oci;

namespace Mirror.Server.Registry;

/// <summary>Writes OCI error JSON. Every error the mirror itself produces goes through here.</summary>
internal static class OciErrorWriter
{
    public static Task WriteAsync(HttpContext context, OciError error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Too late for a status: the only honest signal left is a broken connection.
            context.Abort();
            return Task.CompletedTask;
        }

        response.StatusCode = error.StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        if (error.Code == OciErrorCode.TooManyRequests && !response.Headers.ContainsKey("Retry-After"))
        {
            response.Headers.RetryAfter = "10";
        }

        var body = error.ToJson();
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
