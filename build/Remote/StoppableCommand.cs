using System.Globalization;

namespace Mlstack.Build.Remote;

/// <summary>Wraps a command so that it cannot outlive its SSH channel. Without a terminal, sshd neither hangs up the
/// command when the channel closes nor (here) delivers the client's signal to it, so the wrapper does both jobs on
/// the VM: coreutils' <c>timeout</c> stops the command's whole process group a moment after our own time limit, and
/// a guard that reads the channel's stdin (kept open by the client while it waits) stops it as soon as that input
/// ends — which is what closing the channel does on cancellation or a lost connection.</summary>
internal static class StoppableCommand
{
    public static string Wrap(string command, TimeSpan timeout)
    {
        var seconds = ((int)Math.Ceiling(timeout.TotalSeconds) + 1).ToString(CultureInfo.InvariantCulture);
        return "exec 3<&0; "
            + $"timeout -k 5 {seconds} sh -c {AtomicUpload.Quote(command)} </dev/null & job=$!; "
            + "{ read -r _ <&3; kill -TERM $job 2>/dev/null; } & guard=$!; "
            + "wait $job; status=$?; kill $guard 2>/dev/null; exit $status";
    }
}
