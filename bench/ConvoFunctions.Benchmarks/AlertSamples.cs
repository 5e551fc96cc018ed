using System.Text.Json;
using ConvoFunctions.Alerts;
using ConvoFunctions.Detection;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Privacy;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Benchmarks;

/// <summary>
/// Writes the sample Teams message and email of a duplicate alert to docs/ (for docs/render-screenshots.sh): the
/// fixtures' real and blank conversation of one Twilio call (same call SID, 1 s apart), read, grouped and composed by
/// the production code (<see cref="ObservedConversation.FromApi"/>, <see cref="DuplicateGrouper"/>,
/// <see cref="AlertFactory"/>, <see cref="TeamsCard"/>, <see cref="EmailBody"/>).
/// </summary>
internal static class AlertSamples
{
    private const string Real = "conversation-real.json";
    private const string Blank = "conversation-blank.json";

    public static int Run(string? outputFolder)
    {
        var docs = outputFolder ?? Path.Combine(Above("ConvoFunctions.sln", file: true), "docs");
        Directory.CreateDirectory(docs);
        var fixtures = Path.Combine(Above("ConvoFunctions.sln", file: true), "tests", "ConvoFunctions.Tests", "Fixtures", "elevenlabs");

        var conversations = new[] { Real, Blank }.Select(name => Read(Path.Combine(fixtures, name))).ToList();
        var group = DuplicateGrouper.Group(conversations, TimeSpan.FromMinutes(2)).Single();
        var alert = new AlertFactory(Options.Create(new AlertOptions())).ForDuplicate(group, group.Key, previous: null, DateTimeOffset.FromUnixTimeSeconds(1763997000));

        var teams = TeamsCard.Serialize(TeamsCard.Message(alert)) + "\n";
        var email = EmailBody.For(alert);
        var html = email.Html + "\n";

        // The samples are published: the caller must appear only as production masks it.
        var caller = conversations.Select(c => c.Caller).First(c => !string.IsNullOrEmpty(c))!;
        var masked = PhoneMask.Mask(caller, "unknown");
        var digits = new string(caller.Where(char.IsDigit).ToArray());
        foreach (var (name, text) in new[] { ("Teams message", teams), ("email HTML", html), ("email text", email.PlainText) })
        {
            if (text.Contains(digits, StringComparison.Ordinal) || text.Contains(caller, StringComparison.Ordinal) || !text.Contains(masked, StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"The {name} does not show the caller masked as {masked}.");
                return 1;
            }
        }

        Write(Path.Combine(docs, "alert-teams-message.json"), teams);
        Write(Path.Combine(docs, "alert-email.html"), html);
        Write(Path.Combine(docs, "alert-email.txt"), email.PlainText);
        return 0;
    }

    private static ObservedConversation Read(string path)
    {
        var text = File.ReadAllText(path);
        var dto = JsonSerializer.Deserialize<ConversationDto>(text, ElevenLabsJson.Options)
            ?? throw new InvalidDataException($"{path} holds no conversation.");
        var id = JsonDocument.Parse(text).RootElement.GetProperty("conversation_id").GetString()
            ?? throw new InvalidDataException($"{path} has no conversation_id.");
        return ObservedConversation.FromApi(dto, id, DateTimeOffset.FromUnixTimeSeconds(1763997000));
    }

    private static void Write(string path, string text)
    {
        File.WriteAllText(path, text);
        Console.WriteLine($"wrote {path}");
    }

    /// <summary>The nearest folder above the binary or the working directory that holds <paramref name="name"/>.</summary>
    private static string Above(string name, bool file)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, name);
                if (file ? File.Exists(candidate) : Directory.Exists(candidate)) return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"{name} was not found above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}.");
    }
}
