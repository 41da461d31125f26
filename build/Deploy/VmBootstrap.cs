using System.Text.Json;
using System.Text.Json.Nodes;
using Mlstack.Build.Core;
using Mlstack.Build.Remote;

namespace Mlstack.Build.Deploy;

/// <summary>One line of Bootstrap's report: what it looked at, what it found, and what it did ("unchanged" when
/// nothing).</summary>
public sealed record BootstrapStep(string What, string Found, string Done)
{
    public bool Changed => Done != Unchanged;
    public const string Unchanged = "unchanged";
}

/// <summary>Readies a Debian or Ubuntu VM for Deploy, as root: Docker Engine and a Compose CLI from the distribution's
/// packages when missing, json-file log rotation defaults in daemon.json (merged, never clobbered), the engine
/// running (systemd when it is the init, else a detached dockerd), the deploy path owner-only. Each step looks
/// first and changes only what is missing, so a second run changes nothing.</summary>
public sealed class VmBootstrap(IRemoteShell vm, string deployPath, BuildLog log)
{
    private const string DaemonJson = "/etc/docker/daemon.json";
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Install = TimeSpan.FromMinutes(15);
    private readonly string _path = ReleaseStore.CheckDeployPath(deployPath);

    public async Task<IReadOnlyList<BootstrapStep>> RunAsync(CancellationToken ct)
    {
        var steps = new List<BootstrapStep> { await SystemAsync(ct).ConfigureAwait(false) };
        steps.Add(await DockerAsync(ct).ConfigureAwait(false));
        steps.Add(await ComposeAsync(ct).ConfigureAwait(false));
        var logDefaults = await LogDefaultsAsync(ct).ConfigureAwait(false);
        steps.Add(logDefaults);
        steps.Add(await EngineAsync(logDefaults.Changed, ct).ConfigureAwait(false));
        steps.Add(await DeployPathAsync(ct).ConfigureAwait(false));
        return steps;
    }

    private async Task<BootstrapStep> SystemAsync(CancellationToken ct)
    {
        var release = (await RunAsync("cat /etc/os-release; echo \"UID=$(id -u)\"", Quick, ct).ConfigureAwait(false)).Output.Split('\n')
            .Where(l => l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('"'), StringComparer.Ordinal);
        var name = release.GetValueOrDefault("PRETTY_NAME") ?? release.GetValueOrDefault("ID") ?? "an unknown system";
        var family = $"{release.GetValueOrDefault("ID")} {release.GetValueOrDefault("ID_LIKE")}";
        if (!family.Contains("debian", StringComparison.Ordinal) && !family.Contains("ubuntu", StringComparison.Ordinal))
            throw new BuildInputException($"{vm.Target.Host} runs {name}: Bootstrap installs with apt on Debian and Ubuntu only; install Docker Engine and Compose there yourself, then Deploy.");
        if (release.GetValueOrDefault("UID") != "0")
            throw new BuildInputException($"Bootstrap needs root on {vm.Target.Host} (it installs packages and writes {DaemonJson}): give --host root@{vm.Target.Host}.");
        return new("system", name, BootstrapStep.Unchanged);
    }

    private async Task<BootstrapStep> DockerAsync(CancellationToken ct)
    {
        var found = await RunAsync("command -v dockerd >/dev/null && dockerd --version || true", Quick, ct).ConfigureAwait(false);
        if (found.Output.Trim().Length > 0)
            return new("Docker Engine", found.Output.Trim(), BootstrapStep.Unchanged);
        await AptInstallAsync("docker.io", ct).ConfigureAwait(false);
        return new("Docker Engine", "missing", "installed docker.io");
    }

    private async Task<BootstrapStep> ComposeAsync(CancellationToken ct)
    {
        if (await RemoteCompose.TryFindAsync(vm, ct).ConfigureAwait(false) is { } cli)
            return new("Compose", $"{cli.File} {string.Join(' ', cli.Prefix)} {cli.Version}".Replace("  ", " ", StringComparison.Ordinal), BootstrapStep.Unchanged);
        // Newer Debian and Ubuntu package the v2 plugin; Debian 12 has only v1 (which the build drives as well).
        var v2 = (await RunAsync("apt-cache show docker-compose-v2 >/dev/null 2>&1 && echo yes || echo no", Quick, ct).ConfigureAwait(false)).Output.Trim() == "yes";
        var package = v2 ? "docker-compose-v2" : "docker-compose";
        await AptInstallAsync(package, ct).ConfigureAwait(false);
        return new("Compose", "missing", $"installed {package}");
    }

