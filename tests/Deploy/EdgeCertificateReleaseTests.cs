using Mlstack.Build.Deploy;
using Mlstack.Build.Stack;
using Mlstack.Tests.Support;

namespace Mlstack.Tests.Deploy;

/// <summary>How the edge's certificate travels with a release: as two files of the release, then copied by the VM's
/// shell into the folder the edge mounts. The command runs here in sh, on folders laid out as the VM's are.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EdgeCertificateReleaseTests : IDisposable
{
    private readonly TestCertificateAuthority _ca = new();
    private readonly TempRoot _root = new();

    public void Dispose()
    {
        _ca.Dispose();
        _root.Dispose();
    }

    [Fact]
    public void The_key_travels_owner_only_inside_the_release()
    {
        var files = EdgeCertificateRelease.ReleaseFiles(Certificate());

        Assert.Equal(["tls/fullchain.pem", "tls/privkey.pem", "tls/edge_certificate.prom"], files.Select(f => f.RelativePath));
        Assert.Equal(UnixFileMode.UserRead, files[1].Mode);
        Assert.Equal((UnixFileMode)0, files[1].Mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead));
    }

    [Fact]
    public async Task The_release_s_start_copies_its_pair_into_the_edge_s_folder_and_one_without_empties_it()
    {
        var certificate = Certificate();
        var gid = (await ChildProcess.RunAsync("id", ["-g"])).Output.Trim(); // root gives it to 33; here, our own group
        var release = Path.Combine(_root.Path, "releases", "r1");
        Directory.CreateDirectory(Path.Combine(release, "tls"));
        File.WriteAllText(Path.Combine(release, ".env"), $"EDGE_TLS=on\nEDGE_TLS_GID={gid}\n");
        foreach (var file in EdgeCertificateRelease.ReleaseFiles(certificate))
            File.WriteAllBytes(Path.Combine(release, file.RelativePath), file.Content);

        var synced = await ChildProcess.RunAsync("sh", ["-c", EdgeCertificateRelease.SyncOnVm(_root.Path, release)]);

        Assert.True(synced.ExitCode == 0, synced.Output);
        var folder = EdgeCertificateRelease.VmFolder(_root.Path);
        Assert.Equal(certificate.KeyPem, File.ReadAllText(Path.Combine(folder, EdgeCertificateFiles.Key)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead, File.GetUnixFileMode(Path.Combine(folder, EdgeCertificateFiles.Key)));
        Assert.Equal((UnixFileMode)0b111_101_000, File.GetUnixFileMode(folder));
        Assert.Equal($"{gid} {gid}", (await ChildProcess.RunAsync("stat", ["-c", "%g", folder, Path.Combine(folder, EdgeCertificateFiles.Key)])).Output.Trim().ReplaceLineEndings(" "));
        Assert.Equal(["edge_certificate.prom", "fullchain.pem", "privkey.pem"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        Assert.Contains($"{EdgeCertificateFiles.ExpiryMetricName} {certificate.NotAfter.ToUnixTimeSeconds()}\n", File.ReadAllText(Path.Combine(folder, EdgeCertificateFiles.Expiry)));
        var withPair = synced.Output.Trim();

        Directory.Delete(Path.Combine(release, "tls"), recursive: true);
        var without = await ChildProcess.RunAsync("sh", ["-c", EdgeCertificateRelease.SyncOnVm(_root.Path, release)]);

        Assert.True(without.ExitCode == 0, without.Output);
        Assert.Empty(Directory.GetFiles(folder));
        Assert.Matches("^[0-9a-f]{64}$", withPair);
        Assert.NotEqual(withPair, without.Output.Trim());
    }

    private EdgeCertificate Certificate()
    {
        var (cert, key) = _ca.Issue(["vm.example.com"]).WriteTo(Path.Combine(_root.Path, "given"));
        return EdgeCertificate.Load(cert, key, DateTimeOffset.UtcNow);
    }
}
