using System.Text;
using System.Text.Json.Nodes;
using ConvoFunctions.Webhooks;
using ConvoFunctions.Conversations;

namespace ConvoFunctions.Benchmarks.Reliability;

/// <summary>One webhook the harness sends, and what it must be answered.</summary>
internal sealed record PlannedWebhook(string Kind, string Type, string? ConversationId, byte[] Body, int ExpectedStatus, bool Retried)
{
    public string Sha256 { get; } = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Body));

    public bool IsBadInput => ExpectedStatus is >= 400 and < 500;
}

/// <summary>How a call of the scenario looks to detection.</summary>
internal enum CallShape
{
    /// <summary>A Twilio call: both conversations carry its call SID.</summary>
    Plain,

    /// <summary>Its webhook arrives hours after the call (a replay after an outage).</summary>
    LateReplay,

    /// <summary>A SIP trunk call: both carry the call_sid, only the real conversation carries the SIP call_id.</summary>
    SipPartialCallId,

    /// <summary>No telephony id at all: only agent, caller and start time join the pair.</summary>
    Keyless,

    /// <summary>The previous call's caller dialling again within the fuzzy gap, with a call SID of its own.</summary>
    Redial,

    /// <summary>
    /// The blank sibling is a Python SDK session (no phone metadata) that code opened and closed at once, 3 s after the
    /// call started: <c>done</c>, no message, 0 s. A probable sibling.
    /// </summary>
    SdkDoneBlank,

    /// <summary>The blank sibling is a JS SDK session in which only the agent's greeting was spoken (2 s, no user audio).</summary>
    GreetingOnly,

    /// <summary>A SIP trunk fed by Twilio Elastic SIP: <c>sip_trunking</c> conversations carrying Twilio's CallSid.</summary>
    SipOverTwilio,

    /// <summary>No blank sibling, but a website visitor's blank widget session of the same agent 4 s after the call: in no alert.</summary>
    WidgetNextToCall,

    /// <summary>
    /// A storm: an agent of its own whose every call has a blank twin for a stretch, then whose calls go on without
    /// (the fix is in). One incident, opened and resolved, instead of a post per call.
    /// </summary>
    Storm,

    /// <summary>A busy agent of its own: a call every 30 s (for an hour in the full run), each with a blank twin.</summary>
    BusyAgent,

    /// <summary>
    /// Calls of different callers through a flow that sets one constant call id (a fixed <c>system__call_sid</c>, a
    /// reused SIP id), 29 minutes apart, each with a blank twin: separate calls, never one growing call.
    /// </summary>
    SharedCallId,
}

/// <summary>A telephony call of the scenario: one real conversation, and maybe a blank sibling.</summary>
/// <param name="WidgetId">A widget visit next to the call (<see cref="CallShape.WidgetNextToCall"/>), which no alert may name.</param>
internal sealed record PlannedCall(int Index, string CallSid, string Caller, string RealId, string? BlankId, DateTimeOffset Start, CallShape Shape = CallShape.Plain)
{
    /// <summary>
    /// The call's agent. A probable sibling joins the nearest call of its agent, and the scenario's calls are a second
    /// or so apart: a session 3 s after one call is nearer the next. Which call it belongs to is then unknowable, for us
    /// as for ElevenLabs, so the SDK shapes take an agent of their own.
    /// </summary>
    public string AgentId { get; init; } = Scenario.AgentId;

    public string? WidgetId { get; init; }
}

/// <summary>
/// The load the harness sends: calls with a real conversation, a share with a blank sibling (some of whose
/// webhooks arrive twice), audio webhooks, initiation failures, identical redeliveries and bad input.
/// Deterministic for a seed, so a failing run can be repeated.
/// </summary>
internal sealed class Scenario
{
    public const string AgentId = "agent_reliability";
    public const string StormAgentId = "agent_reliability_storm";

    /// <summary>The storm's calls with a twin, then without.</summary>
    private const int StormDuplicates = 10, StormAfter = 4;

