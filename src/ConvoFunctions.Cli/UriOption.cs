using System.CommandLine;

namespace ConvoFunctions.Cli;

/// <summary>
/// An option holding an absolute URL. System.CommandLine has no built-in <see cref="Uri"/> conversion, so every
/// URL option is made here, with the parser that turns text into a clear usage error instead of a crash.
/// </summary>
internal static class UriOption
{
    public static Option<Uri?> Create(string name, string description, Uri? defaultValue = null)
    {
        var option = new Option<Uri?>(name)
        {
            Description = description,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri)) return uri;
                result.AddError($"{name} must be an absolute URL, not '{text}'.");
                return null;
            },
        };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue;
        return option;
    }
}
