using Azure;
using Azure.Data.Tables;
using ConvoFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Alerts;

/// <summary>What became of one duplicate call: its decision, its incident (when incidents are on), and what was raised.</summary>
/// <param name="New">Whether the decision was taken now (false: the call was judged again and keeps it).</param>
internal sealed record IncidentOutcome(IncidentDecision Decision, string? IncidentKey, AlertOutcome? Call, AlertOutcome? Post, bool New = false);

/// <summary>
/// Alerts that scale with causes, not calls. A duplicate call is handed here with its composed alert and its pattern;
/// the first few of a pattern are raised one by one, later ones fold into the pattern's incident, whose posts (opened,
/// roll-ups, resolved, reopened) go through the same ledger and channels. Each pattern's state is one row of the
/// <c>alerts</c> table (partition <c>incident</c>), changed only by ETag-conditioned writes: of two sweeps deciding at
/// once, one wins and the other decides again on what the winner wrote. Each call's decision is kept too (partition
/// <c>incident-call</c>), so a call judged again keeps it and <c>convo calls</c> can show it.
/// </summary>
internal sealed partial class Incidents(
    IncidentRecords records,
    AlertDispatcher dispatcher,
    IOptions<AlertOptions> options,
    TimeProvider time,
    ILogger<Incidents> logger)
{
    private const int MaxConflicts = 10;

    /// <summary>Raises a duplicate call's alert, or folds it into its pattern's incident (raising the incident's post when one is due).</summary>
    /// <param name="startedAt">When the call started: windows and first/last seen are in call time, so late traffic lands where it belongs.</param>
    public async Task<IncidentOutcome> RaiseAsync(Alert call, IncidentPattern pattern, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.IncidentsEnabled) return new(IncidentDecision.PerCall, null, await dispatcher.RaiseAsync(call, suppressIfHigherExists: true, cancellationToken), null);

        if (await records.CallAsync(call.Key, cancellationToken) is { } known)
        {
            return known.Folded
                ? new(IncidentDecision.Folded, known.IncidentKey, null, null)
                : new(IncidentDecision.PerCall, known.IncidentKey, await dispatcher.RaiseAsync(call, suppressIfHigherExists: true, cancellationToken), null);
        }
        // A follow-up of a call alerted before incidents were kept: it goes on as it began.
        if (call.FollowUp) return new(IncidentDecision.PerCall, null, await dispatcher.RaiseAsync(call, suppressIfHigherExists: true, cancellationToken), null);

        for (var attempt = 0; attempt < MaxConflicts; attempt++)
        {
            var (row, incident) = await records.ReadAsync(pattern, cancellationToken);
            if (!incident.PostRaised)
            {
                // A post owed since a crash goes out before a new decision can owe the next one.
                await RaisePostAsync(row, incident, cancellationToken);
                continue;
            }
            var (next, decision) = IncidentRules.Admit(incident, call, startedAt, settings, time.GetUtcNow());
            if (!ReferenceEquals(next, incident))
            {
                if (await records.WriteAsync(row, next, cancellationToken) is not { } written) continue;
                row = written;
            }

            // A call alerted on its own before the incident opened counts in the episode that opens next.
            var episode = next.Status == IncidentStatus.Watching ? next.Episode + 1 : next.Episode;
            await records.RecordCallAsync(call.Key, new CallIncident(pattern.Key, episode, decision == IncidentDecision.Folded), cancellationToken);
            var post = next.PostRaised ? null : await RaisePostAsync(row, next, cancellationToken);
            var callOutcome = decision == IncidentDecision.PerCall ? await dispatcher.RaiseAsync(call, suppressIfHigherExists: true, cancellationToken) : null;
            return new(decision, pattern.Key, callOutcome, post, New: !ReferenceEquals(next, incident));
        }
        throw new InvalidOperationException($"Incident {pattern.Key} changed {MaxConflicts} times while a call was being added; the next sweep adds it.");
    }

    /// <summary>
    /// Every sweep: each incident's owed post (a crash between its state and its post), then what is due — roll-ups,
    /// resolutions, the note that an agent took no calls.
    /// </summary>
    /// <param name="agentLastCalls">The latest phone call of each agent this sweep saw: calls after the last duplicate show it stopped.</param>
    public async Task<IReadOnlyList<AlertOutcome>> TickAsync(IReadOnlyDictionary<string, DateTimeOffset> agentLastCalls, CancellationToken cancellationToken)
    {
        var outcomes = new List<AlertOutcome>();
        if (!options.Value.IncidentsEnabled) return outcomes;
        await foreach (var (row, incident) in records.AllAsync(cancellationToken))
        {
            try
            {
                if (!incident.PostRaised)
                {
                    if (await RaisePostAsync(row, incident, cancellationToken) is { } owed) outcomes.Add(owed);
                    continue;
                }
                var next = IncidentRules.Tick(incident, agentLastCalls.TryGetValue(incident.Pattern.AgentId, out var last) ? last : null, options.Value, time.GetUtcNow());
                if (next is null || await records.WriteAsync(row, next, cancellationToken) is not { } written) continue;
                if (!next.PostRaised && await RaisePostAsync(written, next, cancellationToken) is { } post) outcomes.Add(post);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is RequestFailedException or System.Text.Json.JsonException)
            {
                // One unreadable or unwritable incident must not keep the others' posts back.
                LogTickFailed(row.RowKey, ex.GetType().Name, ex.Message);
            }
        }
        return outcomes;
    }

    /// <summary>Raises the post the state owes (the ledger makes a second raise of the same post a no-op), then marks it raised.</summary>
    private async Task<AlertOutcome?> RaisePostAsync(TableEntity? row, Incident incident, CancellationToken cancellationToken)
    {
        if (incident.Post is not { } post) return null;
        var outcome = await dispatcher.RaiseAsync(post, suppressIfHigherExists: false, cancellationToken);
        if (outcome is { Created: true }) LogPosted(post.Kind, incident.Pattern.Key, incident.Episode, incident.Count, post.Generation);
        // Lost to another writer: it either raised the post too or still owes it, and the ledger keeps it to one send.
        if (row is not null) await records.WriteAsync(row, incident with { PostRaised = true }, cancellationToken);
        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Incident post {kind} for {incident_key} (episode {episode}, {calls} calls) raised as generation {alert_generation}")]
    private partial void LogPosted(string kind, string incident_key, int episode, int calls, string alert_generation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Incident {incident_key} could not be checked ({error_type}: {error}); the next sweep tries again")]
    private partial void LogTickFailed(string incident_key, string error_type, string error);
}