    public const string BusyAgentId = "agent_reliability_busy";
    public const string SharedAgentId = "agent_reliability_shared";

    /// <summary>The one call id every <see cref="CallShape.SharedCallId"/> call carries.</summary>
    public static string SharedCallSid(int seed) => $"CA{seed:x8}5a5a5a5a5a5a5a5a5a5a5a5a";
    private const string AgentNumber = "+442079460000";

    public required IReadOnlyList<PlannedCall> Calls { get; init; }
    public required IReadOnlyList<PlannedWebhook> Webhooks { get; init; }
    public required IReadOnlyDictionary<string, JsonObject> Conversations { get; init; }

    // Redial follows a Plain call (the previous caller dials again; a keyless call's caller would join the redial).
    private static readonly CallShape[] EveryShape =
    [
        CallShape.Plain, CallShape.Redial, CallShape.LateReplay, CallShape.SipPartialCallId, CallShape.Keyless,
        CallShape.SdkDoneBlank, CallShape.GreetingOnly, CallShape.SipOverTwilio, CallShape.WidgetNextToCall,
    ];

    public static Scenario Create(ReliabilityOptions options, DateTimeOffset now)
    {
        var random = new Random(options.Seed);
        var calls = new List<PlannedCall>();
        var webhooks = new List<PlannedWebhook>();
        var conversations = new Dictionary<string, JsonObject>();
        var wanted = options.Webhooks;
        var badInputs = (int)(wanted * options.BadInputShare);
        var good = wanted - badInputs;

        // The storm, the busy agent and the shared call id first (their webhooks are never trimmed). The storm: a call a
        // minute 55 to 46 minutes ago, each with a twin, then one every two minutes without.
        for (var k = 0; k < StormDuplicates + StormAfter; k++)
        {
            var start = k < StormDuplicates ? now.AddMinutes(-55 + k) : now.AddMinutes(-44 + 2 * (k - StormDuplicates));
            var index = 100_000 + k;
            AddCall(new PlannedCall(index, $"CA{index:x8}{options.Seed:x8}0000000000000000", $"+4477008{k:D5}",
                $"conv_rel_{options.Seed}_{index}_real", k < StormDuplicates ? $"conv_rel_{options.Seed}_{index}_blank" : null, start, CallShape.Storm)
            {
                AgentId = StormAgentId,
            });
        }

        // A busy agent: a call every 30 s up to 2.5 minutes ago, each with a twin (120 calls, an hour, in the full run).
        var busyCalls = Math.Clamp(wanted / 16, 12, 120);
        for (var k = 0; k < busyCalls; k++)
        {
            var index = 200_000 + k;
            AddCall(new PlannedCall(index, $"CA{index:x8}{options.Seed:x8}0000000000000000", $"+4477006{k:D5}",
                $"conv_rel_{options.Seed}_{index}_real", $"conv_rel_{options.Seed}_{index}_blank",
                now.AddMinutes(-2.5) - TimeSpan.FromSeconds(30) * (busyCalls - 1 - k), CallShape.BusyAgent)
            {
                AgentId = BusyAgentId,
            });
        }

        // One call id on calls of different callers, 29 minutes apart over the past hours (50, a day, in the full run).
        var sharedCalls = Math.Clamp(wanted / 40, 5, 50);
        for (var k = 0; k < sharedCalls; k++)
        {
            var index = 300_000 + k;
            AddCall(new PlannedCall(index, SharedCallSid(options.Seed), $"+4477005{k:D5}",
                $"conv_rel_{options.Seed}_{index}_real", $"conv_rel_{options.Seed}_{index}_blank",
                now.AddMinutes(-10 - 29 * (sharedCalls - 1 - k)), CallShape.SharedCallId)
            {
                AgentId = SharedAgentId,
            });
        }

        // Calls start between 50 and 5 minutes ago: inside the detection window, past its settle delay.
        var first = now.AddMinutes(-50);
        var spacing = TimeSpan.FromMinutes(45) / Math.Max(1, good);
        for (var i = 0; webhooks.Count < good; i++)
        {
            var start = first + spacing * i;
            var hasBlank = random.NextDouble() < options.DuplicateShare;
            // Four in ten calls take one of the shapes real traffic has and tidy traffic lacks.
            // The first calls take every shape once, with a blank sibling, so that even a small run has them all.
            var shape = i < EveryShape.Length ? EveryShape[i] : random.Next(0, 14) switch
            {
                1 => CallShape.LateReplay,
                2 => CallShape.SipPartialCallId,
                3 => CallShape.Keyless,
                4 when calls.Count > 0 && calls[^1].Shape == CallShape.Plain => CallShape.Redial,
                5 => CallShape.SdkDoneBlank,
                6 => CallShape.GreetingOnly,
                7 => CallShape.SipOverTwilio,
                8 => CallShape.WidgetNextToCall,
                _ => CallShape.Plain,
            };
            // The SDK shapes are shapes of the blank sibling; a widget visit stands in for one.
            if (shape is CallShape.SdkDoneBlank or CallShape.GreetingOnly) hasBlank = true;
            if (i < EveryShape.Length) hasBlank = true;
            if (shape is CallShape.WidgetNextToCall) hasBlank = false;
            var caller = $"+4477009{i:D5}";
            if (shape == CallShape.LateReplay) start -= TimeSpan.FromHours(3);
            if (shape == CallShape.Redial)
            {
                // Same caller, 60 s after the previous call: inside the fuzzy gap, yet another call.
                caller = calls[^1].Caller;
                start = calls[^1].Start.AddSeconds(60);
            }
            var call = new PlannedCall(i, $"CA{i:x8}{options.Seed:x8}0000000000000000", caller,
                $"conv_rel_{options.Seed}_{i}_real", hasBlank ? $"conv_rel_{options.Seed}_{i}_blank" : null, start, shape)
            {
                AgentId = shape is CallShape.SdkDoneBlank or CallShape.GreetingOnly ? $"{Scenario.AgentId}_sdk_{i}" : Scenario.AgentId,
                WidgetId = shape is CallShape.WidgetNextToCall ? $"conv_rel_{options.Seed}_{i}_widget" : null,
            };
            AddCall(call);
        }

        void AddCall(PlannedCall call)
        {
            calls.Add(call);
            var i = call.Index;

            var real = Conversation(call, call.RealId, blank: false);
            conversations[call.RealId] = real;
            webhooks.Add(Webhook("transcription", WebhookEventTypes.PostCallTranscription, call.RealId, real, now));
            if (random.NextDouble() < options.RedeliveryShare) webhooks.Add(webhooks[^1] with { Kind = "redelivery" });
            if (random.NextDouble() < options.AudioShare) webhooks.Add(AudioWebhook(call.RealId, options.AudioBytes, now));

            if (call.BlankId is not null)
            {
                var blank = Conversation(call, call.BlankId, blank: true);
                conversations[call.BlankId] = blank;
                // Half the blank siblings never send a webhook: detection must discover them.
                if (random.NextDouble() < 0.5)
                {
                    webhooks.Add(Webhook("blank", WebhookEventTypes.PostCallTranscription, call.BlankId, blank, now));
                    if (random.NextDouble() < 0.3) webhooks.Add(webhooks[^1] with { Kind = "redelivery" });
                }
            }

            if (call.WidgetId is not null)
            {
                var widget = Widget(call);
                conversations[call.WidgetId] = widget;
                // Half send a webhook; the other half only discovery can meet, and it should not even read their details.
                if (random.NextDouble() < 0.5) webhooks.Add(Webhook("widget", WebhookEventTypes.PostCallTranscription, call.WidgetId, widget, now));
            }

            if (random.NextDouble() < options.InitiationFailureShare)
            {
                webhooks.Add(InitiationFailure($"conv_rel_{options.Seed}_{i}_failed", $"CF{i:x8}{options.Seed:x8}", now));
            }
        }

        webhooks.RemoveRange(good, webhooks.Count - good);
        for (var i = 0; i < badInputs; i++) webhooks.Add(BadInput(i, options, now));
        Shuffle(webhooks, random);
        return new Scenario { Calls = calls, Webhooks = webhooks, Conversations = conversations };
    }

