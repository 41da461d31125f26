using System.Diagnostics;
using Docker.DotNet.Models;
using Mlstack.Build.Remote;
using Mlstack.Build.Testing;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Remote;

/// <summary>One verified session to a real VM: commands, time limits, atomic uploads and the VM's engine API.</summary>
[Trait(TestTiers.Trait, TestTiers.System)]
[Collection(EngineTests.Name)]
public sealed class SshSessionTests(TestVm vm, ITestOutputHelper output) : IClassFixture<TestVm>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<SshSession> ConnectAsync()
    {
        vm.Require();
        output.WriteLine($"VM started in {vm.StartTime.TotalSeconds:0.0} s");
        return SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), vm.ClientKeyPath, Ct);
    }

    [Fact]
    public async Task A_command_returns_its_exit_code_stdout_and_stderr()
    {
        await using var session = await ConnectAsync();
        var result = await session.RunAsync("echo out; echo err >&2; hostname -I; exit 3", TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("out", result.Output, StringComparison.Ordinal);
        Assert.Contains(vm.Address, result.Output, StringComparison.Ordinal);
        Assert.Equal("err\n", result.Error);
        var failure = Assert.Throws<SshCommandException>(() => result.EnsureSuccess());
        Assert.Contains("exited with code 3", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>VerifyBackup's smoke checks reach a scratch frontend on the VM this way, several requests at once.</summary>
    [Fact]
    public async Task A_local_forward_carries_parallel_requests_to_an_address_on_the_vm()
    {
        await using var session = await ConnectAsync();
        var started = await session.RunAsync("cd /tmp && (nohup python3 -m http.server 18099 --bind 127.0.0.1 >/dev/null 2>&1 & echo $!)", TimeSpan.FromSeconds(10), Ct);
        var pid = started.Output.Trim();
        try
        {
            (await session.RunAsync("for i in $(seq 100); do python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 18099))' 2>/dev/null && exit 0; sleep 0.1; done; exit 1", TimeSpan.FromSeconds(30), Ct)).EnsureSuccess();
            var (forward, port) = session.ForwardLocalPort("127.0.0.1", 18099);
            using (forward)
            {
                // One connection at a time: SSH.NET's local forward lost answers when connections through it overlapped
                // ("The response ended prematurely" for most of 8 parallel requests, here, with SSH.NET 2026.0.0).
                using var http = new HttpClient(SshSession.OneConnectionAtATime()) { Timeout = TimeSpan.FromSeconds(10) };
                var clock = Stopwatch.StartNew();
                var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => http.GetAsync(new Uri($"http://127.0.0.1:{port}/"), Ct)));
                output.WriteLine($"8 parallel requests through the forward in {clock.Elapsed.TotalSeconds:0.00} s");
                Assert.All(answers, a => Assert.Equal(System.Net.HttpStatusCode.OK, a.StatusCode));
            }
        }
        finally
        {
            await session.RunAsync($"kill {pid}", TimeSpan.FromSeconds(10), CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_command_past_its_timeout_is_stopped_with_a_clear_error()
    {
        await using var session = await ConnectAsync();
        var clock = Stopwatch.StartNew();
        // A duration no other process uses: the test VM shares the machine's process table, where another test (or
        // CI itself) may run a plain "sleep 30" at the same moment.
        var sleep = $"sleep 30.{Random.Shared.Next(100_000, 999_999)}";
        var error = await Assert.ThrowsAsync<SshCommandException>(() => session.RunAsync(sleep, TimeSpan.FromSeconds(1), Ct));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Null(error.ExitCode);
        Assert.Contains("did not finish within 1 s", error.Message, StringComparison.Ordinal);
        // The session stays usable, and the stopped command is gone from the VM.
        var left = "";
        for (var i = 0; i < 50 && left != "0"; i++)
        {
            await Task.Delay(100, Ct);
            left = (await session.RunAsync($"ps -eo args | grep -c '^{sleep}$' || true", TimeSpan.FromSeconds(10), Ct)).Output.Trim();
        }

        Assert.Equal("0", left);
    }

    [Fact]
    public async Task A_key_the_vm_does_not_accept_is_one_line()
    {
        vm.Require();
        var folder = Directory.CreateTempSubdirectory("mlstack-otherkey-").FullName;
        try
        {
            var key = Path.Combine(folder, "id_ed25519");
            Assert.Equal(0, (await ChildProcess.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])).ExitCode);
            var refused = await Assert.ThrowsAsync<Mlstack.Build.Core.BuildInputException>(() =>
                SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), key, Ct));
            Assert.Contains("refused the SSH key", refused.Message, StringComparison.Ordinal);
            Assert.Contains("--ssh-key", refused.Message, StringComparison.Ordinal);

            var missing = await Assert.ThrowsAsync<Mlstack.Build.Core.BuildInputException>(() =>
                SshSession.ConnectAsync(vm.Target, HostKeyTrust.Pinned(vm.HostKeyFingerprint), Path.Combine(folder, "nope"), Ct));
            Assert.StartsWith("Parameter --ssh-key: cannot read", missing.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', missing.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_cancelled_command_is_stopped_on_the_vm()
    {
        await using var session = await ConnectAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.RunAsync("sleep 31", TimeSpan.FromMinutes(1), cancel.Token));

        var left = "";
        for (var i = 0; i < 30 && left != "0"; i++)
        {
            await Task.Delay(100, Ct);
            left = (await session.RunAsync("ps -eo args | grep -c '^sleep 31' || true", TimeSpan.FromSeconds(10), Ct)).Output.Trim();
        }

        Assert.Equal("0", left);
    }

    [Fact]
    public async Task An_upload_lands_atomically_with_its_mode()
    {
        await using var session = await ConnectAsync();
        await session.UploadAsync("old\n"u8.ToArray(), "/srv/app/releases/1/.env", UnixFileMode.UserRead | UnixFileMode.UserWrite, ct: Ct);
        await session.UploadAsync("SECRET=new\n"u8.ToArray(), "/srv/app/releases/1/.env", UnixFileMode.UserRead | UnixFileMode.UserWrite, ct: Ct);

        var seen = await session.RunAsync("stat -c '%a %s' /srv/app/releases/1/.env; stat -c %a /srv/app; ls -A /srv/app/releases/1", TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(["600 11", "700", ".env"], seen.EnsureSuccess().Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("SECRET=new\n", File.ReadAllText(Path.Combine(vm.PrivateSrv, "app", "releases", "1", ".env")));
    }

    [Fact]
    public async Task An_empty_upload_lands_at_once_as_an_empty_file()
    {
        await using var session = await ConnectAsync();
        // Before, it waited for an end of input that never came, until the time limit (an unset ALERT_WEBHOOK_URL).
        await session.UploadAsync(Array.Empty<byte>(), "/srv/empty/secret", UnixFileMode.UserRead, TimeSpan.FromSeconds(20), Ct);

        Assert.Equal("400 0", (await session.RunAsync("stat -c '%a %s' /srv/empty/secret", TimeSpan.FromSeconds(10), Ct)).EnsureSuccess().Output.Trim());
    }

    [Fact]
    public async Task A_cut_upload_leaves_the_old_file_and_no_temporary_one()
    {
        await using var session = await ConnectAsync();
        await session.UploadAsync("v1"u8.ToArray(), "/srv/cut/file", UnixFileMode.UserRead | UnixFileMode.UserWrite, ct: Ct);
        // A stream that claims more bytes than it yields: the byte count check must refuse the rename.
        await using var short_ = new ShortStream("v2-partial"u8.ToArray(), claimedLength: 1000);
        var error = await Assert.ThrowsAsync<SshCommandException>(() => session.UploadAsync(short_, "/srv/cut/file", UnixFileMode.UserRead, ct: Ct));

        Assert.Contains("received 10 of 1000 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(vm.PrivateSrv, "cut", "file")));
        Assert.Equal(["file"], Directory.GetFiles(Path.Combine(vm.PrivateSrv, "cut")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task The_vms_engine_answers_over_ssh_with_parallel_connections()
    {
        await using var session = await ConnectAsync();
        using var engine = session.OpenEngine();

        await engine.System.PingAsync(Ct);
        Assert.Empty(await engine.Images.ListImagesAsync(new ImagesListParameters(), Ct));

        // The event stream holds one connection open while requests use others.
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var events = new List<Message>();
        var stream = engine.System.MonitorEventsAsync(new ContainerEventsParameters(), new Progress<Message>(m => { lock (events) events.Add(m); }), watching.Token);
        await Task.Delay(300, Ct);
        await engine.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = "over-ssh" }, Ct);
        var info = await engine.System.GetSystemInfoAsync(Ct);
        await engine.Networks.DeleteNetworkAsync("over-ssh", Ct);
        bool Seen()
        {
            lock (events)
                return events.Any(e => e.Type == "network" && e.Action == "create");
        }

        for (var i = 0; i < 50 && !Seen(); i++)
            await Task.Delay(100, Ct);
        await watching.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream);

        Assert.Equal(0, info.Images);
        Assert.True(Seen(), "no network create event arrived on the stream");
    }
    /// <summary>sshd carries ten channels per connection and SmokeTest holds one per container at once: the bridge must
    /// spread them over more connections, and closing hundreds of them must never make sshd drop one (an EOF sent
    /// after a channel's close did: "ieof packet referred to nonexistent channel").</summary>
    [Fact]
    public async Task Many_engine_connections_at_once_and_many_closed_in_a_row_keep_the_connection()
    {
        await using var session = await ConnectAsync();
        using var engine = session.OpenEngine();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var streams = Enumerable.Range(0, 24)
            .Select(_ => engine.System.MonitorEventsAsync(new ContainerEventsParameters(), new Progress<Message>(), watching.Token)).ToList();
        await Task.Delay(1000, Ct);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => engine.System.PingAsync(Ct)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"16 pings beside 24 open streams took {clock.Elapsed}");
        Assert.All(streams, s => Assert.False(s.IsCompleted, "an event stream ended early"));
        await watching.CancelAsync();
        await Task.WhenAll(streams.Select(s => Assert.ThrowsAnyAsync<OperationCanceledException>(() => s)));

        for (var round = 0; round < 10; round++)
            await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => engine.Containers.ListContainersAsync(new ContainersListParameters { All = true }, Ct)));
        Assert.Null(session.ConnectionError);
        Assert.True(await session.IsAliveAsync());
    }
}
