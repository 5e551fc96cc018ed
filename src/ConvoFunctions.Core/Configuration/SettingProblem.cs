namespace ConvoFunctions.Configuration;

/// <summary>
/// An optional feature that turned itself off because of one of its settings. <see cref="Setting"/> is the
/// configuration key (<c>Section:Key</c>); logs show its app-setting form, which is what a person edits.
/// </summary>
internal sealed record SettingProblem(string Feature, string Setting, string Fix)
{
    public string AppSetting => SettingNames.ToEnvironmentForm(Setting);

    public static SettingProblem Unresolved(string feature, string setting) =>
        new(feature, setting, "is an unresolved Key Vault reference: create the secret, or check that the app's identity holds Key Vault Secrets User, then restart the app");
}
