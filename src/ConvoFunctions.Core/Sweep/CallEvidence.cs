using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Alerts;
using ConvoFunctions.Correlation;
using ConvoFunctions.Detection;
using ConvoFunctions.Storage;
using ConvoFunctions.Telephony;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Sweep;

/// <summary>
/// Telephony evidence in duplicate alerts. When an alert is first raised, what Twilio and ElevenLabs' SIP log show is
/// read within <see cref="ReadBound"/> (an outage costs the evidence, never the alert's time). Twilio's request log
/// (Events) is complete only 15 minutes after the call ended: such a call is remembered (row <c>evidence</c>/alert key
/// of <c>alerts</c>) and read again by the first sweep after that; when its evidence changes the likely cause, the call
/// gets one "Telephony evidence" post, exactly once per channel through the ledger.
/// </summary>
internal sealed partial class CallEvidence(
    TelephonyEvidenceReader reader,
    StorageAccount storage,
    CorrelationRepository repository,
    AlertDispatcher dispatcher,
    AlertFactory factory,
    IOptions<DetectionOptions> options,
    TimeProvider time,
    ILogger<CallEvidence> logger)
{
    public static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(10);

    /// <summary>A follow-up not settled after this long (Twilio down for a day) is given up, with a line saying so.</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromDays(1);

    private const string Partition = "evidence";

    private TableClient Table => storage.Table(StorageNames.AlertsTable);

    /// <summary>Whether the call has evidence to read at all (<see cref="TelephonyEvidenceReader.HasEvidenceToRead"/>).</summary>
    public bool MayRead(DuplicateGroup group) => reader.HasEvidenceToRead(group);

    /// <summary>The call's evidence, or null when there is none to read (no Twilio settings, no SIP conversation) or it failed.</summary>
    public async Task<TelephonyEvidence?> ReadAsync(DuplicateGroup group, CancellationToken cancellationToken)
    {
        if (!MayRead(group)) return null;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(ReadBound);
        try
        {
            var evidence = await reader.ReadAsync(group, bounded.Token);
            return evidence.IsEmpty ? null : evidence;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogNotRead(group.Key, ex.GetType().Name);
            return null;
        }
    }

    /// <summary>Remembers a call whose Twilio request log is not readable yet, with the cause its alert named.</summary>
    public async Task ScheduleAsync(Alert alert, DuplicateGroup group, TelephonyEvidence? evidence, CancellationToken cancellationToken)
    {
        if (evidence?.Twilio.Select(t => t.EventsReadableFrom).Where(at => at is not null).Max() is not { } due) return;
        var row = new TableEntity(Partition, TableKeys.Sanitize(alert.Key))
        {
            ["AlertKey"] = alert.Key, ["Generation"] = alert.Generation, ["DueAt"] = due, ["ScheduledAt"] = time.GetUtcNow(),
            ["CallKey"] = group.CallKeys.FirstOrDefault() ?? "", ["Conversations"] = string.Join(' ', group.ConversationIds),
            ["Cause"] = Diagnosis.Of(group, evidence),
        };
        await Table.WriteAsync(() => Table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken), cancellationToken);
    }

    /// <summary>The calls whose request log is readable now: read again, and a follow-up when the cause changed.</summary>
    public async Task<IReadOnlyList<AlertOutcome>> FollowUpAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var outcomes = new List<AlertOutcome>();
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken).MissingAsEmpty())
        {
            if (row.GetDateTimeOffset("DueAt") is not { } due || due > now) continue;
            var group = await GroupAsync(row, cancellationToken);
            var evidence = group is null ? null : await ReadAsync(group, cancellationToken);
            if (group is null || evidence is null || evidence.Twilio.Any(t => t.Events is null))
            {
                if (now - (row.GetDateTimeOffset("ScheduledAt") ?? now) < GiveUpAfter) continue;
                LogGaveUp(row.GetString("AlertKey") ?? row.RowKey);
                await ForgetAsync(row, cancellationToken);
                continue;
            }
            if (Diagnosis.Of(group, evidence) != row.GetString("Cause"))
            {
                var alert = factory.ForTelephonyEvidence(group, row.GetString("AlertKey")!, row.GetString("Generation") ?? "", evidence, now);
                if (await dispatcher.RaiseAsync(alert, suppressIfHigherExists: false, cancellationToken) is { } outcome) outcomes.Add(outcome);
            }
            await ForgetAsync(row, cancellationToken);
        }
        return outcomes;
    }

    /// <summary>The alerted call as it is recorded now: its call's partition, the alerted conversations grouped as the sweep groups them.</summary>
    private async Task<DuplicateGroup?> GroupAsync(TableEntity row, CancellationToken cancellationToken)
    {
        var ids = (row.GetString("Conversations") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        if (row.GetString("CallKey") is not { Length: > 0 } callKey || ids.Count == 0) return null;
        var members = (await repository.GetCallAsync(callKey, cancellationToken)).Select(ObservedConversation.From).Where(c => ids.Contains(c.ConversationId));
        return DuplicateGrouper.Group(members, GroupingRules.From(options.Value)).FirstOrDefault(g => g.IsDuplicate);
    }

    private async Task ForgetAsync(TableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telephony evidence for {group_key} not read ({error_type}); the alert goes without it")]
    private partial void LogNotRead(string group_key, string error_type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telephony evidence for alert {alert_key} still not readable a day after its alert; no follow-up will be posted")]
    private partial void LogGaveUp(string alert_key);
}
