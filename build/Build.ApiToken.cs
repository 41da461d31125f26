using Mlstack.Build.Host;
using Mlstack.Build.Site;
using Mlstack.Build.Stack;

namespace Mlstack.Build;

/// <summary>API tokens for the stack's writes (docs/stack.md#api-tokens-and-rate-limits), on this machine's stack or,
/// with --host, the VM's: through the site's engine, into its postgres container.</summary>
internal sealed partial class Build
{
    [Parameter("ApiToken: the token's name (letters, digits, . _ -)", Name = "Name")]
    private readonly string? TokenName;

    [Parameter("ApiToken: make a token named --name and print it, once")]
    private readonly bool Create;

    [Parameter("ApiToken: revoke the token named --name (ml-service refuses it within 5 s)")]
    private readonly bool Revoke;

    [Parameter("Up, Deploy: reads of the API need a token too, not only writes (sets PRIVATE_API=true)")]
    private readonly bool PrivateApi;

    Target ApiToken => _ => _
        .Description("API tokens for the stack's writes: --name N --create prints a new one once, --revoke ends one, alone lists them (--host: the VM's)")
        .Executes(async ct =>
        {
            var request = ApiTokenRequest.From(TokenName, Create, Revoke);
            await using var site = await StackSiteAsync(ct);
            using var store = new ApiTokenStore(site.OpenEngine(), ProjectName, site.Name);
            switch (request.Action)
            {
                case ApiTokenAction.Create:
                    var token = ApiTokens.NewToken();
                    var created = await store.CreateAsync(request.Name!, ApiTokens.Hash(token), ct);
                    // Masked first (on GitHub Actions the job's log then shows ***), then shown the one time it ever is:
                    // stdout, on a line of its own (grep '^mlst_'), never the log.
                    Log.Masker.Add(token);
                    Console.Out.WriteLine(token);
                    Log.Success($"ApiToken: created {request.Name} on {site.Name} at {created} UTC. The token is the line above, shown once: only its SHA-256 is kept.");
                    break;
                case ApiTokenAction.Revoke:
                    await store.RevokeAsync(request.Name!, ct);
                    Log.Success($"ApiToken: revoked {request.Name} on {site.Name}; ml-service refuses it within 5 s.");
                    break;
                default:
                    var tokens = await store.ListAsync(ct);
                    foreach (var line in ApiTokenListing.Lines([.. tokens.Where(t => request.Name == null || t.Name == request.Name)], site.Name))
                        Log.Report(line);
                    break;
            }
        });

    /// <summary>--private-api as compose's PRIVATE_API, over the env file's (Up's environment, a release's settings).</summary>
    private Dictionary<string, string> WithPrivateApi(Dictionary<string, string> variables)
    {
        if (PrivateApi)
            variables["PRIVATE_API"] = "true";
        return variables;
    }

    /// <summary>Where the stack runs: the VM --host names (a session of its own), else this machine (ApiToken, Status).</summary>
    private async Task<IStackSite> StackSiteAsync(CancellationToken ct) =>
        StackOnVm ? VmSiteOf(await ConnectVmAsync(ct), ownsSession: true) : new LocalSite((await DockerAsync(ct)).Engine, Log);
}
