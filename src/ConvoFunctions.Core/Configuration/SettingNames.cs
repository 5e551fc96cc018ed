namespace ConvoFunctions.Configuration;

/// <summary>
/// Every setting the app reads, in configuration-key form (<c>Section:Key</c>). App settings, environment
/// variables and <c>local.settings.sample.json</c> use the environment form, where ':' is written '__'.
/// </summary>
internal static class SettingNames
{
    public const string Storage = "AzureWebJobsStorage";

    public const string ElevenLabsSection = "ElevenLabs";
    public const string ElevenLabsWebhookSecret = "ElevenLabs:WebhookSecret";
    public const string ElevenLabsPreviousWebhookSecret = "ElevenLabs:PreviousWebhookSecret";
    public const string ElevenLabsApiKey = "ElevenLabs:ApiKey";
    public const string ElevenLabsBaseUrl = "ElevenLabs:BaseUrl";
    public const string ElevenLabsMaxConcurrency = "ElevenLabs:MaxConcurrency";
    public const string ElevenLabsAppMaxConcurrency = "ElevenLabs:AppMaxConcurrency";
    public const string ElevenLabsRetryAttempts = "ElevenLabs:RetryAttempts";
    public const string ElevenLabsRetryBaseDelay = "ElevenLabs:RetryBaseDelay";
    public const string ElevenLabsAttemptTimeout = "ElevenLabs:AttemptTimeout";
    public const string ElevenLabsTotalTimeout = "ElevenLabs:TotalTimeout";
    public const string ElevenLabsInitiationSecret = "ElevenLabs:InitiationSecret";
    public const string ElevenLabsPreviousInitiationSecret = "ElevenLabs:PreviousInitiationSecret";

    public const string WebhooksSection = "Webhooks";
    public const string WebhooksSignatureTolerance = "Webhooks:SignatureTolerance";
    public const string WebhooksMaxBodyBytes = "Webhooks:MaxBodyBytes";

    public const string InitiationSection = "Initiation";
    public const string InitiationUpstreamUrl = "Initiation:UpstreamUrl";
    public const string InitiationUpstreamHeaders = "Initiation:UpstreamHeaders";
    public const string InitiationUpstreamTimeout = "Initiation:UpstreamTimeout";
    public const string InitiationDefaultDynamicVariables = "Initiation:DefaultDynamicVariables";

    public const string DetectionSection = "Detection";
    public const string DetectionSchedule = "Detection:Schedule";
    public const string DetectionLookBack = "Detection:LookBack";
    public const string DetectionSweepBudget = "Detection:SweepBudget";
    public const string DetectionSettleDelay = "Detection:SettleDelay";
    public const string DetectionFuzzyGap = "Detection:FuzzyGap";
    public const string DetectionProbableSiblingGap = "Detection:ProbableSiblingGap";
    public const string DetectionBlankMaxSeconds = "Detection:BlankMaxSeconds";
    public const string DetectionMaxCallSpan = "Detection:MaxCallSpan";
    public const string DetectionAlertVerdicts = "Detection:AlertVerdicts";
    public const string DetectionDiscoveryEnabled = "Detection:DiscoveryEnabled";
    public const string DetectionDiscoveryBudget = "Detection:DiscoveryBudget";
    public const string DetectionDiscoveryMaxQueries = "Detection:DiscoveryMaxQueries";
    public const string DetectionDiscoveryMaxDetails = "Detection:DiscoveryMaxDetails";
    public const string DetectionWebhookHealthEnabled = "Detection:WebhookHealthEnabled";
    public const string DetectionWebhookId = "Detection:WebhookId";
    public const string DetectionWebhookQuietPeriod = "Detection:WebhookQuietPeriod";
    public const string DetectionWebhookFailureWindow = "Detection:WebhookFailureWindow";

    public const string AlertsSection = "Alerts";
    public const string AlertsTeamsWebhookUrl = "Alerts:Teams:WebhookUrl";
    public const string AlertsEmailEndpoint = "Alerts:Email:Endpoint";
    public const string AlertsEmailAccessKey = "Alerts:Email:AccessKey";
    public const string AlertsEmailSender = "Alerts:Email:Sender";
    public const string AlertsEmailRecipients = "Alerts:Email:Recipients";
    public const string AlertsDashboardUrl = "Alerts:DashboardUrl";
    public const string AlertsClaimLease = "Alerts:ClaimLease";
    public const string AlertsMaxAttempts = "Alerts:MaxAttempts";
    public const string AlertsIncidentThreshold = "Alerts:IncidentThreshold";
    public const string AlertsIncidentWindow = "Alerts:IncidentWindow";
    public const string AlertsRollupInterval = "Alerts:RollupInterval";
    public const string AlertsResolveAfter = "Alerts:ResolveAfter";

    public const string TwilioSection = "Twilio";
    public const string TwilioAccountSid = "Twilio:AccountSid";
    public const string TwilioApiKeySid = "Twilio:ApiKeySid";
    public const string TwilioApiKeySecret = "Twilio:ApiKeySecret";
    public const string TwilioBaseUrl = "Twilio:BaseUrl";
    public const string TwilioMaxConcurrency = "Twilio:MaxConcurrency";

    public const string RetentionSection = "Retention";
    public const string RetentionDays = "Retention:Days";

    /// <summary>The environment-variable / app-setting form of a configuration key.</summary>
    public static string ToEnvironmentForm(string key) => key.Replace(":", "__", StringComparison.Ordinal);
}
