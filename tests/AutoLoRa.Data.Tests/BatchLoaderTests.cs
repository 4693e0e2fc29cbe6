using AutoLoRa.Cpu;
using AutoLoRa.Data.Tests.Support;

namespace AutoLoRa.Data.Tests;

public sealed class BatchLoaderTests
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="action"/> on the thread pool and fails if it has not finished in time (a hang), instead of hanging the test run.</summary>
    private static void WithinTime(Action action)
    {
        var task = Task.Run(action);
        Assert.True(task.Wait(NoHang), "did not finish: the loader hung");
    }

    private static List<(int[] Ids, int[] Labels, float[] Images)> Collect(BatchLoader loader, int epoch) =>
        [.. loader.Epoch(epoch).Select(b => (Enumerable.Range(0, b.Count).Select(i => TestDatasets.SampleId(b, i)).ToArray(), b.LabelValues.ToArray(), b.ImageValues.ToArray()))];

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Each_epoch_covers_every_sample_once(bool background, bool dropLast)
    {
        var ds = TestDatasets.Indexed(23);
        using var loader = new BatchLoader(ds, 5, new BatchLoaderOptions { Seed = 3, Background = background, DropLast = dropLast });
        WithinTime(() =>
        {
            for (int epoch = 0; epoch < 2; epoch++)
            {
                var batches = Collect(loader, epoch);
                Assert.Equal(dropLast ? 4 : 5, batches.Count);
                Assert.Equal(loader.BatchesPerEpoch, batches.Count);
                var ids = batches.SelectMany(b => b.Ids).ToArray();
                Assert.Equal(dropLast ? 20 : 23, ids.Distinct().Count());
                Assert.Equal(ids.Length, ids.Distinct().Count());
                Assert.All(batches, b => Assert.Equal(b.Ids.Select(i => ds.Labels[i]), b.Labels));
                Assert.Equal(ids, loader.EpochOrder(epoch).Take(ids.Length));
            }
        });
    }

    [Fact]
    public void Shuffle_depends_on_epoch_and_seed_only()
    {
        var ds = TestDatasets.Indexed(100);
        using var a = new BatchLoader(ds, 10, new BatchLoaderOptions { Seed = 1 });
        using var b = new BatchLoader(ds, 10, new BatchLoaderOptions { Seed = 1 });
        using var c = new BatchLoader(ds, 10, new BatchLoaderOptions { Seed = 2 });
        Assert.Equal(a.EpochOrder(4), b.EpochOrder(4));
        Assert.NotEqual(a.EpochOrder(4), a.EpochOrder(5));
        Assert.NotEqual(a.EpochOrder(4), c.EpochOrder(4));
        using var plain = new BatchLoader(ds, 10, new BatchLoaderOptions { Shuffle = false });
        Assert.Equal(Enumerable.Range(0, 100), plain.EpochOrder(3));
    }

    [Fact]
    public void Background_batches_equal_synchronous_batches()
    {
        var ds = TestDatasets.Indexed(61, channels: 3, height: 8, width: 8);
        var options = new BatchLoaderOptions { Seed = 11, Transform = new Augmentation(2, true), Prefetch = 3 };
        using var background = new BatchLoader(ds, 8, options);
        using var sync = new BatchLoader(ds, 8, options with { Background = false });
        WithinTime(() =>
        {
            for (int epoch = 0; epoch < 3; epoch++)
            {
                var x = Collect(background, epoch);
                var y = Collect(sync, epoch);
                Assert.Equal(x.Count, y.Count);
                for (int i = 0; i < x.Count; i++)
                {
                    Assert.Equal(y[i].Labels, x[i].Labels);
                    Assert.Equal(y[i].Images, x[i].Images);
                }
            }
        });
    }

    [Fact]
    public void Buffers_are_reused_across_batches_and_epochs()
    {
        using var loader = new BatchLoader(TestDatasets.Indexed(40), 4, new BatchLoaderOptions { Prefetch = 2 });
        var seen = new HashSet<Batch>(ReferenceEqualityComparer.Instance);
        WithinTime(() =>
        {
            for (int epoch = 0; epoch < 3; epoch++)
                foreach (var batch in loader.Epoch(epoch)) seen.Add(batch);
        });
        Assert.True(seen.Count <= 3, $"{seen.Count} batch buffers for prefetch 2");
    }

    private sealed class FailingTransform(int failAtCall) : ISampleTransform
    {
        private int _calls;

        public void Apply(ReadOnlySpan<byte> source, int channels, int height, int width, Span<float> destination, ref SeededRandom rng)
        {
            if (Interlocked.Increment(ref _calls) == failAtCall) throw new InvalidOperationException("transform exploded at sample " + failAtCall);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Worker_exception_reaches_the_consumer_unchanged(bool background)
    {
        using var loader = new BatchLoader(TestDatasets.Indexed(20), 2, new BatchLoaderOptions { Transform = new FailingTransform(7), Background = background });
        WithinTime(() =>
        {
            int received = 0;
            var e = Assert.Throws<InvalidOperationException>(() =>
            {
                foreach (var _ in loader.Epoch(0)) received++;
            });
            Assert.Equal("transform exploded at sample 7", e.Message);
            Assert.Equal(3, received); // batches 0–2 were good; batch 3 holds sample 7
        });
    }

    [Fact]
    public void Breaking_out_mid_epoch_stops_the_worker_and_frees_the_loader()
    {
        using var loader = new BatchLoader(TestDatasets.Indexed(200), 2, new BatchLoaderOptions { Prefetch = 2 });
        WithinTime(() =>
        {
            var seen = new HashSet<Batch>(ReferenceEqualityComparer.Instance);
            foreach (var batch in loader.Epoch(0))
            {
                seen.Add(batch);
                break;
            }
            foreach (var batch in loader.Epoch(1)) seen.Add(batch); // a second epoch can run...
            Assert.True(seen.Count <= 3, $"{seen.Count} buffers: the broken epoch did not return its buffers to the pool");
        });
    }

    [Fact]
    public void Disposing_the_loader_mid_epoch_ends_the_enumeration()
    {
        var loader = new BatchLoader(TestDatasets.Indexed(200), 2);
        WithinTime(() =>
        {
            using var e = loader.Epoch(0).GetEnumerator();
            Assert.True(e.MoveNext());
            loader.Dispose();
            Assert.Throws<ObjectDisposedException>(() =>
            {
                while (e.MoveNext())
                {
                }
            });
        });
        Assert.Throws<ObjectDisposedException>(() => loader.Epoch(1));
    }

    [Fact]
    public void Cancellation_mid_epoch_throws_and_does_not_hang()
    {
        using var loader = new BatchLoader(TestDatasets.Indexed(200), 2);
        using var cts = new CancellationTokenSource();
        WithinTime(() =>
        {
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                foreach (var batch in loader.Epoch(0, cts.Token))
                {
                    if (batch.Index == 3) cts.Cancel();
                }
            });
        });
    }

    [Fact]
    public void Only_one_epoch_at_a_time()
    {
        using var loader = new BatchLoader(TestDatasets.Indexed(20), 2);
        WithinTime(() =>
        {
            using var first = loader.Epoch(0).GetEnumerator();
            Assert.True(first.MoveNext());
            Assert.Throws<InvalidOperationException>(() => loader.Epoch(1).GetEnumerator().MoveNext());
        });
    }

    [Fact]
    public void Batch_uploads_to_tensors()
    {
        var ds = TestDatasets.Indexed(5, channels: 2, height: 3, width: 3);
        using var loader = new BatchLoader(ds, 4, new BatchLoaderOptions { Shuffle = false, Background = false });
        using var backend = new CpuBackend();
        var last = loader.Epoch(0).Last();
        var (images, labels) = last.ToTensors(backend);
        using (images)
        using (labels)
        {
            Assert.Equal(new AutoLoRa.Core.Shape(1, 2, 3, 3), images.Shape);
            Assert.Equal(last.ImageValues.ToArray(), images.ToArray());
            Assert.Equal([ds.Labels[4]], labels.ToIntArray());
            Assert.Equal(4 / 255f, images.ToArray()[0]);
        }
    }

    [Fact]
    public void As_an_image_set_the_dataset_serves_what_a_batch_loader_with_the_same_settings_serves()
    {
        var ds = TestDatasets.Indexed(23, channels: 2, height: 6, width: 6);
        IImageSet set = ds;
        var ordering = new EpochOrdering(Shuffle: true, DropLast: false, Seed: 4, Background: true, Prefetch: 2);
        var augmentation = new Augmentation(2, HorizontalFlip: true);
        using var direct = new BatchLoader(ds, 5, new BatchLoaderOptions { Seed = 4, Transform = augmentation });
        using var viaSet = Assert.IsType<BatchLoader>(set.CreateLoader(5, ordering, augmentation));
        AssertSameBatches(Collect(direct, 1), Collect(viaSet, 1));

        // An augmentation that changes nothing is no transform at all, as the training loop always did.
        using var plain = new BatchLoader(ds, 5, new BatchLoaderOptions { Seed = 4 });
        using var noOp = Assert.IsType<BatchLoader>(set.CreateLoader(5, ordering, new Augmentation(0, HorizontalFlip: false)));
        Assert.Null(noOp.Options.Transform);
        AssertSameBatches(Collect(plain, 0), Collect(noOp, 0));

        // Subsets through the interface stay in memory and keep their samples.
        var picked = Assert.IsType<ImageDataset>(set.Select([4, 2, 9]));
        Assert.Equal([4, 2, 9], Enumerable.Range(0, 3).Select(i => (int)picked.Sample(i)[0]));
        Assert.Equal([4 % 10, 2 % 10, 9 % 10], picked.Labels);
    }

    private static void AssertSameBatches(List<(int[] Ids, int[] Labels, float[] Images)> expected, List<(int[] Ids, int[] Labels, float[] Images)> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int b = 0; b < expected.Count; b++)
        {
            Assert.Equal(expected[b].Ids, actual[b].Ids);
            Assert.Equal(expected[b].Labels, actual[b].Labels);
            Assert.Equal(expected[b].Images, actual[b].Images);
        }
    }
}
