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
}

/// <summary>A telephony call of the scenario: one real conversation, and maybe a blank sibling.</summary>
internal sealed record PlannedCall(int Index, string CallSid, string Caller, string RealId, string? BlankId, DateTimeOffset Start, CallShape Shape = CallShape.Plain);

/// <summary>
/// The load the harness sends: calls with a real conversation, a share with a blank sibling (some of whose
/// webhooks arrive twice), audio webhooks, initiation failures, identical redeliveries and bad input.
/// Deterministic for a seed, so a failing run can be repeated.
/// </summary>
internal sealed class Scenario
{
    public const string AgentId = "agent_reliability";
    private const string AgentNumber = "+442079460000";

    public required IReadOnlyList<PlannedCall> Calls { get; init; }
    public required IReadOnlyList<PlannedWebhook> Webhooks { get; init; }
    public required IReadOnlyDictionary<string, JsonObject> Conversations { get; init; }

    public static Scenario Create(ReliabilityOptions options, DateTimeOffset now)
    {
        var random = new Random(options.Seed);
        var calls = new List<PlannedCall>();
        var webhooks = new List<PlannedWebhook>();
        var conversations = new Dictionary<string, JsonObject>();
        var wanted = options.Webhooks;
        var badInputs = (int)(wanted * options.BadInputShare);
        var good = wanted - badInputs;

        // Calls start between 50 and 5 minutes ago: inside the detection window, past its settle delay.
        var first = now.AddMinutes(-50);
        var spacing = TimeSpan.FromMinutes(45) / Math.Max(1, good);
        for (var i = 0; webhooks.Count < good; i++)
        {
            var start = first + spacing * i;
            var hasBlank = random.NextDouble() < options.DuplicateShare;
            // Four in ten calls take one of the shapes real traffic has and tidy traffic lacks.
            var shape = random.Next(0, 10) switch
            {
                1 => CallShape.LateReplay,
                2 => CallShape.SipPartialCallId,
                3 => CallShape.Keyless,
                4 when calls.Count > 0 && calls[^1].Shape == CallShape.Plain => CallShape.Redial,
                _ => CallShape.Plain,
            };
            var caller = $"+4477009{i:D5}";
            if (shape == CallShape.LateReplay) start -= TimeSpan.FromHours(3);
            if (shape == CallShape.Redial)
            {
                // Same caller, 60 s after the previous call: inside the fuzzy gap, yet another call.
                caller = calls[^1].Caller;
                start = calls[^1].Start.AddSeconds(60);
            }
            var call = new PlannedCall(i, $"CA{i:x8}{options.Seed:x8}0000000000000000", caller,
                $"conv_rel_{options.Seed}_{i}_real", hasBlank ? $"conv_rel_{options.Seed}_{i}_blank" : null, start, shape);
            calls.Add(call);

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

    private static JsonObject Conversation(PlannedCall call, string id, bool blank)
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
            ["agent_id"] = AgentId,
            ["conversation_id"] = id,
            ["status"] = blank ? "initiated" : "done",
            ["transcript"] = transcript,
            ["metadata"] = new JsonObject
            {
                ["start_time_unix_secs"] = start,
                ["call_duration_secs"] = blank ? 0 : 95,
                ["termination_reason"] = blank ? "" : "Call ended by remote party",
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
        }
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
