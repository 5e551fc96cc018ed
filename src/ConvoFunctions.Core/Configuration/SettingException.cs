namespace ConvoFunctions.Configuration;

/// <summary>
/// A setting (or the command-line option that stands in for it) is missing or unusable. The message names the
/// setting and what a valid value looks like, and never repeats the value: it may hold a key.
/// </summary>
internal sealed class SettingException(string message) : Exception(message);
