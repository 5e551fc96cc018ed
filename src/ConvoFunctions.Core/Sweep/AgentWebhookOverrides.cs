using System.Collections.Concurrent;
using ConvoFunctions.Detection;

namespace ConvoFunctions.Sweep;

/// <summary>
/// Agents' own post-call webhooks (<c>platform_settings.workspace_overrides.webhooks</c>) as last read, for the agents
/// the sweeps have seen. Each agent is read at most once an hour and at most <see cref="MaxReadsPerSweep"/> a sweep:
/// at thousands of calls an hour the agents are few, but their reads share the API with live calls.
/// </summary>
internal sealed class AgentWebhookOverrides
{
    public static readonly TimeSpan Freshness = TimeSpan.FromHours(1);
    public const int MaxReadsPerSweep = 20;

    // A workspace has tens or hundreds of agents; the bound only keeps a misbehaving input from growing memory.
    private const int MaxAgents = 10_000;

    private readonly ConcurrentDictionary<string, (DateTimeOffset ReadAt, PostCallWebhookSettings? Override)> _agents = new(StringComparer.Ordinal);

    public void Seen(IEnumerable<string> agentIds)
    {
        foreach (var id in agentIds)
        {
            if (_agents.Count >= MaxAgents) return;
            if (!string.IsNullOrWhiteSpace(id)) _agents.TryAdd(id, (DateTimeOffset.MinValue, null));
        }
    }

    /// <summary>The agents to read now: never read, or read more than <see cref="Freshness"/> ago; the stalest first.</summary>
    public IReadOnlyList<string> Due(DateTimeOffset now) => _agents
        .Where(a => now - a.Value.ReadAt >= Freshness)
        .OrderBy(a => a.Value.ReadAt).ThenBy(a => a.Key, StringComparer.Ordinal)
        .Take(MaxReadsPerSweep).Select(a => a.Key).ToList();

    public void Record(string agentId, PostCallWebhookSettings? webhookOverride, DateTimeOffset now) => _agents[agentId] = (now, webhookOverride);

    /// <summary>The agents that send their post-call events to a webhook of their own, as last read.</summary>
    public IReadOnlyList<(string AgentId, PostCallWebhookSettings Override)> Overriding() => _agents
        .Where(a => a.Value.Override is not null)
        .Select(a => (a.Key, a.Value.Override!))
        .OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
}
