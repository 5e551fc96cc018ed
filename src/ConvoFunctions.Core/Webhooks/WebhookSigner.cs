using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ConvoFunctions.Webhooks;

/// <summary>Signs a body exactly as ElevenLabs does; used by <c>convo send</c>, the tests and the load harness.</summary>
internal static class WebhookSigner
{
    public static string Sign(ReadOnlySpan<byte> body, string secret, long unixSeconds)
    {
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(t + "."));
        hmac.AppendData(body);
        return $"t={t},v0={Convert.ToHexStringLower(hmac.GetHashAndReset())}";
    }
}
