namespace Mlstack.Build.Doctor;

/// <summary>A Compose CLI: <c>docker compose</c> (v2) or <c>docker-compose</c> (v1).</summary>
public sealed record ComposeCli(string File, IReadOnlyList<string> Prefix, string Version)
{
    public bool IsV1 => Prefix.Count == 0;

    public string Display => IsV1 ? "docker-compose" : "docker compose";
}

/// <summary>A Docker Engine the build can talk to, and the Compose CLI to drive it with.</summary>
public sealed record DockerSetup(Uri Engine, string EngineVersion, string ApiVersion, ComposeCli Compose);
