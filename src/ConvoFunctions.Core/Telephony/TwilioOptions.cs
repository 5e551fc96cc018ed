using System.Globalization;
using ConvoFunctions.Configuration;

namespace ConvoFunctions.Telephony;

/// <summary>
/// Settings under <c>Twilio:</c>, for the Twilio side of a call's evidence. Optional: with none of the three
/// credentials set the feature is off; a partial or unusable set turns it off with one line naming the setting
/// (<see cref="Problems"/>), never stopping the app.
/// </summary>
internal sealed class TwilioOptions
{
    public const string PublicApiBaseUrl = "https://api.twilio.com";
    public const int DefaultMaxConcurrency = 2;
    public const string Feature = "Telephony evidence from Twilio";

    /// <summary>The account whose calls are read (<c>AC…</c>): it is part of every resource's path.</summary>
    public string? AccountSid { get; set; }

    /// <summary>An API key (<c>SK…</c>), the user name of Basic auth.</summary>
    public string? ApiKeySid { get; set; }

    /// <summary>The API key's secret, the password of Basic auth. Never logged, shown or put in an exception.</summary>
    public string? ApiKeySecret { get; set; }

    public string BaseUrl { get; set; } = PublicApiBaseUrl;

    /// <summary>Most Twilio requests at once (Twilio limits concurrent requests per account and answers 429, error 20429).</summary>
    public string MaxConcurrency { get; set; } = DefaultMaxConcurrency.ToString(CultureInfo.InvariantCulture);

    /// <summary>All three credentials are given and usable, and so are the base URL and the concurrency.</summary>
    public bool IsEnabled => !Problems().Any() && Credentials().All(c => !string.IsNullOrWhiteSpace(c.Value));

    /// <summary>None of the three credentials is given: the feature is off by choice.</summary>
    public bool IsAbsent => Credentials().All(c => string.IsNullOrWhiteSpace(c.Value));

    public Uri BaseUri => Uri.TryCreate(BaseUrl?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
        ? uri : new Uri(PublicApiBaseUrl);

    public int Concurrency => int.TryParse(MaxConcurrency, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 16
        ? n : DefaultMaxConcurrency;

    /// <summary>
    /// Why the feature is off although some of it is set, as one problem (the first found: one line names one setting to
    /// fix); empty when it is on or not set at all.
    /// </summary>
    public IEnumerable<SettingProblem> Problems()
    {
        if (Problem() is { } problem) yield return problem;
    }

    private SettingProblem? Problem()
    {
        if (IsAbsent) return null;
        foreach (var (setting, value) in Credentials())
        {
            if (KeyVaultReference.IsUnresolved(value)) return SettingProblem.Unresolved(Feature, setting);
            if (string.IsNullOrWhiteSpace(value))
                return new SettingProblem(Feature, setting,
                    $"is empty: set {SettingNames.ToEnvironmentForm(SettingNames.TwilioAccountSid)}, {SettingNames.ToEnvironmentForm(SettingNames.TwilioApiKeySid)} " +
                    $"and {SettingNames.ToEnvironmentForm(SettingNames.TwilioApiKeySecret)} together, or none of them");
        }
        if (!Uri.TryCreate(BaseUrl?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            return new SettingProblem(Feature, SettingNames.TwilioBaseUrl, $"is not an absolute URL such as {PublicApiBaseUrl}");
        if (!int.TryParse(MaxConcurrency, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 16)
            return new SettingProblem(Feature, SettingNames.TwilioMaxConcurrency, "must be a whole number from 1 to 16");
        return null;
    }

    private IEnumerable<(string Setting, string? Value)> Credentials()
    {
        yield return (SettingNames.TwilioAccountSid, AccountSid);
        yield return (SettingNames.TwilioApiKeySid, ApiKeySid);
        yield return (SettingNames.TwilioApiKeySecret, ApiKeySecret);
    }
}
