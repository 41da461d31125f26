namespace Mlstack.Build.Smoke;

/// <summary>Without a token, through the edge: a write (DELETE of a study that does not exist) and /api/metrics are
/// refused with 401, as JSON that says how to get a token. The write deletes nothing either way.</summary>
public sealed record AnonymousWritesCheck(string Service) : SmokeCheck(Service, "refuses a write and /api/metrics without a token (401)")
{
    public override IReadOnlyList<string> Needs => [Service, SmokeContext.Entry];

    public override async Task RunAsync(SmokeContext context, CancellationToken ct)
    {
        using var delete = await context.Anonymous.DeleteAsync(new Uri(context.StackUrl, $"/api/studies/smoke-anonymous-{Guid.NewGuid():N}"[..48]), ct).ConfigureAwait(false);
        await ExpectRefusedAsync("DELETE /api/studies/…", delete, ct).ConfigureAwait(false);
        using var metrics = await context.Anonymous.GetAsync(new Uri(context.StackUrl, "/api/metrics"), ct).ConfigureAwait(false);
        await ExpectRefusedAsync("GET /api/metrics", metrics, ct).ConfigureAwait(false);
    }

    private static async Task ExpectRefusedAsync(string request, HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        CheckFailedException.Unless((int)response.StatusCode == 401 && (Json.Select(body, "detail")?.Contains("ApiToken", StringComparison.Ordinal) ?? false),
            $"HTTP 401 from {request} saying how to make a token", $"HTTP {(int)response.StatusCode}: {Clip(body)}");
    }
}
