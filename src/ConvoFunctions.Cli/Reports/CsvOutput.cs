using CsvHelper;

namespace ConvoFunctions.Cli.Reports;

/// <summary>CSV as every verb writes it: RFC 4180 through CsvHelper, with spreadsheet formula injection escaped.</summary>
internal static class CsvOutput
{
    public static void Write(TextWriter output, string[] header, IEnumerable<string[]> records)
    {
        // Values come from the API: a field starting with = + - @ is escaped so that a spreadsheet never runs it.
        using var csv = CsvWriter.Create(output, new CsvWriterOptions { Injection = CsvInjection.Escape }, leaveOpen: true);
        csv.WriteHeader(header);
        foreach (var record in records) csv.WriteRecord(record);
        csv.Flush();
    }
}