    /// <summary>json-file with max-size 10m and max-file 3, as the stack's services set for themselves: containers
    /// started any other way cannot fill the VM's disk with logs. A log driver the owner chose is left alone.</summary>
    private async Task<BootstrapStep> LogDefaultsAsync(CancellationToken ct)
    {
        var text = (await RunAsync($"cat {DaemonJson} 2>/dev/null || true", Quick, ct).ConfigureAwait(false)).Output;
        JsonObject config;
        try
        {
            config = text.Trim().Length == 0 ? [] : JsonNode.Parse(text)?.AsObject() ?? [];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new BuildInputException($"{DaemonJson} on {vm.Target.Host} is not a JSON object ({e.Message.Split('\n')[0]}); fix it by hand, Bootstrap never overwrites it.");
        }

        var driver = config["log-driver"]?.GetValue<string>();
        if (driver is not null and not "json-file")
            return new("log defaults", $"log-driver {driver}", BootstrapStep.Unchanged);
        var options = config["log-opts"] as JsonObject ?? [];
        var missing = new[] { ("max-size", "10m"), ("max-file", "3") }.Where(o => options[o.Item1] == null).ToList();
        if (driver != null && missing.Count == 0)
            return new("log defaults", $"json-file, max-size {options["max-size"]}, max-file {options["max-file"]}", BootstrapStep.Unchanged);
        config["log-driver"] = "json-file";
        foreach (var (key, value) in missing)
            options[key] = value;
        config["log-opts"] = options.DeepClone();
        var json = config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        await RunAsync($"mkdir -p /etc/docker && cat > {DaemonJson}.tmp <<'MLSTACK_JSON'\n{json}\nMLSTACK_JSON\nmv {DaemonJson}.tmp {DaemonJson}", Quick, ct).ConfigureAwait(false);
        return new("log defaults", text.Trim().Length == 0 ? $"no {DaemonJson}" : "no rotation", "json-file, max-size 10m, max-file 3");
    }

    /// <summary>A running engine is never restarted here: that would stop the stack it runs. New log defaults then
    /// wait for the owner's restart, and the report says so.</summary>
    private async Task<BootstrapStep> EngineAsync(bool configChanged, CancellationToken ct)
    {
        if (await ServerVersionAsync(ct).ConfigureAwait(false) is { } running)
            return new("engine", $"running, {running}", configChanged
                ? "left running: the log defaults apply after its next restart (when no deploy runs: systemctl restart docker), to containers created then"
                : BootstrapStep.Unchanged);
        var systemd = (await RunAsync("[ -d /run/systemd/system ] && echo yes || echo no", Quick, ct).ConfigureAwait(false)).Output.Trim() == "yes";
        log.Info($"Bootstrap: starting the Docker Engine on {vm.Target.Host} ({(systemd ? "systemctl enable --now docker" : "dockerd, detached: no init system")})");
        // setsid: its own session, so it outlives this SSH command (whose process group is stopped when it ends).
        await RunAsync(systemd ? "systemctl enable --now docker"
            : "setsid dockerd --pidfile /var/run/docker.pid >>/var/log/dockerd.log 2>&1 </dev/null & sleep 1", Quick, ct).ConfigureAwait(false);
        for (var waited = 0; waited < 60; waited++)
        {
            if (await ServerVersionAsync(ct).ConfigureAwait(false) is { } started)
                return new("engine", "stopped", $"started ({started}){(systemd ? ", enabled at boot" : "; /var/log/dockerd.log")}");
            await Task.Delay(1000, ct).ConfigureAwait(false);
        }

        throw new CommandFailedException($"The Docker Engine on {vm.Target.Host} did not answer within 60 s of starting; read /var/log/dockerd.log there.", null);
    }

    private async Task<string?> ServerVersionAsync(CancellationToken ct)
    {
        var version = await vm.RunAsync("docker version --format '{{.Server.Version}}' 2>/dev/null", Quick, ct).ConfigureAwait(false);
        return version.ExitCode == 0 && version.Output.Trim().Length > 0 ? $"Docker {version.Output.Trim()}" : null;
    }

    private async Task<BootstrapStep> DeployPathAsync(CancellationToken ct)
    {
        var mode = (await RunAsync($"stat -c %a '{_path}' 2>/dev/null || echo missing", Quick, ct).ConfigureAwait(false)).Output.Trim();
        if (mode == "700")
            return new("deploy path", $"{_path}, 0700", BootstrapStep.Unchanged);
        await RunAsync($"mkdir -p '{_path}' && chmod 700 '{_path}'", Quick, ct).ConfigureAwait(false);
        return new("deploy path", mode == "missing" ? "missing" : $"{_path}, 0{mode}", mode == "missing" ? $"created {_path}, 0700" : "set to 0700");
    }

    private async Task AptInstallAsync(string package, CancellationToken ct)
    {
        log.Info($"Bootstrap: apt-get install {package} on {vm.Target.Host} (minutes on a fresh VM)");
        await RunAsync($"export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends {package}", Install, ct).ConfigureAwait(false);
    }

    private async Task<RemoteCommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken ct) =>
        (await vm.RunAsync(command, timeout, ct).ConfigureAwait(false)).EnsureSuccess();
}
