using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using ConvoFunctions.ElevenLabs;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.Options;

namespace ConvoFunctions.Benchmarks;

/// <summary>
/// Signature verification against the floor it cannot beat: one plain HMAC-SHA256 over the same bytes.
/// The verifier streams the body in 80 KB chunks as the ingest does.
/// </summary>
[MemoryDiagnoser]
public class SignatureBenchmarks
{
    private const string Secret = "wsec_sample_5f0c2a9e8b7d6c4b3a291807f6e5d4c3";
    private const int Chunk = 81920;
    private byte[] _body = [];
    private byte[] _prefixed = [];
    private string _header = "";
    private WebhookSignatureVerifier _verifier = null!;

    [Params(4 * 1024, 1024 * 1024, 25 * 1024 * 1024)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = new byte[BodyBytes];
        new Random(42).NextBytes(_body);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        _header = WebhookSigner.Sign(_body, Secret, now);
        _prefixed = [.. Encoding.ASCII.GetBytes($"{now}."), .. _body];
        _verifier = new WebhookSignatureVerifier(
            Options.Create(new ElevenLabsOptions { WebhookSecret = Secret }),
            Options.Create(new WebhookOptions()),
            TimeProvider.System);
    }

    [Benchmark(Baseline = true)]
    public byte[] PlainHmac() => HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), _prefixed);

    [Benchmark]
    public bool VerifyStreamed()
    {
        if (_verifier.CheckHeader(_header, out var header) is not null) throw new InvalidOperationException();
        using var hasher = _verifier.Begin(header!);
        for (var offset = 0; offset < _body.Length; offset += Chunk)
        {
            hasher.Append(_body.AsSpan(offset, Math.Min(Chunk, _body.Length - offset)));
        }
        return hasher.Matches() ? true : throw new InvalidOperationException("signature did not verify");
    }
}
