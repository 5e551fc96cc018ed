using ConvoFunctions.Correlation;

namespace ConvoFunctions.Tests.Enrichment;

public sealed class ActivityBucketTests
{
    [Fact]
    public void Buckets_are_utc_hours()
    {
        Assert.Equal("2025112415", ActivityBuckets.For(DateTimeOffset.FromUnixTimeSeconds(1763996400)));
        Assert.Equal("2025112415", ActivityBuckets.For(new DateTimeOffset(2025, 11, 24, 16, 59, 59, TimeSpan.FromHours(1))));
    }

    [Fact]
    public void A_window_reads_only_the_hours_it_overlaps()
    {
        var now = new DateTimeOffset(2025, 11, 24, 15, 10, 0, TimeSpan.Zero);

        Assert.Equal(["2025112414", "2025112415"], ActivityBuckets.Covering(now - TimeSpan.FromMinutes(30), now));
        Assert.Equal(["2025112415"], ActivityBuckets.Covering(now - TimeSpan.FromMinutes(5), now));
        Assert.Equal(["2025112323", "2025112400"], ActivityBuckets.Covering(
            new DateTimeOffset(2025, 11, 23, 23, 50, 0, TimeSpan.Zero), new DateTimeOffset(2025, 11, 24, 0, 5, 0, TimeSpan.Zero)));
    }
}