    internal static JsonObject Conversation(PlannedCall call, string id, bool blank)
    {
        var transcript = new JsonArray();
        if (!blank)
        {
            for (var turn = 0; turn < 6; turn++)
            {
                transcript.Add(new JsonObject
                {
                    ["role"] = turn % 2 == 0 ? "agent" : "user",
                    ["message"] = $"Turn {turn}",
                    ["time_in_call_secs"] = turn * 5,
                });
            }
        }

        var start = (blank ? call.Start.AddSeconds(-1) : call.Start).ToUnixTimeSeconds();
        var conversation = new JsonObject
        {
            ["agent_id"] = call.AgentId,
            ["conversation_id"] = id,
            ["status"] = blank ? "initiated" : "done",
            ["transcript"] = transcript,
            ["metadata"] = new JsonObject
            {
                ["start_time_unix_secs"] = start,
                ["call_duration_secs"] = blank ? 0 : 95,
                ["termination_reason"] = blank ? "" : "Call ended by remote party",
                ["conversation_initiation_source"] = "twilio",
                ["authorization_method"] = "public",
                ["phone_call"] = new JsonObject
                {
                    ["direction"] = "inbound",
                    ["agent_number"] = AgentNumber,
                    ["external_number"] = call.Caller,
                    ["type"] = "twilio",
                    ["stream_sid"] = "MZ" + call.CallSid[2..],
                    ["call_sid"] = call.CallSid,
                },
            },
            ["conversation_initiation_client_data"] = new JsonObject
            {
                ["dynamic_variables"] = new JsonObject
                {
                    ["system__call_sid"] = call.CallSid,
                    ["system__caller_id"] = call.Caller,
                    ["system__called_number"] = AgentNumber,
                },
            },
            ["has_audio"] = !blank,
            ["has_user_audio"] = !blank,
            ["has_response_audio"] = !blank,
            ["has_auxiliary_audio"] = false,
        };
        var phone = conversation["metadata"]!["phone_call"]!.AsObject();
        var variables = conversation["conversation_initiation_client_data"]!["dynamic_variables"]!.AsObject();
        switch (call.Shape)
        {
            case CallShape.SipPartialCallId:
                phone["type"] = "sip_trunking";
                phone.Remove("stream_sid");
                variables.Remove("system__call_sid");
                if (!blank) phone["call_id"] = $"{call.CallSid}@sip.harness.invalid";
                break;
            case CallShape.Keyless:
                phone.Remove("call_sid");
                phone.Remove("stream_sid");
                variables.Remove("system__call_sid");
                break;
            case CallShape.SipOverTwilio:
                phone["type"] = "sip_trunking";
                phone.Remove("stream_sid");
                variables.Remove("system__call_sid");
                conversation["metadata"]!["conversation_initiation_source"] = "sip_trunk";
                break;
            case CallShape.SdkDoneBlank or CallShape.GreetingOnly when blank:
                return Session(conversation, call.Start.AddSeconds(call.Shape == CallShape.SdkDoneBlank ? 3 : 2),
                    call.Shape == CallShape.SdkDoneBlank ? "python_sdk" : "js_sdk", greeting: call.Shape == CallShape.GreetingOnly);
        }
        return conversation;
    }

