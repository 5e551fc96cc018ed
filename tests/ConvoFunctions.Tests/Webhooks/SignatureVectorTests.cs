using System.Text.Json;
using ConvoFunctions.Tests.Infrastructure;
using ConvoFunctions.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace ConvoFunctions.Tests.Webhooks;

/// <summary>Our verifier agrees with the published ElevenLabs algorithm on the published vectors.</summary>
public sealed class SignatureVectorTests
{
    public static TheoryData<string> Vectors()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(Fixtures.Text(Fixtures.Signatures));
        foreach (var vector in doc.RootElement.GetProperty("vectors").EnumerateArray()) data.Add(vector.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verifier_agrees_with_the_vector(string name)
    {
        using var doc = JsonDocument.Parse(Fixtures.Text(Fixtures.Signatures));
        var vector = doc.RootElement.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);
        var verifier = CreateVerifier(vector.GetProperty("secret").GetString()!, vector.GetProperty("now").GetInt64());

        var failure = Verify(verifier, vector.GetProperty("header").GetString(), Fixtures.Bytes(vector.GetProperty("body_file").GetString()!));

        Assert.Equal(vector.GetProperty("valid").GetBoolean(), failure is null);
    }

    [Fact]
    public void Signer_produces_the_published_valid_header()
    {
        var signed = WebhookSigner.Sign(Fixtures.Bytes(Fixtures.SignedBody), TestServices.Secret, 1763996550);

        Assert.Equal("t=1763996550,v0=5ec288ef26fd13701f8aabe4d8b9574f239fb6f590fa41f8f61e4b494b72d446", signed);
    }

    [Theory]
    [InlineData(null, nameof(SignatureFailure.HeaderMissing))]
    [InlineData("", nameof(SignatureFailure.HeaderMissing))]
    [InlineData("v0=abc", nameof(SignatureFailure.HeaderMalformed))]
    [InlineData("t=1763996550", nameof(SignatureFailure.HeaderMalformed))]
    [InlineData("t=abc,v0=5ec288ef26fd13701f8aabe4d8b9574f239fb6f590fa41f8f61e4b494b72d446", nameof(SignatureFailure.HeaderMalformed))]
    [InlineData("garbage", nameof(SignatureFailure.HeaderMalformed))]
    [InlineData("t=1763994749,v0=5ec288ef26fd13701f8aabe4d8b9574f239fb6f590fa41f8f61e4b494b72d446", nameof(SignatureFailure.TimestampOutOfTolerance))]
    [InlineData("t=1763998351,v0=5ec288ef26fd13701f8aabe4d8b9574f239fb6f590fa41f8f61e4b494b72d446", nameof(SignatureFailure.TimestampOutOfTolerance))]
    public void Header_failures_are_named(string? header, string expected)
    {
        var verifier = CreateVerifier(TestServices.Secret, now: 1763996550);

        Assert.Equal(Enum.Parse<SignatureFailure>(expected), Verify(verifier, header, Fixtures.Bytes(Fixtures.SignedBody)));
    }

    [Fact]
    public void A_hasher_abandoned_mid_body_leaves_nothing_behind_for_the_next_request()
    {
        var verifier = CreateVerifier(TestServices.Secret, now: 1763996550);
        var body = Fixtures.Bytes(Fixtures.SignedBody);
        var header = WebhookSigner.Sign(body, TestServices.Secret, 1763996550);
        Assert.Null(verifier.CheckHeader(header, out var parsed));

        // An oversized or aborted request stops hashing half-way; its pooled HMAC state must come back clean.
        for (var i = 0; i < 3; i++)
        {
            var abandoned = verifier.Begin(parsed!);
            abandoned.Append(body.AsSpan(0, 100));
            abandoned.Dispose();
            abandoned.Dispose();
        }

        Assert.Null(Verify(verifier, header, body));
        Assert.Null(Verify(verifier, header, body));
    }

    [Fact]
    public void Previous_secret_is_accepted_during_rotation_and_dropped_after()
    {
        var body = Fixtures.Bytes(Fixtures.SignedBody);
        var header = WebhookSigner.Sign(body, "old-secret", 1763996550);

        var rotating = CreateVerifier("new-secret", 1763996550, previous: "old-secret");
        var rotated = CreateVerifier("new-secret", 1763996550);

        Assert.Null(Verify(rotating, header, body));
        Assert.Equal(SignatureFailure.SignatureMismatch, Verify(rotated, header, body));
    }

    /// <summary>The ingest's steps: the header first, then the body hashed as it streams in, in chunks.</summary>
    private static SignatureFailure? Verify(WebhookSignatureVerifier verifier, string? header, byte[] body)
    {
        if (verifier.CheckHeader(header, out var parsed) is { } failure) return failure;
        using var hasher = verifier.Begin(parsed!);
        foreach (var chunk in body.Chunk(1024)) hasher.Append(chunk);
        return hasher.Matches() ? null : SignatureFailure.SignatureMismatch;
    }

    private static WebhookSignatureVerifier CreateVerifier(string secret, long now, string? previous = null)
    {
        var services = TestServices.Create(
            "UseDevelopmentStorage=true",
            new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(now)),
            new Dictionary<string, string?>
            {
                ["ElevenLabs:WebhookSecret"] = secret,
                ["ElevenLabs:PreviousWebhookSecret"] = previous,
            });
        return services.GetRequiredService<WebhookSignatureVerifier>();
    }
}
