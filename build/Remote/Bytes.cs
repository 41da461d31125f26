namespace Mlstack.Build.Remote;

/// <summary>Sizes as people read them in progress lines.</summary>
internal static class Bytes
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} kB",
        _ => $"{bytes} B",
    };
}
