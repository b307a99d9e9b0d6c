using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mirror.Configuration;
using Mirror.Server.Hosting;
using Mirror.Storage;

namespace Mirror.FunctionalTests.Deploy;

/// <summary>
/// The rendered Kubernetes manifests (<c>kubectl kustomize</c>, base and example overlay) describe the program as it
/// is: the probes and the scrape path are served by a mirror started with the ConfigMap's settings, the container
/// ports are the ones it listens on (registry and metrics), the cache volume is mounted where
/// <c>Mirror:Cache:Directory</c> points, and the ConfigMap passes the same configuration check the mirror runs at start.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    public static TheoryData<string> Folders => new() { "deploy/kubernetes", "deploy/kubernetes/overlays/example" };

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Render_ConfigMapSettings_PassTheMirrorsConfigurationCheck(string folder)
    {
        var deployment = await RenderAsync(folder);

        var errors = ValidationErrors(deployment.Configuration());

        Assert.True(errors.Count == 0, $"{folder}: the mirror would refuse to start:\n  " + string.Join("\n  ", errors));
    }

    [Fact]
    public async Task ConfigurationCheck_ConfigMapWithAnOptionTheMirrorLacks_Reported()
    {
        // The check above is only worth something if it fails: a key the program does not know must be refused,
        // exactly as the mirror refuses it at start.
        var deployment = await RenderAsync("deploy/kubernetes");

        var errors = ValidationErrors(deployment.Configuration("""{ "Mirror": { "Federation": { "Peers": "elsewhere" } } }"""));

        Assert.Contains(errors, e => e.Contains("Mirror:Federation is not a Mirror option", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Render_ClusterPeersDns_IsTheHeadlessGoverningServiceOnTheRegistryPort(string folder)
    {
        var deployment = await RenderAsync(folder);
        var configuration = deployment.Configuration();
        var peers = deployment.All("Service").Single(s => Name(s) == (string)deployment.StatefulSet["spec"]!["serviceName"]!);
        var env = deployment.Container["env"]!.AsArray();

        // Short name: the pod's resolv.conf search path finds the Service in its own namespace, whatever the prefix.
        Assert.Equal(Name(peers), configuration["Mirror:Cluster:PeersDns"]);
        Assert.Equal("None", (string)peers["spec"]!["clusterIP"]!);
        Assert.True((bool)peers["spec"]!["publishNotReadyAddresses"]!);
        Assert.Equal(new Uri(configuration["Urls"]!).Port, int.Parse(configuration["Mirror:Cluster:PeerPort"]!, CultureInfo.InvariantCulture));
        Assert.Contains(env, v => (string)v!["name"]! == "POD_IP" && (string?)v["valueFrom"]?["fieldRef"]?["fieldPath"] == "status.podIP");
        Assert.Contains(env, v => (string)v!["name"]! == "Mirror__Cluster__Secret" && v["valueFrom"]?["secretKeyRef"] is not null);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Render_ProbesPortAndMetricsPath_ServedByTheMirrorTheyDescribe(string folder)
    {
        var deployment = await RenderAsync(folder);
        var configuration = deployment.Configuration();
        var container = deployment.Container;
        var listen = new Uri(configuration["Urls"] ?? throw new InvalidOperationException("no Urls in the container's configuration"));
        var ports = container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (int)p!["containerPort"]!);

        Assert.Equal("0.0.0.0", listen.Host);
        Assert.Equal(listen.Port, ports["http"]);
        // Prometheus is not on loopback: it must scrape the metrics port, where /metrics needs no admin token.
        Assert.Equal(int.Parse(configuration["Mirror:Metrics:Port"] ?? "0", CultureInfo.InvariantCulture), ports["metrics"]);
        var settings = configuration.AsEnumerable()
            .Where(kv => kv.Key.StartsWith(MirrorOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase) && kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        var metricsPort = FreePort();
        settings["Mirror:Metrics:Port"] = metricsPort.ToString(CultureInfo.InvariantCulture);
        await using var mirror = await MirrorServer.StartAsync(settings);
        using var client = mirror.CreateClient();
        var paths = new List<string>();
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            var get = container[probe]?["httpGet"] ?? throw new InvalidOperationException($"{folder}: the container has no {probe}.httpGet");
            Assert.Equal(listen.Port, ResolvePort(get["port"]!, ports));
            paths.Add((string)get["path"]!);
        }

        Assert.Equal("/readyz", (string)container["readinessProbe"]!["httpGet"]!["path"]!);
        Assert.Equal("/healthz", (string)container["livenessProbe"]!["httpGet"]!["path"]!);
        foreach (var path in paths)
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{folder}: GET {path} answered {(int)response.StatusCode}");
        }

        var endpoint = Assert.Single(deployment.Single("ServiceMonitor")["spec"]!["endpoints"]!.AsArray())!;
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        using var scrape = await metrics.GetAsync((string)endpoint["path"]!);
        Assert.True(scrape.StatusCode == HttpStatusCode.OK, $"{folder}: the metrics port answered {(int)scrape.StatusCode} to the ServiceMonitor's path");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Render_CacheClaim_MountedAtMirrorCacheDirectory(string folder)
    {
        var deployment = await RenderAsync(folder);
        var claim = Assert.Single(deployment.StatefulSet["spec"]!["volumeClaimTemplates"]!.AsArray())!;
        var claimName = (string)claim["metadata"]!["name"]!;
        var mount = deployment.Container["volumeMounts"]!.AsArray().Single(m => (string)m!["name"]! == claimName)!;

        Assert.Equal((string)mount["mountPath"]!, deployment.Configuration()["Mirror:Cache:Directory"]);
        Assert.NotEqual(true, (bool?)mount["readOnly"]);
        Assert.Equal("ReadWriteOnce", (string)Assert.Single(claim["spec"]!["accessModes"]!.AsArray())!);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Render_Pod_RestrictedAndSizedFromMeasurements(string folder)
    {
        var deployment = await RenderAsync(folder);
        var pod = deployment.StatefulSet["spec"]!["template"]!["spec"]!;
        var container = deployment.Container;
        var security = container["securityContext"]!;

        Assert.True((bool)pod["securityContext"]!["runAsNonRoot"]!);
        Assert.Equal("RuntimeDefault", (string)pod["securityContext"]!["seccompProfile"]!["type"]!);
        Assert.True((bool)security["readOnlyRootFilesystem"]!);
        Assert.False((bool)security["allowPrivilegeEscalation"]!);
        Assert.Equal("ALL", (string)Assert.Single(security["capabilities"]!["drop"]!.AsArray())!);
        // A read-only root still needs a writable /tmp for the runtime's diagnostics socket.
        Assert.Contains(container["volumeMounts"]!.AsArray(), m => (string)m!["mountPath"]! == "/tmp");
        // Measured: 147 MB idle, 238 MB at the highest peak (docs/benchmarks.md); the limit must leave headroom.
        var resources = container["resources"]!;
        Assert.NotNull(resources["requests"]?["cpu"]);
        Assert.True(Bytes(resources["requests"]!["memory"]!) >= 147_000_000, "memory request below the measured idle RSS");
        Assert.True(Bytes(resources["limits"]!["memory"]!) >= 2 * 238_000_000L, "memory limit without headroom over the measured peak");
        // The host's shutdown may take its 30 s default plus the index checkpoint's budget: no SIGKILL before.
        Assert.True((int)pod["terminationGracePeriodSeconds"]! > 30 + DiskTierJanitor.ShutdownCheckpointBudget.TotalSeconds);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Render_ServicesBudgetAndMonitor_SelectTheMirrorPods(string folder)
    {
        var deployment = await RenderAsync(folder);
        var podLabels = deployment.StatefulSet["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var services = deployment.All("Service").ToList();
        var ports = deployment.Container["ports"]!.AsArray().Select(p => (string)p!["name"]!).ToHashSet();

        foreach (var service in services)
        {
            Assert.True(Selects(service["spec"]!["selector"]!.AsObject(), podLabels), $"Service {Name(service)} selects no mirror pod");
            Assert.All(service["spec"]!["ports"]!.AsArray(), p => Assert.Contains((string)p!["targetPort"]!, ports));
        }

        var headless = Assert.Single(services, s => (string?)s["spec"]!["clusterIP"] == "None");
        Assert.Equal(Name(headless), (string)deployment.StatefulSet["spec"]!["serviceName"]!);
        Assert.True((bool)headless["spec"]!["publishNotReadyAddresses"]!);
        var budget = deployment.Single("PodDisruptionBudget");
        Assert.True(Selects(budget["spec"]!["selector"]!["matchLabels"]!.AsObject(), podLabels));

        // The ServiceMonitor scrapes one Service (not also the headless one: every pod twice) on the metrics
        // container port, as job "mirror", on the path and interval of deploy/prometheus/prometheus.yml; the
        // registry Service, which clients and a load balancer see, carries no metrics port.
        var monitor = deployment.Single("ServiceMonitor")["spec"]!;
        var scraped = Assert.Single(services, s => Selects(monitor["selector"]!["matchLabels"]!.AsObject(), s["metadata"]!["labels"]!.AsObject()));
        Assert.NotSame(headless, scraped);
        Assert.All(scraped["spec"]!["ports"]!.AsArray(), p => Assert.Equal("metrics", (string)p!["targetPort"]!));
        var registry = Assert.Single(services, s => (string?)s["metadata"]!["labels"]!["app.kubernetes.io/component"] == "registry");
        Assert.All(registry["spec"]!["ports"]!.AsArray(), p => Assert.Equal("http", (string)p!["targetPort"]!));
        var scrapeConfig = YamlJson.Parse(await File.ReadAllTextAsync(Path.Combine(Root, "deploy", "prometheus", "prometheus.yml")))!;
        var job = scrapeConfig["scrape_configs"]!.AsArray().Single()!;
        Assert.Equal((string)job["job_name"]!, (string?)scraped["metadata"]!["labels"]![(string)monitor["jobLabel"]!]);
        var endpoint = Assert.Single(monitor["endpoints"]!.AsArray())!;
        Assert.Contains((string)endpoint["port"]!, scraped["spec"]!["ports"]!.AsArray().Select(p => (string)p!["name"]!));
        Assert.Equal((string)job["metrics_path"]!, (string)endpoint["path"]!);
        Assert.Equal((string)scrapeConfig["global"]!["scrape_interval"]!, (string)endpoint["interval"]!);
    }

    [Fact]
    public async Task Render_PrometheusRule_IsMirrorAlertsYml()
    {
        var deployment = await RenderAsync("deploy/kubernetes");
        var rules = YamlJson.Parse(await File.ReadAllTextAsync(Path.Combine(Root, "deploy", "prometheus", "mirror-alerts.yml")));

        Assert.True(
            JsonNode.DeepEquals(rules, deployment.Single("PrometheusRule")["spec"]),
            "deploy/kubernetes/base/prometheusrule.yaml differs from deploy/prometheus/mirror-alerts.yml: regenerate it with the command in its header.");
    }

    [Fact]
    public async Task Dockerfile_UserAndEnvironment_MatchTheStatefulSet()
    {
        var deployment = await RenderAsync("deploy/kubernetes");
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(Root, "deploy", "Dockerfile"));
        var uid = int.Parse(ArgDefault().Match(dockerfile).Groups[1].Value, CultureInfo.InvariantCulture);
        var pod = deployment.StatefulSet["spec"]!["template"]!["spec"]!["securityContext"]!;
        var image = ImageEnvironment(dockerfile);

        Assert.Equal(uid, (int)pod["runAsUser"]!);
        Assert.Equal(uid, (int)pod["fsGroup"]!);
        Assert.Equal(new Uri(image["Urls"]).Port, int.Parse(Expose().Match(dockerfile).Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(image["Urls"], deployment.Environment["Urls"]);
        Assert.Equal(image["Mirror__Cache__Directory"], deployment.Environment["Mirror__Cache__Directory"]);
    }

    private static string Root { get; } = RepositoryRoot.Path;

    private static async Task<RenderedDeployment> RenderAsync(string folder)
    {
        var objects = await Kustomize.RenderAsync(Path.Combine(Root, folder));
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(Root, "deploy", "Dockerfile"));
        return new RenderedDeployment(objects, ImageEnvironment(dockerfile));
    }

    /// <summary>
    /// Every failure the mirror's start would list for this configuration (none when it would start): the services
    /// MirrorHost registers, so the log format is checked with the Mirror: section.
    /// </summary>
    private static List<string> ValidationErrors(IConfiguration configuration)
    {
        using var services = new ServiceCollection()
            .AddLogging(logging => logging.AddMirrorConsole(configuration))
            .AddMirror(configuration)
            .BuildServiceProvider();
        try
        {
            _ = services.GetRequiredService<IOptions<MirrorOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException invalid)
        {
            return [.. invalid.Failures];
        }
    }

    /// <summary>The ENV lines of the Dockerfile's last stage (continuation lines joined), as the container starts with them.</summary>
    private static Dictionary<string, string> ImageEnvironment(string dockerfile)
    {
        var lastStage = dockerfile[dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal)..].Replace("\\\n", " ", StringComparison.Ordinal);
        return EnvLine().Matches(lastStage)
            .SelectMany(m => EnvPair().Matches(m.Groups[1].Value))
            .ToDictionary(p => p.Groups[1].Value, p => p.Groups[2].Value);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int ResolvePort(JsonNode port, Dictionary<string, int> named) =>
        port.GetValueKind() == System.Text.Json.JsonValueKind.Number ? (int)port : named[(string)port!];

    private static bool Selects(JsonObject selector, JsonObject labels) =>
        selector.Count > 0 && selector.All(kv => (string?)labels[kv.Key] == (string?)kv.Value);

    private static string Name(JsonNode resource) => (string)resource["metadata"]!["name"]!;

    /// <summary>A Kubernetes memory quantity (<c>512Mi</c>, <c>1G</c>, plain bytes) in bytes.</summary>
    private static long Bytes(JsonNode quantity)
    {
        var match = Quantity().Match(quantity.ToString());
        Assert.True(match.Success, $"'{quantity}' is not a memory quantity");
        var unit = match.Groups[2].Value switch
        {
            "" => 1L,
            "Ki" => 1L << 10,
            "Mi" => 1L << 20,
            "Gi" => 1L << 30,
            "k" => 1_000L,
            "M" => 1_000_000L,
            "G" => 1_000_000_000L,
            var other => throw new InvalidOperationException($"unit '{other}' not handled"),
        };
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * unit;
    }

    [GeneratedRegex(@"^ARG APP_UID=(\d+)$", RegexOptions.Multiline)]
    private static partial Regex ArgDefault();

    [GeneratedRegex(@"^EXPOSE (\d+)$", RegexOptions.Multiline)]
    private static partial Regex Expose();

    [GeneratedRegex(@"^ENV (.+)$", RegexOptions.Multiline)]
    private static partial Regex EnvLine();

    [GeneratedRegex(@"(\w+)=(\S*)")]
    private static partial Regex EnvPair();

    [GeneratedRegex(@"^(\d+)([KMG]i|[kMG])?$")]
    private static partial Regex Quantity();

    /// <summary>The rendered objects, and the configuration the mirror container would start with.</summary>
    private sealed class RenderedDeployment(List<JsonObject> objects, Dictionary<string, string> imageEnvironment)
    {
        public JsonObject StatefulSet => Single("StatefulSet");

        public JsonNode Container => StatefulSet["spec"]!["template"]!["spec"]!["containers"]!.AsArray()
            .Single(c => (string)c!["name"]! == "mirror")!;

        /// <summary>The pod's environment over the image's (Kubernetes replaces an image variable the pod sets).</summary>
        public Dictionary<string, string> Environment
        {
            get
            {
                var environment = new Dictionary<string, string>(imageEnvironment);
                foreach (var variable in Container["env"]?.AsArray() ?? [])
                {
                    // A Secret's value exists only in the pod: a stand-in of a valid length takes its place.
                    environment[(string)variable!["name"]!] = (string?)variable["value"]
                        ?? (variable["valueFrom"]?["secretKeyRef"] is { } secret ? $"from-secret-{secret["name"]}-{secret["key"]}" : string.Empty);
                }

                return environment;
            }
        }

        public JsonObject Single(string kind) => Assert.Single(All(kind));

        public IEnumerable<JsonObject> All(string kind) => objects.Where(o => (string?)o["kind"] == kind);

        /// <summary>
        /// What Program.cs builds in this container: the embedded appsettings.json, the ConfigMap file MIRROR_CONFIG
        /// names (found through the volume mounted at its folder), then the environment, <c>__</c> meaning <c>:</c>.
        /// <paramref name="replacement"/> stands in for the ConfigMap's file.
        /// </summary>
        public IConfiguration Configuration(string? replacement = null)
        {
            var environment = Environment;
            var file = environment.GetValueOrDefault(MirrorConfigFile.Variable)
                ?? throw new InvalidOperationException($"the container sets no {MirrorConfigFile.Variable}: the ConfigMap would not be read");
            var builder = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(Root, "src", "Mirror.Server", "appsettings.json"))
                .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(replacement ?? ConfigMapFile(file))))
                .AddInMemoryCollection(environment
                    .Where(kv => kv.Value.Length > 0)
                    .Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)));
            return builder.Build();
        }

        private string ConfigMapFile(string path)
        {
            var folder = Path.GetDirectoryName(path)!;
            var mount = Container["volumeMounts"]!.AsArray().SingleOrDefault(m => (string)m!["mountPath"]! == folder)
                ?? throw new InvalidOperationException($"nothing is mounted at {folder}, where {MirrorConfigFile.Variable}={path} points");
            var volume = StatefulSet["spec"]!["template"]!["spec"]!["volumes"]!.AsArray()
                .Single(v => (string)v!["name"]! == (string)mount["name"]!)!;
            var configMapName = (string)volume["configMap"]!["name"]!;
            var configMap = All("ConfigMap").Single(c => Name(c) == configMapName);
            return (string?)configMap["data"]![Path.GetFileName(path)]
                ?? throw new InvalidOperationException($"ConfigMap {configMapName} has no key {Path.GetFileName(path)}");
        }
    }
}
