using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mlstack.Build.Core;
using Mlstack.Build.Tooling;

namespace Mlstack.Build.Remote;

/// <summary>Debian's <c>docker-registry</c> on this machine's loopback, for one shipment: storage in a temp folder,
/// a free port, stopped by its own pid and deleted on dispose. A loopback registry needs no TLS: both engines treat
/// <c>localhost:PORT</c> as a trusted insecure registry.</summary>
internal sealed class LocalRegistry : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly Queue<string> _lastLines = new();

    private readonly StoreLock? _storeLock;

    private LocalRegistry(Process process, string directory, int port, StoreLock? storeLock)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _storeLock = storeLock;
    }

    public int Port { get; }

    /// <summary>The registry's name in image references, on both machines (the VM reaches it through a forward).</summary>
    public string Host => $"localhost:{Port.ToString(CultureInfo.InvariantCulture)}";

    public Uri BaseAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <param name="storage">Where blobs are kept; a folder that outlives this registry lets the next push skip
    /// every layer already pushed once (null: a temp folder, deleted on dispose).</param>
    public static async Task<LocalRegistry> StartAsync(string? storage, BuildLog log, CancellationToken ct)
    {
        await RegistryTool.EnsureAsync(log, ct).ConfigureAwait(false);
        if (storage != null)
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(storage).TrimEnd('/'))!); // where its lock file goes
        var storeLock = storage == null ? null : await StoreLock.AcquireAsync(storage, log, ct).ConfigureAwait(false);
        try
        {
            if (storage != null)
                RegistryCache.Prepare(storage, log);
            return await StartHoldingAsync(storage, storeLock, ct).ConfigureAwait(false);
        }
        catch
        {
            storeLock?.Dispose(); // whatever failed, the next shipment must not wait for it
            throw;
        }
    }

    /// <summary>The registry itself, once the store is ours; it releases the store's lock when disposed.</summary>
    private static async Task<LocalRegistry> StartHoldingAsync(string? storage, StoreLock? storeLock, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("mlstack-registry-").FullName;
        var port = FreePort();
        var config = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {storage ?? Path.Combine(directory, "data")}
            http:
              addr: 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}
            """, ct).ConfigureAwait(false);
        var start = new ProcessStartInfo(ToolRunner.Resolve(RegistryTool.Package), ["serve", config]) // where RegistryTool found it
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Directory.Delete(directory, recursive: true);
            throw RegistryTool.NotInstalled(e); // found a moment ago yet not startable: the same one line
        }

        var registry = new LocalRegistry(process, directory, port, storeLock);
        process.OutputDataReceived += (_, e) => registry.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => registry.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await registry.WaitUntilAnswersAsync(ct).ConfigureAwait(false);
            return registry;
        }
        catch
        {
            registry.Dispose();
            throw;
        }
    }

    private async Task WaitUntilAnswersAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var answer = await http.GetAsync(new Uri("v2/", UriKind.Relative), ct).ConfigureAwait(false);
                if (answer.IsSuccessStatusCode)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet.
            }

            if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(20))
                throw new ToolFailedException("docker-registry", $"docker-registry did not start on 127.0.0.1:{Port}: {LastLines()}", _process.HasExited ? _process.ExitCode : null, KeptLines());
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private void Keep(string? line)
    {
        if (line == null)
            return;
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 5)
                _lastLines.Dequeue();
        }
    }

    private string LastLines()
    {
        lock (_lastLines)
            return _lastLines.Count == 0 ? "no output" : string.Join(" | ", _lastLines);
    }

    private List<string> KeptLines()
    {
        lock (_lastLines)
            return [.. _lastLines];
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
        _storeLock?.Dispose();
    }
}