    /// <summary>A website visitor who opened the widget 4 s after the call and said nothing.</summary>
    private static JsonObject Widget(PlannedCall call)
    {
        var widget = Conversation(call, call.WidgetId!, blank: true);
        return Session(widget, call.Start.AddSeconds(4), "widget", greeting: false);
    }

    /// <summary>
    /// The conversation as a session without phone metadata, <c>done</c>, in which the caller never spoke: nothing at
    /// all (0 s), or the agent's greeting alone (2 s).
    /// </summary>
    private static JsonObject Session(JsonObject conversation, DateTimeOffset start, string source, bool greeting)
    {
        var metadata = conversation["metadata"]!.AsObject();
        metadata.Remove("phone_call");
        conversation["conversation_initiation_client_data"] = new JsonObject { ["dynamic_variables"] = new JsonObject() };
        conversation["status"] = "done";
        metadata["start_time_unix_secs"] = start.ToUnixTimeSeconds();
        metadata["accepted_time_unix_secs"] = start.ToUnixTimeSeconds();
        metadata["conversation_initiation_source"] = source;
        metadata["authorization_method"] = "signed_url";
        metadata["termination_reason"] = "Client disconnected";
        metadata["call_duration_secs"] = greeting ? 2 : 0;
        conversation["transcript"] = greeting
            ? new JsonArray(new JsonObject { ["role"] = "agent", ["message"] = "Hello, how can I help?", ["time_in_call_secs"] = 0 })
            : new JsonArray();
        conversation["has_audio"] = greeting;
        conversation["has_response_audio"] = greeting;
        conversation["has_user_audio"] = false;
        return conversation;
    }

