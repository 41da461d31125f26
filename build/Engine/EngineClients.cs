using Docker.DotNet;

namespace Mlstack.Build.Engine;

/// <summary>The one place a Docker Engine client is built for an endpoint (this machine's socket, DOCKER_HOST, or a
/// VM's engine behind a dial-stdio bridge), so the timeout every long call needs is set once.</summary>
public static class EngineClients
{
    /// <summary>Image builds and helper containers run for many minutes: the default request timeout is generous.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public static DockerClient Connect(Uri endpoint, TimeSpan? timeout = null) =>
        new DockerClientBuilder().WithEndpoint(endpoint).WithTimeout(timeout ?? DefaultTimeout).Build();
}
