using System.Net.Http.Headers;
using System.Text.Json;

namespace Mlstack.Build.Remote;

/// <summary>The layers (digest, compressed size) of an image pushed to the loopback registry: what a pull that finds
/// none of them would move, and what we subtract for each layer the VM reports "Already exists".</summary>
internal static class RegistryManifest
{
    public static async Task<IReadOnlyList<(string Digest, long Size)>> LayersAsync(Uri registry, string path, string tag, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = registry, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"v2/{path}/manifests/{tag}", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var manifest = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        return [.. manifest.RootElement.GetProperty("layers").EnumerateArray()
            .Select(layer => (layer.GetProperty("digest").GetString()!, layer.GetProperty("size").GetInt64()))];
    }

    /// <summary>The id the engine shows for a layer in pull progress: the digest's first 12 hex digits.</summary>
    public static string ShortId(string digest) => digest[(digest.IndexOf(':', StringComparison.Ordinal) + 1)..][..12];
}