    private static PlannedWebhook Webhook(string kind, string type, string id, JsonObject data, DateTimeOffset now) =>
        new(kind, type, id, Envelope(type, now, data.DeepClone()), 200, Retried: true);

    private static PlannedWebhook AudioWebhook(string id, int bytes, DateTimeOffset now)
    {
        var audio = Convert.ToBase64String(Enumerable.Range(0, bytes * 3 / 4).Select(i => (byte)i).ToArray());
        var data = new JsonObject { ["agent_id"] = AgentId, ["conversation_id"] = id, ["full_audio"] = audio };
        // ElevenLabs never retries audio webhooks; neither does the harness.
        return new PlannedWebhook("audio", WebhookEventTypes.PostCallAudio, id, Envelope(WebhookEventTypes.PostCallAudio, now, data), 200, Retried: false);
    }

    private static PlannedWebhook InitiationFailure(string id, string callSid, DateTimeOffset now)
    {
        var data = new JsonObject
        {
            ["agent_id"] = AgentId,
            ["conversation_id"] = id,
            ["failure_reason"] = "busy",
            ["metadata"] = new JsonObject
            {
                ["type"] = "twilio",
                ["body"] = new JsonObject { ["CallSid"] = callSid, ["CallStatus"] = "busy", ["Direction"] = "outbound-api" },
            },
        };
        return new PlannedWebhook("initiation_failure", WebhookEventTypes.CallInitiationFailure, id,
            Envelope(WebhookEventTypes.CallInitiationFailure, now, data), 200, Retried: true);
    }

    private static PlannedWebhook BadInput(int i, ReliabilityOptions options, DateTimeOffset now) => (i % 4) switch
    {
        0 => new("forged", "forged", null, Encoding.UTF8.GetBytes($"{{\"type\":\"post_call_transcription\",\"data\":{{\"conversation_id\":\"forged_{i}\"}}}}"), 401, false),
        1 => new("stale", "stale", null, Encoding.UTF8.GetBytes($"{{\"type\":\"post_call_transcription\",\"data\":{{\"conversation_id\":\"stale_{i}\"}}}}"), 401, false),
        2 => new("oversized", "oversized", null, Encoding.UTF8.GetBytes($"{{\"type\":\"post_call_audio\",\"data\":{{\"full_audio\":\"{new string('A', (int)options.MaxBodyBytes)}{i}\"}}}}"), 413, false),
        _ => new("malformed", "malformed", null, Encoding.UTF8.GetBytes($"{{\"type\":\"post_call_transcription\",\"data\":{{ not json {i}"), 400, false),
    };

    private static byte[] Envelope(string type, DateTimeOffset now, JsonNode data) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["type"] = type,
        ["event_timestamp"] = now.ToUnixTimeSeconds(),
        ["data"] = data,
    }.ToJsonString());

    private static void Shuffle<T>(List<T> items, Random random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
