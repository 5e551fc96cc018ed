namespace ConvoFunctions.Storage;

/// <summary>Queue trigger behaviour the code relies on; host.json must agree (a test checks it).</summary>
internal static class QueueSettings
{
    /// <summary>
    /// host.json <c>extensions.queues.maxDequeueCount</c>: deliveries before the host moves a message to
    /// <c>&lt;queue&gt;-poison</c>. On this delivery the function writes the poison envelope itself, with the reason.
    /// </summary>
    public const int MaxDequeueCount = 5;
}
