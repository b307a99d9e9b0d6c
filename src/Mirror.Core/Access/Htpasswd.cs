using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Mirror.Access;

/// <summary>
/// <c>user:hash</c> lines with bcrypt hashes (<c>$2y$</c>, <c>$2a$</c>, <c>$2b$</c>: what <c>htpasswd -B</c> writes and
/// distribution's htpasswd auth accepts). Other hash kinds are ignored (and so never match): MD5/SHA1 htpasswd
/// hashes are too weak to accept.
/// </summary>
/// <remarks>
/// bcrypt costs tens of milliseconds by design; a registry client sends its credentials on every request, so a
/// successful check is remembered for a minute under a keyed hash of the user and password (never the password),
/// and forgotten when the file changes.
/// </remarks>
internal sealed class Htpasswd
{
    private static readonly TimeSpan Remember = TimeSpan.FromMinutes(1);
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    private readonly WatchedFile<Dictionary<string, string>> _file;
    private readonly ConcurrentDictionary<string, (Dictionary<string, string> File, long At)> _verified = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public Htpasswd(string path, TimeProvider time)
    {
        _time = time;
        _file = new WatchedFile<Dictionary<string, string>>(path, Parse, time);
    }

    /// <summary>Whether <paramref name="user"/> has <paramref name="password"/>; false for unknown users too (same cost).</summary>
    public bool Verify(string user, string password)
    {
        var entries = _file.Value;
        if (entries is null)
        {
            return false;
        }

        var key = Convert.ToHexString(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(user + "\0" + password)));
        if (_verified.TryGetValue(key, out var known) && ReferenceEquals(known.File, entries) && _time.GetElapsedTime(known.At) < Remember)
        {
            return true;
        }

        // An unknown user is checked against a dummy hash: answering faster would tell which users exist.
        var ok = BCrypt.Net.BCrypt.Verify(password, entries.GetValueOrDefault(user) ?? DummyHash) && entries.ContainsKey(user);
        if (ok)
        {
            if (_verified.Count > 10_000)
            {
                _verified.Clear();
            }

            _verified[key] = (entries, _time.GetTimestamp());
        }

        return ok;
    }

    /// <summary>Reads the file once (for the configuration check): null when it is fine, else why not.</summary>
    public static string? Check(string path)
    {
        try
        {
            var entries = Parse(File.ReadAllLines(path));
            return entries.Count == 0 ? $"'{path}' has no bcrypt entries (write them with htpasswd -B)" : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"'{path}' cannot be read: {ex.Message}";
        }
    }

    private static Dictionary<string, string> Parse(string[] lines)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var hash = line[(colon + 1)..].Trim();
            if (hash.StartsWith("$2y$", StringComparison.Ordinal) || hash.StartsWith("$2a$", StringComparison.Ordinal) || hash.StartsWith("$2b$", StringComparison.Ordinal))
            {
                entries[line[..colon].Trim()] = hash;
            }
        }

        return entries;
    }

    private static readonly string DummyHash = BCrypt.Net.BCrypt.HashPassword("not a password", workFactor: 10);
}
