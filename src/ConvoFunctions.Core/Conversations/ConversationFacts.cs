using ConvoFunctions.ElevenLabs;

namespace ConvoFunctions.Conversations;

/// <summary>Where a conversation's facts came from.</summary>
internal static class FactSources
{
    /// <summary>The API's answer: the authority.</summary>
    public const string Api = "api";

    /// <summary>The archived webhook body: only when no API key is configured.</summary>
    public const string Webhook = "webhook";

    /// <summary>The API answered 404 for the conversation.</summary>
    public const string NotFound = "not_found";

    /// <summary>A <c>call_initiation_failure</c> event (with the API's answer merged in when it had one).</summary>
    public const string InitiationFailure = "initiation_failure";
}

/// <summary>
/// What enrichment knows about one conversation. Derived only from the queue message and the API answer (or the
/// webhook body), never from the clock, so processing the same message again yields equal facts.
/// </summary>
internal sealed record ConversationFacts
{
    public required string ConversationId { get; init; }
    public required string Source { get; init; }
    public string? AgentId { get; init; }
    public string? Status { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public int? DurationSeconds { get; init; }
    public int? MessageCount { get; init; }

    /// <summary>Transcript messages spoken by the caller (<c>role</c> <c>user</c>); null when the source did not say.</summary>
    public int? UserMessageCount { get; init; }
    public string? TerminationReason { get; init; }

    /// <summary><c>metadata.accepted_time_unix_secs</c>: null when the conversation was never accepted.</summary>
    public DateTimeOffset? AcceptedTime { get; init; }

    /// <summary>Whether it was accepted; null when the source had no metadata to say (an initiation failure's body).</summary>
    public bool? Accepted { get; init; }

    /// <summary><c>metadata.error</c>: code and reason, evidence for people.</summary>
    public int? ErrorCode { get; init; }
    public string? ErrorReason { get; init; }

    /// <summary><c>metadata.text_only</c>: a chat, which no phone call can have as a sibling.</summary>
    public bool? TextOnly { get; init; }
    public bool? HasAudio { get; init; }
    public bool? HasUserAudio { get; init; }
    public bool? HasResponseAudio { get; init; }
    public bool? HasAuxiliaryAudio { get; init; }

    /// <summary>Any audio at all: the conversation's own, the user's, the agent's or auxiliary audio.</summary>
    public bool AnyAudio => HasAudio == true || HasUserAudio == true || HasResponseAudio == true || HasAuxiliaryAudio == true;

    /// <summary>
    /// When these facts were read: the API answer's time, or the webhook's event time (a post-call webhook is sent
    /// once the call is over). Detection judges a conversation only once it has settled (<see cref="ConversationClassifier.IsSettled"/>).
    /// </summary>
    public DateTimeOffset? ReadAt { get; init; }

    /// <summary>Found by the sweep's sibling discovery rather than by a webhook of its own.</summary>
    public bool Discovered { get; init; }

    /// <summary><c>phone_call.type</c>: twilio, exotel, sip_trunking.</summary>
    public string? Provider { get; init; }
    public string? Direction { get; init; }
    public string? CallSid { get; init; }
    public string? SipCallId { get; init; }
    public string? StreamSid { get; init; }
    public string? PhoneNumberId { get; init; }
    public string? AgentNumber { get; init; }
    public string? ExternalNumber { get; init; }

    public string? SystemCallSid { get; init; }
    public string? SystemCallerId { get; init; }
    public string? SystemCalledNumber { get; init; }

    public string? FailureReason { get; init; }

    /// <summary><c>metadata.conversation_initiation_source</c>: what opened the conversation (twilio, js_sdk, widget, …).</summary>
    public string? InitiationSource { get; init; }
    public string? InitiationSourceVersion { get; init; }

    /// <summary><c>metadata.authorization_method</c>: signed_url, authorization_header, public, ….</summary>
    public string? AuthorizationMethod { get; init; }

    /// <summary>The webhook's <c>event_timestamp</c>: places rows in time when the conversation has no start time.</summary>
    public DateTimeOffset? EventTime { get; init; }

    public string? CallKey { get; init; }

    /// <summary>Every telephony id as a key (<see cref="Conversations.CallKey.Aliases"/>), <see cref="CallKey"/> first.</summary>
    public IReadOnlyList<string> CallKeys { get; init; } = [];

    /// <summary>The number at the far end: <c>external_number</c>, else the caller id (inbound) or called number (outbound).</summary>
    public string? CounterpartNumber => ExternalNumber
        ?? (string.Equals(Direction, "outbound", StringComparison.OrdinalIgnoreCase) ? SystemCalledNumber : SystemCallerId);

    /// <summary>When the conversation began, or failed to: the start time, else the event time.</summary>
    public DateTimeOffset? ActivityTime => StartTime ?? EventTime;

    /// <summary>The API, a webhook or an initiation failure described it; a 404 describes nothing.</summary>
    public bool IsDescribed => Source != FactSources.NotFound
        && ((Status is not null && Status != ConversationClassifier.Unknown) || FailureReason is not null);

    /// <summary>
    /// The blank rule (<see cref="ConversationClassifier"/>) at the default <c>Detection:BlankMaxSeconds</c>: the caller
    /// never spoke. Detection judges with the configured value; this one is what enrichment logs and stores.
    /// </summary>
    public bool IsBlank => ConversationClassifier.IsBlank(IsDescribed, UserMessageCount, MessageCount ?? 0, HasUserAudio, DurationSeconds,
        ConversationClassifier.DefaultBlankMaxSeconds);

    public static ConversationFacts FromConversation(
        ConversationDto conversation, string fallbackConversationId, string source, DateTimeOffset? eventTime, DateTimeOffset? readAt = null)
    {
        var metadata = conversation.Metadata;
        var phone = metadata?.PhoneCall;
        var variables = conversation.InitiationClientData;
        var systemCallSid = variables?.Variable("system__call_sid");
        return new ConversationFacts
        {
            ConversationId = string.IsNullOrWhiteSpace(conversation.ConversationId) ? fallbackConversationId : conversation.ConversationId,
            Source = source,
            AgentId = conversation.AgentId,
            Status = conversation.Status,
            StartTime = UnixTime.Read(metadata?.StartTimeUnixSecs),
            DurationSeconds = metadata?.CallDurationSecs is { } duration ? (int)Math.Round(duration) : null,
            MessageCount = conversation.Transcript?.Length,
            UserMessageCount = conversation.Transcript is { } transcript ? ConversationClassifier.UserMessages(transcript) : null,
            TerminationReason = string.IsNullOrEmpty(metadata?.TerminationReason) ? null : metadata.TerminationReason,
            AcceptedTime = UnixTime.Read(metadata?.AcceptedTimeUnixSecs),
            Accepted = metadata is null ? null : metadata.AcceptedTimeUnixSecs is not null,
            ErrorCode = metadata?.Error?.Code,
            ErrorReason = Text(metadata?.Error?.Reason),
            TextOnly = metadata?.TextOnly,
            HasAudio = conversation.HasAudio,
            HasUserAudio = conversation.HasUserAudio,
            HasResponseAudio = conversation.HasResponseAudio,
            HasAuxiliaryAudio = conversation.HasAuxiliaryAudio,
            ReadAt = readAt ?? eventTime,
            Provider = phone?.Type,
            Direction = phone?.Direction,
            CallSid = phone?.CallSid,
            SipCallId = phone?.CallId,
            StreamSid = phone?.StreamSid,
            PhoneNumberId = phone?.PhoneNumberId,
            AgentNumber = phone?.AgentNumber,
            ExternalNumber = phone?.ExternalNumber,
            SystemCallSid = systemCallSid,
            SystemCallerId = variables?.Variable("system__caller_id"),
            SystemCalledNumber = variables?.Variable("system__called_number"),
            EventTime = eventTime,
            InitiationSource = Text(metadata?.ConversationInitiationSource),
            InitiationSourceVersion = Text(metadata?.ConversationInitiationSourceVersion),
            AuthorizationMethod = Text(metadata?.AuthorizationMethod),
        }.WithCallKeys();
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>The call keys of the telephony ids these facts carry.</summary>
    private ConversationFacts WithCallKeys()
    {
        var keys = Conversations.CallKey.Aliases(Provider, CallSid, SipCallId, SystemCallSid);
        return this with { CallKey = keys.FirstOrDefault(), CallKeys = keys };
    }

    public static ConversationFacts NotFound(string conversationId, string? agentId, DateTimeOffset? eventTime) => new()
    {
        ConversationId = conversationId,
        Source = FactSources.NotFound,
        AgentId = agentId,
        EventTime = eventTime,
    };

    /// <summary>
    /// A failed call attempt: its failure reason and telephony metadata from the webhook, merged over the API's
    /// answer when the API has a (failed) conversation for it.
    /// </summary>
    public static ConversationFacts FromInitiationFailure(
        string conversationId, string? agentId, DateTimeOffset? eventTime, InitiationFailure failure, ConversationDto? conversation, DateTimeOffset? readAt = null)
    {
        var baseline = conversation is null
            ? new ConversationFacts { ConversationId = conversationId, Source = FactSources.InitiationFailure, AgentId = agentId, EventTime = eventTime, ReadAt = eventTime }
            : FromConversation(conversation, conversationId, FactSources.InitiationFailure, eventTime, readAt);
        var facts = baseline with
        {
            AgentId = baseline.AgentId ?? failure.AgentId ?? agentId,
            FailureReason = failure.Reason,
            Provider = baseline.Provider ?? failure.Provider,
            Direction = baseline.Direction ?? failure.Direction,
            CallSid = baseline.CallSid ?? failure.CallSid,
            SipCallId = baseline.SipCallId ?? failure.SipCallId,
            AgentNumber = baseline.AgentNumber ?? failure.AgentNumber,
            ExternalNumber = baseline.ExternalNumber ?? failure.ExternalNumber,
        };
        return facts.WithCallKeys();
    }
}
