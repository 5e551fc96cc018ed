namespace ConvoFunctions.Detection;

/// <summary>
/// The conversations of one phone call. <see cref="Key"/> is the call key, or for conversations without one a fuzzy key
/// from agent, a hash of the caller and the first start time (the raw number never becomes a key).
/// </summary>
internal sealed record DuplicateGroup(string Key, bool IsFuzzy, IReadOnlyList<ObservedConversation> Conversations)
{
    public Verdict Verdict => Verdicts.Of(Conversations);

    public bool IsDuplicate => Conversations.Count >= 2;

    public ObservedConversation First => Conversations[0];

    /// <summary>The first non-empty value of a field across the group.</summary>
    public string? Any(Func<ObservedConversation, string?> field) =>
        Conversations.Select(field).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
