using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ConvoFunctions.ElevenLabs;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Webhooks;

/// <summary>Which part of the <c>ElevenLabs-Signature</c> check failed; named in the 401 answer.</summary>
internal enum SignatureFailure
{
    HeaderMissing,
    HeaderMalformed,
    TimestampOutOfTolerance,
    SignatureMismatch,
}

/// <summary>The parsed <c>ElevenLabs-Signature: t=&lt;unix seconds&gt;,v0=&lt;hex&gt;</c> header.</summary>
internal sealed record SignatureHeader(long Timestamp, IReadOnlyList<string> Signatures)
{
    public const string Name = "ElevenLabs-Signature";

    public static SignatureFailure? TryParse(string? value, out SignatureHeader? header)
    {
        header = null;
        if (string.IsNullOrWhiteSpace(value)) return SignatureFailure.HeaderMissing;

        long? timestamp = null;
        var signatures = new List<string>(1);
        foreach (var range in value.AsSpan().Split(','))
        {
            var part = value.AsSpan(range).Trim();
            if (part.StartsWith("t=", StringComparison.Ordinal)
                && long.TryParse(part[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (part.StartsWith("v0=", StringComparison.Ordinal) && part.Length > 3)
            {
                signatures.Add(part[3..].ToString());
            }
        }

        if (timestamp is null || signatures.Count == 0) return SignatureFailure.HeaderMalformed;
        header = new SignatureHeader(timestamp.Value, signatures);
        return null;
    }
}

/// <summary>
/// Verifies ElevenLabs webhook signatures: lower-case hex HMAC-SHA256 with the shared secret over
/// <c>"&lt;t&gt;.&lt;raw body&gt;"</c>, within a clock tolerance. Accepts the previous secret during rotation.
/// </summary>
internal sealed class WebhookSignatureVerifier(
    IOptions<ElevenLabsOptions> elevenLabs,
    IOptions<WebhookOptions> webhooks,
    TimeProvider time)
{
    // Keyed HMAC states are reused across requests: setting up a keyed HMAC costs as much as hashing a few KB,
    // which would otherwise dominate the typical (few-KB) transcription webhook.
    private readonly HmacPool[] _pools = elevenLabs.Value.WebhookSecrets().Select(s => new HmacPool(Encoding.UTF8.GetBytes(s))).ToArray();

    /// <summary>The checks that need no body: header shape and timestamp tolerance.</summary>
    public SignatureFailure? CheckHeader(string? value, out SignatureHeader? header)
    {
        var failure = SignatureHeader.TryParse(value, out header);
        if (failure is not null) return failure;

        var age = time.GetUtcNow().ToUnixTimeSeconds() - header!.Timestamp;
        return Math.Abs(age) > webhooks.Value.SignatureTolerance.TotalSeconds
            ? SignatureFailure.TimestampOutOfTolerance
            : null;
    }

    /// <summary>Starts an HMAC per configured secret so the body can be hashed as it streams in.</summary>
    public SignatureHasher Begin(SignatureHeader header) => new(header, _pools);
}

/// <summary>Keyed HMAC-SHA256 states for one secret, handed out one per request and returned reset.</summary>
internal sealed class HmacPool(byte[] key)
{
    private readonly ConcurrentBag<IncrementalHash> _idle = [];

    public IncrementalHash Rent() => _idle.TryTake(out var hmac) ? hmac : IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);

    /// <summary>Takes back a state that is reset (GetHashAndReset was its last call).</summary>
    public void Return(IncrementalHash hmac) => _idle.Add(hmac);
}

internal sealed class SignatureHasher : IDisposable
{
    private const int HexLength = 64;
    private readonly HmacPool[] _pools;
    private readonly IncrementalHash[] _hmacs;
    private readonly IReadOnlyList<string> _candidates;
    private bool _finished;
    private bool _disposed;

    internal SignatureHasher(SignatureHeader header, HmacPool[] pools)
    {
        _pools = pools;
        _candidates = header.Signatures;
        Span<byte> prefix = stackalloc byte[24];
        header.Timestamp.TryFormat(prefix, out var written, default, CultureInfo.InvariantCulture);
        prefix[written++] = (byte)'.';
        _hmacs = new IncrementalHash[pools.Length];
        for (var i = 0; i < pools.Length; i++)
        {
            _hmacs[i] = pools[i].Rent();
            _hmacs[i].AppendData(prefix[..written]);
        }
    }

    public void Append(ReadOnlySpan<byte> chunk)
    {
        foreach (var hmac in _hmacs) hmac.AppendData(chunk);
    }

    /// <summary>True when any candidate signature equals any secret's HMAC, compared in constant time.</summary>
    public bool Matches()
    {
        Span<byte> mac = stackalloc byte[32];
        Span<char> hex = stackalloc char[HexLength];
        Span<byte> expected = stackalloc byte[HexLength];
        Span<byte> candidate = stackalloc byte[HexLength];
        var match = false;
        _finished = true;
        foreach (var hmac in _hmacs)
        {
            hmac.GetHashAndReset(mac);
            // ElevenLabs sends lower-case hex; comparing the ASCII text keeps upper-case (a different string) out.
            Convert.TryToHexStringLower(mac, hex, out _);
            Encoding.ASCII.GetBytes(hex, expected);
            foreach (var text in _candidates)
            {
                if (text.Length != HexLength || Encoding.ASCII.GetBytes(text, candidate) != HexLength) continue;
                match |= CryptographicOperations.FixedTimeEquals(expected, candidate);
            }
        }
        return match;
    }

    public void Dispose()
    {
        // Returning a state twice would hand it to two requests at once.
        if (_disposed) return;
        _disposed = true;
        for (var i = 0; i < _hmacs.Length; i++)
        {
            // An unfinished state (body too large, request aborted) still holds data: reset it before reuse.
            if (!_finished) _hmacs[i].GetHashAndReset();
            _pools[i].Return(_hmacs[i]);
        }
    }
}
