using System.Collections;
using System.Reflection;
using System.Text.Json;

namespace Mirror.Tests.Configuration;

/// <summary>appsettings.schema.json describes exactly the options classes: every key, no extra ones, same defaults.</summary>
public sealed class SchemaTests
{
    [Fact]
    public void Schema_MatchesOptionsClasses_KeysAndDefaults()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("appsettings.schema.json")));
        var mirror = schema.RootElement.GetProperty("properties").GetProperty(MirrorOptions.SectionName);
        var problems = new List<string>();

        Compare(typeof(MirrorOptions), new MirrorOptions(), mirror, "Mirror", problems);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static void Compare(Type type, object instance, JsonElement node, string path, List<string> problems)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToDictionary(p => p.Name);
        var described = node.GetProperty("properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        problems.AddRange(properties.Keys.Except(described.Keys).Select(k => $"{path}:{k} is an option the schema does not describe"));
        problems.AddRange(described.Keys.Except(properties.Keys).Select(k => $"{path}:{k} is in the schema but no option binds it"));

        foreach (var (name, property) in properties)
        {
            if (!described.TryGetValue(name, out var child))
            {
                continue;
            }

            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var value = property.GetValue(instance);
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(List<>))
            {
                var item = propertyType.GetGenericArguments()[0];
                if (item != typeof(string))
                {
                    Compare(item, Activator.CreateInstance(item)!, child.GetProperty("items"), $"{path}:{name}:<i>", problems);
                }
            }
            else if (propertyType.IsClass && propertyType != typeof(string))
            {
                Compare(propertyType, value ?? Activator.CreateInstance(propertyType)!, child, $"{path}:{name}", problems);
            }
            else if (child.TryGetProperty("default", out var documented) && !SameDefault(value, documented))
            {
                problems.Add($"{path}:{name} defaults to {value} but the schema says {documented}");
            }
        }
    }

    private static bool SameDefault(object? actual, JsonElement documented) => actual switch
    {
        TimeSpan t => ShortDuration.TryParse(documented.GetString(), out var d) && d == t,
        ByteSize b => documented.ValueKind == JsonValueKind.Number ? documented.GetInt64() == b.Bytes : ByteSize.Parse(documented.GetString()!) == b.Bytes,
        bool b => documented.GetBoolean() == b,
        int i => documented.GetInt32() == i,
        long l => documented.GetInt64() == l,
        double d => Math.Abs(documented.GetDouble() - d) < 1e-9,
        string s => documented.GetString() == s,
        IEnumerable => true,
        _ => false,
    };
}
