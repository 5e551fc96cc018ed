namespace ConvoFunctions.Detection;

/// <summary>What a group of conversations of one call amounts to.</summary>
internal enum Verdict
{
    /// <summary>One conversation: not a duplicate.</summary>
    Single = 0,

    /// <summary>At least one real and at least one blank conversation: the reported fault.</summary>
    RealPlusBlank = 1,

    /// <summary>Two or more real conversations, e.g. a transfer.</summary>
    TwoReal = 2,

    /// <summary>Only blank conversations.</summary>
    AllBlank = 3,

    /// <summary>
    /// The call started (ElevenLabs asked the initiation route) but no conversation exists for it after the settle
    /// delay and a look-up through the list endpoint.
    /// </summary>
    NoConversation = 4,
}

internal static class Verdicts
{
    public static Verdict Of(IReadOnlyCollection<ObservedConversation> conversations)
    {
        if (conversations.Count < 2) return Verdict.Single;
        var blank = conversations.Count(c => c.IsBlank);
        return blank == 0 ? Verdict.TwoReal
            : blank == conversations.Count ? Verdict.AllBlank
            : Verdict.RealPlusBlank;
    }

    /// <summary>The wording people read: <c>real + blank</c>, <c>two real</c>, <c>all blank</c>.</summary>
    public static string Describe(this Verdict verdict) => verdict switch
    {
        Verdict.RealPlusBlank => "real + blank",
        Verdict.TwoReal => "two real",
        Verdict.AllBlank => "all blank",
        Verdict.NoConversation => "no conversation",
        _ => "single",
    };

    /// <summary>Parses a comma-separated list such as <c>RealPlusBlank,TwoReal,NoConversation</c> (also <c>real+blank</c>, <c>two-real</c>).</summary>
    public static bool TryParseList(string? text, out IReadOnlySet<Verdict> verdicts)
    {
        var set = new HashSet<Verdict>();
        verdicts = set;
        if (string.IsNullOrWhiteSpace(text)) return true;
        foreach (var part in text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var normalized = new string(part.Where(char.IsLetter).ToArray()).ToLowerInvariant();
            Verdict? verdict = normalized switch
            {
                "realplusblank" or "realblank" => Verdict.RealPlusBlank,
                "tworeal" => Verdict.TwoReal,
                "allblank" => Verdict.AllBlank,
                "noconversation" => Verdict.NoConversation,
                _ => null,
            };
            if (verdict is null) return false;
            set.Add(verdict.Value);
        }
        return true;
    }
}
