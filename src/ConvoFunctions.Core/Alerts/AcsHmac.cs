using System.Security.Cryptography;
using System.Text;

namespace ConvoFunctions.Alerts;

/// <summary>
/// Azure Communication Services access-key authentication: HMAC-SHA256 over
/// <c>VERB\npath-and-query\nx-ms-date;host;x-ms-content-sha256</c> with the base64-decoded key.
/// </summary>
internal static class AcsHmac
{
    public const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    public static void Sign(HttpRequestMessage request, byte[] body, string accessKey, DateTimeOffset now)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var contentHash = Convert.ToBase64String(SHA256.HashData(body));
        var date = now.UtcDateTime.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var stringToSign = StringToSign(request.Method.Method, uri, date, contentHash);
        string signature;
        using (var hmac = new HMACSHA256(Convert.FromBase64String(accessKey)))
        {
            signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(stringToSign)));
        }
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-content-sha256", contentHash);
        request.Headers.TryAddWithoutValidation("Authorization", $"HMAC-SHA256 SignedHeaders={SignedHeaders}&Signature={signature}");
    }

    /// <summary>The host is the URI's authority (with a non-default port), as the Host header sends it.</summary>
    public static string StringToSign(string method, Uri uri, string date, string contentHash) =>
        $"{method.ToUpperInvariant()}\n{uri.PathAndQuery}\n{date};{uri.Authority};{contentHash}";
}
