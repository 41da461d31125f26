using Mlstack.Build.Core;

namespace Mlstack.Build.Images;

/// <summary>The base image every Dockerfile starts FROM could not be made available.</summary>
public sealed class BaseImageException(string message) : BuildFailure(message);
