using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ConvoFunctions.Benchmarks.Reliability;

/// <summary>
/// A Teams Workflows or ACS endpoint on loopback for the harness: records every POST body and answers 202, except a
/// configured share answered 500 so that channel retries (and their double-send risk) are exercised.
/// </summary>
internal sealed class StandInReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _accepted = new();
    private readonly Random _random;
    private readonly double _failureShare;
    private int _failed;

    private StandInReceiver(WebApplication app, double failureShare, int seed)
    {
        _app = app;
        _failureShare = failureShare;
        _random = new Random(seed);
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Bodies answered 202: what a person would actually have received.</summary>
    public IReadOnlyCollection<string> Accepted => _accepted.ToArray();

    public int Failed => Volatile.Read(ref _failed);

    public static async Task<StandInReceiver> StartAsync(double failureShare, int seed)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new StandInReceiver(app, failureShare, seed);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseAddress = new Uri(app.Urls.First());
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        double draw;
        lock (_random) draw = _random.NextDouble();
        if (draw < _failureShare)
        {
            Interlocked.Increment(ref _failed);
            context.Response.StatusCode = 500;
            return;
        }
        _accepted.Enqueue(body);
        context.Response.StatusCode = 202;
        context.Response.Headers["Operation-Location"] = $"{BaseAddress}emails/operations/{_accepted.Count}";
        await context.Response.WriteAsync("{\"status\":\"Running\"}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
