namespace ConvoFunctions.Cli.Failures;

/// <summary>
/// The one exit-code table of every <c>convo</c> verb (README, "The convo command"). Scripts branch on these,
/// so a code keeps its meaning once published.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The work failed for a reason outside convo: nothing listening, port taken, storage or API down or refusing.</summary>
    public const int Failure = 1;

    /// <summary>The command line, a setting or an input file is wrong; running it again unchanged fails the same way.</summary>
    public const int Usage = 2;

    /// <summary><c>convo audit</c> found calls with more than one conversation; <c>convo explain</c>: the call has more than one.</summary>
    public const int DuplicatesFound = 3;

    /// <summary>An exception convo does not know: a bug (sysexits' EX_SOFTWARE).</summary>
    public const int Bug = 70;

    /// <summary>Stopped by Ctrl+C (SIGINT) before the work was done: 128 + 2, as shells report it.</summary>
    public const int Interrupted = 130;
}
