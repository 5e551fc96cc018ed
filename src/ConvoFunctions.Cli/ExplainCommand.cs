using System.CommandLine;
using ConvoFunctions.Alerts;
using ConvoFunctions.Cli.Failures;
using ConvoFunctions.Cli.Local;
using ConvoFunctions.Cli.Reports;
using ConvoFunctions.Configuration;
using ConvoFunctions.Correlation;
using ConvoFunctions.Detection;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Initiation;
using ConvoFunctions.Privacy;
using ConvoFunctions.Storage;
using ConvoFunctions.Telephony;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Cli;

/// <summary>
/// <c>convo explain &lt;conversation_id&gt;…</c>: the call of each conversation, found through the list endpoint with the
/// sweep's rules, with support's checklist for every conversation, the verdict, the likely cause with its telephony
/// evidence (Twilio when <c>Twilio__*</c> is set, ElevenLabs' SIP log for SIP calls) and the support report. Needs only
/// <c>ElevenLabs__ApiKey</c>. Exit 3 when a call has more than one conversation, 0 when each has one.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var ids = new Argument<string[]>("conversation_id") { Description = "One or more ElevenLabs conversation ids.", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "text, json or md (Markdown, to paste into a ticket).", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong(ExplainReport.Formats);
        var output = new Option<FileInfo?>("--output") { Description = "Write the report to this file instead of the standard output." };
        var baseUrl = UriOption.Create("--base-url",
            $"ElevenLabs API base URL (default {SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsBaseUrl)} or {ElevenLabsOptions.PublicApiBaseUrl}).");
        var storage = new StorageTarget();
        storage.Storage.Description = "Also show the call's recorded initiation requests, from this storage connection string (Azurite).";
        storage.Account.Description = "Also show the call's recorded initiation requests, from this deployed storage account (az login).";

        var command = new Command("explain", "Why one call produced more than one conversation: the call of each conversation id, support's checklist, the likely cause and a ready support report.")
        {
            ids, format, output, baseUrl,
        };
        storage.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var file = result.GetValue(output);
            var settingsFile = result.GetValue(storage.Settings)!;
            var initiations = result.GetValue(storage.Storage) is not null || result.GetValue(storage.Account) is not null
                ? StorageTarget.Resolve(result.GetValue(storage.Storage), result.GetValue(storage.Account), settingsFile)
                : null;
            await using var writer = file is null ? null : new StreamWriter(file.FullName);
            var code = await RunAsync(result.GetValue(ids)!, result.GetValue(format)!, result.GetValue(baseUrl), settingsFile, initiations,
                writer ?? Console.Out, Console.Error, TimeProvider.System, ct);
            if (file is not null) await Console.Error.WriteLineAsync($"[explain] report written to {file.FullName}");
            return code;
        });
        return command;
    }

    /// <param name="initiations">The app's storage account, to add the call's recorded initiation requests; null leaves them out.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> conversationIds, string format, Uri? baseUrl, string settingsFile,
        StorageAccount? initiations, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(settingsFile);
        var elevenLabs = configuration.GetSection(SettingNames.ElevenLabsSection).Get<ElevenLabsOptions>() ?? new ElevenLabsOptions();
        if (baseUrl is not null) elevenLabs.BaseUrl = baseUrl;
        if (!elevenLabs.BaseUrl.IsAbsoluteUri)
        {
            throw new SettingException($"{SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsBaseUrl)} must be an absolute URL such as {ElevenLabsOptions.PublicApiBaseUrl}.");
        }
        if (!elevenLabs.HasApiKey)
        {
            await stderr.WriteLineAsync($"Set {SettingNames.ToEnvironmentForm(SettingNames.ElevenLabsApiKey)} (environment or {settingsFile}).");
            return ExitCodes.Usage;
        }
        var detection = configuration.GetSection(SettingNames.DetectionSection).Get<DetectionOptions>() ?? new DetectionOptions();

        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IOptions<ElevenLabsOptions>>(Options.Create(elevenLabs));
        services.AddSingleton(time);
        services.AddElevenLabsClient();
        services.AddConversationDirectory();
        services.AddTelephony(configuration);
        await using var provider = services.BuildServiceProvider();
        var directory = provider.GetRequiredService<IConversationDirectory>();
        var telephony = provider.GetRequiredService<TelephonyEvidenceReader>();
        await SayWhetherTwilioIsReadAsync(provider.GetRequiredService<IOptions<TwilioOptions>>().Value, settingsFile, stderr);

        // An unreachable or refusing API surfaces as an exception that ConvoCommand.RunAsync reports.
        var lookup = await CallLookup.FindAsync(directory, conversationIds, detection, cancellationToken);
        foreach (var id in lookup.NotFound)
        {
            await stderr.WriteLineAsync($"[explain] {id}: ElevenLabs has no such conversation (404); check the id and that the API key belongs to its workspace.");
        }
        await stderr.WriteLineAsync($"[explain] read {lookup.Facts.Count} conversations, {lookup.Queries} list pages around their starts" +
            (lookup.Truncated ? $"; the search stopped at {SettingNames.ToEnvironmentForm(SettingNames.DetectionDiscoveryMaxQueries)} pages or " +
                $"{SettingNames.ToEnvironmentForm(SettingNames.DetectionDiscoveryMaxDetails)} reads, so a busy agent's call may miss a member." : "."));

        if (lookup.Calls.Count > 1 && conversationIds.Distinct(StringComparer.Ordinal).Count(lookup.Facts.ContainsKey) > 1)
        {
            // Someone who brings two ids believes they are one call; say plainly when the rules disagree, and why they would.
            await stderr.WriteLineAsync($"[explain] the ids given belong to {lookup.Calls.Count} different calls by the sweep's rules " +
                "(no telephony id in common, or not the same agent and caller close enough in time); each call is explained on its own.");
        }
        var calls = new List<ExplainedCall>();
        foreach (var group in lookup.Calls)
        {
            var requests = initiations is null ? null : await InitiationRequestsAsync(initiations, group, time, cancellationToken);
            // The telephony side matters only for a call with more than one conversation; it never fails the verb.
            var evidence = group.IsDuplicate ? await telephony.ReadAsync(group, cancellationToken) : null;
            calls.Add(Explain(group, lookup, requests, evidence));
        }
        await stdout.WriteAsync(ExplainReport.Render(calls, lookup.NotFound, format));

        if (calls.Any(c => c.Group.IsDuplicate)) return ExitCodes.DuplicatesFound;
        return lookup.NotFound.Count > 0 ? ExitCodes.Usage : ExitCodes.Success;
    }

    private static ExplainedCall Explain(DuplicateGroup group, CallLookupResult lookup, IReadOnlyList<InitiationRecord>? requests, TelephonyEvidence? telephony)
    {
        if (requests is not null) group = group with { InitiationRequests = requests.Select(r => r.ReceivedAt).ToList() };
        var caller = PhoneMask.Mask(group.Any(c => c.Caller), "unknown");
        return new ExplainedCall(
            group,
            group.Conversations.Select(c => lookup.Facts[c.ConversationId]).ToList(),
            caller,
            requests,
            telephony,
            group.IsDuplicate ? Diagnosis.Of(group, telephony) : null,
            group.IsDuplicate ? SupportReport.ForDuplicate(group, caller, telephony) : null);
    }

    /// <summary>One line when Twilio's side is not read: not set (by choice), or set but unusable (naming the setting).</summary>
    private static async Task SayWhetherTwilioIsReadAsync(TwilioOptions twilio, string settingsFile, TextWriter stderr)
    {
        if (twilio.IsAbsent)
        {
            await stderr.WriteLineAsync($"[explain] Twilio evidence off: set {SettingNames.ToEnvironmentForm(SettingNames.TwilioAccountSid)}, " +
                $"{SettingNames.ToEnvironmentForm(SettingNames.TwilioApiKeySid)} and {SettingNames.ToEnvironmentForm(SettingNames.TwilioApiKeySecret)} " +
                $"(environment or {settingsFile}) to add each call's legs, requests and errors.");
            return;
        }
        foreach (var problem in twilio.Problems())
        {
            await stderr.WriteLineAsync($"[explain] Twilio evidence off: {problem.AppSetting} {problem.Fix}.");
        }
    }

    /// <summary>The call's requests to the app's call-start route, as recorded (one partition query per call key).</summary>
    private static async Task<IReadOnlyList<InitiationRecord>> InitiationRequestsAsync(
        StorageAccount storage, DuplicateGroup group, TimeProvider time, CancellationToken cancellationToken)
    {
        if (group.CallKeys.Count == 0) return [];
        // Read only: the change notices this store would queue on a write are never used here.
        var store = new InitiationStore(storage, new InitiationChanges(new CorrelationRepository(storage, StorageClock.FromAnswers(time)), time, NullLogger<InitiationChanges>.Instance));
        return await store.ForCallAsync(group.CallKeys, cancellationToken);
    }
}
