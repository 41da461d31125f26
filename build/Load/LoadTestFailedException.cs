using Mlstack.Build.Core;

namespace Mlstack.Build.Load;

/// <summary>A load test or benchmark could not run or did not pass: the stack did not answer as it should, or a
/// threshold failed. One line naming what and by how much.</summary>
public sealed class LoadTestFailedException(string message) : BuildFailure(message);
