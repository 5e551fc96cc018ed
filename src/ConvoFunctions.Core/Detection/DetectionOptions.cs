using System.ComponentModel.DataAnnotations;
using Cronos;

namespace ConvoFunctions.Detection;

/// <summary>Settings under <c>Detection:</c> (environment form <c>Detection__Schedule</c>, …).</summary>
internal sealed class DetectionOptions : IValidatableObject
{
    public const string DefaultSchedule = "0 */5 * * * *";

    /// <summary>NCRONTAB with seconds, UTC. The Functions host reads it through <c>%Detection:Schedule%</c>.</summary>
    [Required]
    public string Schedule { get; set; } = DefaultSchedule;

    /// <summary>
    /// How far back the first sweep (no checkpoint yet) reads recorded conversations, and how long a conversation
    /// that cannot be judged yet may hold the checkpoint back.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan LookBack { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A conversation is judged blank or real only when its status is final or it was read at least this long after
    /// it started; discovery leaves conversations younger than this to the next sweep.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Conversations without a call key group when agent and caller match and starts lie this close.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan FuzzyGap { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A blank conversation without any phone metadata (an SDK or signed-URL session) that started this close to a
    /// phone call of the same agent joins that call as a probable sibling.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ProbableSiblingGap { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Conversations sharing a call id further apart than this are separate calls: one constant
    /// <c>system__call_sid</c> or a reused SIP id must not make one ever-growing call.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan MaxCallSpan { get; set; } = GroupingRules.DefaultMaxCallSpan;

    /// <summary>
    /// A conversation in which the caller never spoke (no user message, no user audio) lasting at most this many seconds
    /// is blank, whatever its status: an agent's greeting alone does not make it real.
    /// </summary>
    [Range(0, 3600)]
    public int BlankMaxSeconds { get; set; } = Conversations.ConversationClassifier.DefaultBlankMaxSeconds;

    /// <summary>Comma-separated verdicts that alert: <c>RealPlusBlank</c>, <c>TwoReal</c>, <c>AllBlank</c>, <c>NoConversation</c>.</summary>
    public string AlertVerdicts { get; set; } = nameof(Verdict.RealPlusBlank);

    /// <summary>Ask the ElevenLabs list endpoint for siblings that never sent a webhook.</summary>
    public bool DiscoveryEnabled { get; set; } = true;

    /// <summary>
    /// How long a sweep may judge changes before it saves its progress and leaves the rest to the next one: well inside
    /// the function timeout (10 minutes), so a large window never times out with nothing saved.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:09:00")]
    public TimeSpan SweepBudget { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long discovery may take per sweep: the bound that keeps pace with the traffic (the API's concurrency, not a
    /// count, decides how much fits), well inside the function timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan DiscoveryBudget { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>At most this many list-endpoint queries (pages count) per sweep: a cap on a runaway, not the pace.</summary>
    [Range(0, 10_000)]
    public int DiscoveryMaxQueries { get; set; } = 500;

    /// <summary>At most this many detail fetches of unseen conversations per sweep: a cap on a runaway, not the pace.</summary>
    [Range(0, 10_000)]
    public int DiscoveryMaxDetails { get; set; } = 2000;

    /// <summary>Check the ElevenLabs webhook each sweep.</summary>
    public bool WebhookHealthEnabled { get; set; } = true;

    /// <summary>The ElevenLabs webhook that feeds us; empty checks every webhook of the workspace that is not disabled by hand.</summary>
    public string? WebhookId { get; set; }

    /// <summary>No webhook for this long while the list endpoint shows conversations raises a health alert.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan WebhookQuietPeriod { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A delivery failure reported this recently counts as a current incident.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan WebhookFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    public IReadOnlySet<Verdict> AlertingVerdicts =>
        Verdicts.TryParseList(AlertVerdicts, out var verdicts) ? verdicts : new HashSet<Verdict> { Verdict.RealPlusBlank };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Verdicts.TryParseList(AlertVerdicts, out _))
        {
            yield return new ValidationResult(
                $"{Configuration.SettingNames.DetectionAlertVerdicts} must list RealPlusBlank, TwoReal, AllBlank or NoConversation, comma-separated.",
                [nameof(AlertVerdicts)]);
        }
        if (!TryParseSchedule(Schedule, out _))
        {
            yield return new ValidationResult(
                $"{Configuration.SettingNames.DetectionSchedule} must be an NCRONTAB expression with seconds, e.g. '{DefaultSchedule}'.",
                [nameof(Schedule)]);
        }
        if (SettleDelay >= LookBack)
        {
            yield return new ValidationResult(
                $"{Configuration.SettingNames.DetectionSettleDelay} must be shorter than {Configuration.SettingNames.DetectionLookBack}.",
                [nameof(SettleDelay)]);
        }
    }

    /// <summary>Parses the six-field NCRONTAB form (seconds first) that the timer trigger uses.</summary>
    public static bool TryParseSchedule(string? schedule, out CronExpression? expression)
    {
        expression = null;
        if (string.IsNullOrWhiteSpace(schedule)) return false;
        return CronExpression.TryParse(schedule, CronFormat.IncludeSeconds, out expression);
    }
}
