namespace Mirror.Server.Audit;

/// <summary>
/// One structured line per security-relevant act — a login failure, a denial, a push, a delete, an admin call — with
/// who, from where, what and the result, under the category <c>Mirror.Audit</c> (ship or route it on its own). Never
/// a credential.
/// </summary>
internal sealed partial class AuditLog(ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("Mirror.Audit");

    public void LoginFailed(HttpContext context, string reason) => Log.LoginFailed(_logger, Address(context), context.Request.Method, context.Request.Path, reason);

    public void Denied(HttpContext context, string user, string action, string target, string reason) =>
        Log.Denied(_logger, user, Address(context), action, target, reason);

    public void PolicyDenied(HttpContext context, string user, string target, Mirror.Policy.PolicyDenial denial) =>
        Log.PolicyDenied(_logger, user, Address(context), target, denial.Policy, denial.Target, denial.Reason);

    public void Wrote(HttpContext context, string user, string action, string target) =>
        Log.Wrote(_logger, user, Address(context), action, target, context.Response.StatusCode);

    public void Admin(HttpContext context, int status) =>
        Log.Admin(_logger, Address(context), context.Request.Method, context.Request.Path, status);

    private static string Address(HttpContext context) => Registry.RegistryHandler.ClientOf(context);

    private static partial class Log
    {
        [LoggerMessage(8001, LogLevel.Warning, "audit login-failed from {Address}: {Method} {Path}: {Reason}")]
        public static partial void LoginFailed(ILogger logger, string address, string method, string path, string reason);

        [LoggerMessage(8002, LogLevel.Warning, "audit denied {User} from {Address}: {Action} {Target}: {Reason}")]
        public static partial void Denied(ILogger logger, string user, string address, string action, string target, string reason);

        [LoggerMessage(8005, LogLevel.Warning, "audit policy-denied {User} from {Address}: pull {Target}: {Policy} refused {Refused} ({Reason})")]
        public static partial void PolicyDenied(ILogger logger, string user, string address, string target, string policy, string refused, string reason);

        [LoggerMessage(8003, LogLevel.Information, "audit {Action} by {User} from {Address}: {Target} answered {Status}")]
        public static partial void Wrote(ILogger logger, string user, string address, string action, string target, int status);

        [LoggerMessage(8004, LogLevel.Information, "audit admin from {Address}: {Method} {Path} answered {Status}")]
        public static partial void Admin(ILogger logger, string address, string method, string path, int status);
    }
}
