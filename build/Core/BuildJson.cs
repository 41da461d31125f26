using System.Text.Json;

namespace Mlstack.Build.Core;

/// <summary>The JSON the build writes and reads (release records, the audit log, backup records): web defaults,
/// i.e. camelCase names. One instance, so every module reads what another wrote.</summary>
public static class BuildJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
