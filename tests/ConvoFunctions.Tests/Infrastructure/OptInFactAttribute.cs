namespace ConvoFunctions.Tests.Infrastructure;

/// <summary>A fact that runs only when the named environment variable is "1" (benchmarks, sample output).</summary>
public sealed class OptInFactAttribute : FactAttribute
{
    public OptInFactAttribute(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) != "1") Skip = $"Set {variable}=1 to run.";
    }
}
