namespace Mlstack.Build.Tooling;

/// <summary>An <see cref="IProgress{T}"/> that calls its handler at once, on the reporting thread.</summary>
public sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
