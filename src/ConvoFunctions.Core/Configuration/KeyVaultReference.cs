namespace ConvoFunctions.Configuration;

/// <summary>
/// App Service passes a Key Vault reference it cannot resolve (missing secret, missing role) to the app as its
/// literal text. Such a value must never be used as a secret: for a webhook secret it would be guessable.
/// </summary>
internal static class KeyVaultReference
{
    private const string Prefix = "@Microsoft.KeyVault(";

    public static bool IsUnresolved(string? value) =>
        value is not null && value.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The value when it is a usable secret; null when empty or an unresolved reference.</summary>
    public static string? Usable(string? value) => string.IsNullOrEmpty(value) || IsUnresolved(value) ? null : value;
}
