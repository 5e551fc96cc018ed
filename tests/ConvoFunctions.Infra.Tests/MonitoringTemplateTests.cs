using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ConvoFunctions.Metrics;

namespace ConvoFunctions.Infra.Tests;

/// <summary>
/// Azure Monitor watching the app (issue 21), asserted on the compiled template: the action group, the alert rules as a
/// deployment evaluates them, the workbook, and the always-ready http group. Every metric a query names must be one the
/// code emits: <see cref="MetricNames.All"/> is the list, there is no second copy here.
/// </summary>
public partial class MonitoringTemplateTests
{
    private const string ScheduledQueryRules = "Microsoft.Insights/scheduledQueryRules";

    /// <summary>The rules the issue asks for, by the name each deploys under (after the action group's name).</summary>
    private static readonly string[] RequiredRules =
        ["sweep-stopped", "poison-queue", "function-failures", "elevenlabs-key-rejected", "elevenlabs-server-errors", "alert-posts-failing"];

    [Fact]
    public async Task The_action_group_emails_the_alert_recipients_and_posts_to_the_optional_webhook()
    {
        var main = await Bicep.CompiledMainAsync();
        var module = main.Module("alerts");
        Assert.Equal("[parameters('alertEmailRecipients')]", (string?)module.Parameter("emailRecipients"));
        Assert.Equal("[parameters('monitorWebhookUrl')]", (string?)module.Parameter("webhookUrl"));
        Assert.Equal("securestring", (string?)main["parameters"]!["monitorWebhookUrl"]!["type"]);

        var inner = module.InnerTemplate();
        Assert.Equal("securestring", (string?)inner["parameters"]!["webhookUrl"]!["type"]);
        var group = inner.Single("Microsoft.Insights/actionGroups");
        Assert.True((bool)group["properties"]!["enabled"]!);
        Assert.InRange(((string?)group["properties"]!["groupShortName"])!.Length, 1, 12);

        // One email receiver per recipient, split on ';' or ',' as the app's own email channel reads the setting.
        var emails = Assert.Single(group["properties"]!["copy"]!.AsArray(), c => (string?)c!["name"] == "emailReceivers")!;
        Assert.Equal("[length(variables('recipients'))]", (string?)emails["count"]);
        var recipients = (string?)inner["variables"]!["recipients"];
        Assert.Contains("parameters('emailRecipients')", recipients, StringComparison.Ordinal);
        Assert.Contains("';'", recipients, StringComparison.Ordinal);
        Assert.Contains("','", recipients, StringComparison.Ordinal);

        // The webhook only when one is given; the URL reaches nothing else in the module.
        var webhooks = (string?)group["properties"]!["webhookReceivers"];
        Assert.StartsWith("[if(empty(parameters('webhookUrl')), createArray(),", webhooks, StringComparison.Ordinal);
        var elsewhere = Arm.Resources(inner).Where(r => r.Type() != "Microsoft.Insights/actionGroups").Select(r => r.ToJsonString());
        Assert.All(elsewhere, text => Assert.DoesNotContain("parameters('webhookUrl')", text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_required_rule_is_deployed_enabled_on_Application_Insights_and_notifies_the_action_group()
    {
        var (inner, rules) = await AlertRulesAsync();
        Assert.Equal(RequiredRules.Order(StringComparer.Ordinal), rules.Select(r => (string)r["name"]!).Order(StringComparer.Ordinal));

        var resource = inner.Single(ScheduledQueryRules);
        Assert.Equal("[length(variables('rules'))]", (string?)resource["copy"]!["count"]);
        Assert.Equal("LogAlert", (string?)resource["kind"]);
        var properties = resource["properties"]!;
        Assert.True((bool)properties["enabled"]!);
        Assert.Equal("[parameters('applicationInsightsId')]", (string?)Assert.Single(properties["scopes"]!.AsArray()));
        Assert.Contains("Microsoft.Insights/actionGroups", (string?)Assert.Single(properties["actions"]!["actionGroups"]!.AsArray()), StringComparison.Ordinal);
        var criterion = Assert.Single(properties["criteria"]!["allOf"]!.AsArray())!;
        Assert.Equal("[variables('rules')[copyIndex()].query]", (string?)criterion["query"]);
        Assert.Equal("[variables('rules')[copyIndex()].threshold]", (string?)criterion["threshold"]);

        var main = await Bicep.CompiledMainAsync();
        Assert.Contains("outputs.applicationInsightsId", (string?)main.Module("alerts").Parameter("applicationInsightsId"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_rules_description_says_what_to_do_in_a_section_of_the_deploy_guide()
    {
        var (_, rules) = await AlertRulesAsync();
        var anchors = Anchors(await File.ReadAllTextAsync(Path.Combine(Bicep.RepoRoot, "docs", "deploy.md")));

        foreach (var rule in rules)
        {
            var description = (string)rule["description"]!;
            var link = DeployLink().Match(description);
            Assert.True(link.Success, $"Rule {rule["name"]} does not point at docs/deploy.md: {description}");
            Assert.Contains(link.Groups["anchor"].Value, anchors);
        }
    }

    [Fact]
    public async Task Each_rules_query_names_only_metrics_the_code_emits()
    {
        var (_, rules) = await AlertRulesAsync();
        foreach (var rule in rules)
        {
            var query = (string)rule["query"]!;
            Assert.Empty(UnknownMetrics(query));
            if ((string)rule["name"]! == "function-failures")
            {
                // The platform's own record of invocations: every function, the timer included.
                Assert.StartsWith("requests", Code(query), StringComparison.Ordinal);
            }
            else
            {
                Assert.NotEmpty(MetricsNamed(query));
            }
        }
    }

    [Fact]
    public void A_query_naming_a_metric_the_code_does_not_emit_is_caught()
    {
        const string query = """customMetrics | where name in ("convo.sweep.completed", "convo.sweep.finished", "convo.duplicates.found")""";

        Assert.Equal(["convo.duplicates.found", "convo.sweep.finished"], UnknownMetrics(query).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Rules_watch_the_right_metrics_with_the_right_thresholds()
    {
        var (_, rules) = await AlertRulesAsync();
        var byName = rules.ToDictionary(r => (string)r["name"]!, StringComparer.Ordinal);

        // The default schedule runs every 5 minutes: no completed sweep for 15 minutes fires.
        var sweep = byName["sweep-stopped"];
        Assert.Equal([MetricNames.SweepCompleted], MetricsNamed((string)sweep["query"]!));
        Assert.Equal(15, (int)sweep["threshold"]!);
        Assert.Equal("GreaterThan", (string?)sweep["operator"]);
        Assert.Contains("15 minutes", (string)sweep["description"]!, StringComparison.Ordinal);

        Assert.Equal([MetricNames.WebhooksPoisonDepth], MetricsNamed((string)byName["poison-queue"]["query"]!));
        Assert.Equal([MetricNames.AlertsPosts], MetricsNamed((string)byName["alert-posts-failing"]["query"]!));
        Assert.Contains("given_up", (string)byName["alert-posts-failing"]["query"]!, StringComparison.Ordinal);
        foreach (var name in new[] { "elevenlabs-key-rejected", "elevenlabs-server-errors" })
        {
            Assert.Equal([MetricNames.ElevenLabsRequests], MetricsNamed((string)byName[name]["query"]!));
        }
        Assert.Contains("\"401\", \"403\"", (string)byName["elevenlabs-key-rejected"]["query"]!, StringComparison.Ordinal);
        Assert.Equal("operation_Name", (string?)Assert.Single(byName["function-failures"]["dimensions"]!.AsArray())!["name"]);
    }

    [Theory]
    [InlineData("0 */5 * * * *", 15)]
    [InlineData("0 */10 * * * *", 30)]
    [InlineData("0 * * * * *", 3)]
    [InlineData("0 7 * * * *", 180)]
    public async Task The_sweep_rule_waits_three_intervals_of_the_schedule(string schedule, int minutes)
    {
        var (_, rules) = await AlertRulesAsync(new() { ["detectionSchedule"] = schedule });
        Assert.Equal(minutes, (int)rules.Single(r => (string)r["name"]! == "sweep-stopped")["threshold"]!);
    }

    [Fact]
    public async Task The_workbook_charts_the_app_s_own_metrics_on_Application_Insights()
    {
        var main = await Bicep.CompiledMainAsync();
        var module = main.Module("workbook");
        var inner = module.InnerTemplate();
        var workbook = inner.Single("Microsoft.Insights/workbooks");
        Assert.Equal("shared", (string?)workbook["kind"]);
        Assert.Equal("workbook", (string?)workbook["properties"]!["category"]);
        Assert.Equal("[parameters('applicationInsightsId')]", (string?)workbook["properties"]!["sourceId"]);
        var serialized = (string?)workbook["properties"]!["serializedData"];
        Assert.StartsWith("[string(createObject('version', 'Notebook/1.0', 'items', variables('items')", serialized, StringComparison.Ordinal);
        // A workbook's name must be a GUID.
        Assert.Contains("guid(", (string?)main["variables"]!["names"]!["workbook"], StringComparison.Ordinal);

        var evaluator = new ArmEvaluator(name => null, name => inner["variables"]![name]?.DeepClone());
        var charts = evaluator.Evaluate(inner["variables"]!["charts"])!.AsArray().Select(c => c!.AsObject()).ToList();
        var queries = charts.Select(c => (string)c["query"]!).ToList();
        Assert.All(queries, query => Assert.Empty(UnknownMetrics(query)));

        // What the issue lists: duplicates by agent and verdict, incidents, posts sent and failed, webhook and sweep
        // lag, ElevenLabs 429s, time to alert p50/p95.
        var named = queries.SelectMany(MetricsNamed).ToHashSet(StringComparer.Ordinal);
        string[] charted =
        [
            MetricNames.Duplicates, MetricNames.AlertsRaised, MetricNames.AlertsPosts, MetricNames.WebhooksDeliveryLag,
            MetricNames.EnrichmentQueueLag, MetricNames.SweepCheckpointLag, MetricNames.ElevenLabsRequests, MetricNames.AlertsTimeToAlert,
        ];
        Assert.All(charted, name => Assert.Contains(name, named));
        Assert.Contains(queries, q => q.Contains("agent_id", StringComparison.Ordinal) && q.Contains("verdict", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("\"429\"", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("percentile(Seconds, 50)", StringComparison.Ordinal) && q.Contains("percentile(Seconds, 95)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_http_group_is_always_ready_when_the_call_start_route_is_configured()
    {
        var main = await Bicep.CompiledMainAsync();
        Assert.Equal(-1, (int)main["parameters"]!["httpAlwaysReady"]!["defaultValue"]!);

        // A default deployment without the initiation secret scales to zero; with it, one instance is kept ready.
        Assert.Empty(AlwaysReady(main, new()));
        Assert.Equal(new[] { ("http", 1) }, AlwaysReady(main, new() { ["elevenLabsInitiationSecret"] = "isec_given" }));
        // The parameter, when set, decides.
        Assert.Equal(new[] { ("http", 2) }, AlwaysReady(main, new() { ["httpAlwaysReady"] = 2 }));
        Assert.Empty(AlwaysReady(main, new() { ["httpAlwaysReady"] = 0, ["elevenLabsInitiationSecret"] = "isec_given" }));

        // main.bicepparam leaves the choice to the template unless HTTP_ALWAYS_READY is set.
        var parameters = Json.ParseObject((string?)Json.ParseObject((await Bicep.BuildParamsAsync()).StdOut)["parametersJson"] ?? "{}")["parameters"]!;
        Assert.Equal(-1, (int)parameters["httpAlwaysReady"]!["value"]!);
    }

    /// <summary>The alert rules as a deployment of main.bicep evaluates them: its defaults, but the parameters given.</summary>
    private static async Task<(JsonObject Inner, List<JsonObject> Rules)> AlertRulesAsync(Dictionary<string, JsonNode?>? parameters = null)
    {
        var main = await Bicep.CompiledMainAsync();
        var outer = Outer(main, parameters ?? []);
        var module = main.Module("alerts");
        var inner = module.InnerTemplate();
        var evaluator = new ArmEvaluator(
            name => outer.Evaluate(module.Parameter(name)),
            name => inner["variables"]![name]?.DeepClone());
        var rules = evaluator.Evaluate(inner["variables"]!["rules"])!.AsArray().Select(r => r!.AsObject()).ToList();
        return (inner, rules);
    }

    /// <summary>The site's always-ready list as (group, instances).</summary>
    private static List<(string, int)> AlwaysReady(JsonObject main, Dictionary<string, JsonNode?> parameters)
    {
        var outer = Outer(main, parameters);
        var module = main.Module("functionapp");
        var inner = new ArmEvaluator(name => outer.Evaluate(module.Parameter(name)), name => module.InnerTemplate()["variables"]![name]?.DeepClone());
        var site = module.InnerTemplate().Single("Microsoft.Web/sites");
        var list = inner.Evaluate(site["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["alwaysReady"])!.AsArray();
        return list.Select(entry => ((string)entry!["name"]!, (int)entry["instanceCount"]!)).ToList();
    }

    private static ArmEvaluator Outer(JsonObject main, Dictionary<string, JsonNode?> given)
    {
        var declared = main["parameters"]!.AsObject();
        return new ArmEvaluator(
            name => given.TryGetValue(name, out var value) ? value?.DeepClone() : declared[name]?["defaultValue"]?.DeepClone(),
            name => main["variables"]![name]?.DeepClone());
    }

    /// <summary>The <c>convo.*</c> names a query uses (comments aside).</summary>
    internal static IReadOnlyList<string> MetricsNamed(string query) =>
        MetricName().Matches(Code(query)).Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Names a query uses that the code does not emit: any of them fails the template's tests.</summary>
    internal static IReadOnlyList<string> UnknownMetrics(string query)
    {
        var emitted = MetricNames.All.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        return MetricsNamed(query).Where(name => !emitted.Contains(name)).ToList();
    }

    private static string Code(string query) =>
        string.Join('\n', query.Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal))).Trim();

    /// <summary>GitHub's anchors of the markdown headings: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static HashSet<string> Anchors(string markdown) =>
        Heading().Matches(markdown)
            .Select(m => AnchorDrop().Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"convo(\.[a-z_]+)+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"docs/deploy\.md#(?<anchor>[a-z0-9-]+)")]
    private static partial Regex DeployLink();

    [GeneratedRegex(@"(?m)^#{1,6} (.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^a-z0-9 \-]")]
    private static partial Regex AnchorDrop();
}
