using Azure;

namespace ConvoFunctions.Storage;

internal static class MissingAsEmptyExtensions
{
    /// <summary>
    /// The query's items; none when its table is not there. A fresh local account has no tables until the first
    /// write, and a read before it finds nothing rather than failing.
    /// </summary>
    public static async IAsyncEnumerable<T> MissingAsEmpty<T>(this AsyncPageable<T> query) where T : notnull
    {
        await using var pages = query.AsPages().GetAsyncEnumerator();
        while (true)
        {
            try
            {
                if (!await pages.MoveNextAsync()) yield break;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                yield break;
            }
            foreach (var item in pages.Current.Values) yield return item;
        }
    }
}
