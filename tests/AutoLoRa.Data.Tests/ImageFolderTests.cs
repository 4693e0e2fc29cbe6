using AutoLoRa.Data.Folders;
using AutoLoRa.Data.Tests.Support;
using StbImageWriteSharp;

namespace AutoLoRa.Data.Tests;

public class ImageFolderTests
{
    /// <summary>RGB bytes whose values encode the position and a per-image tag.</summary>
    private static byte[] Pattern(int width, int height, int tag)
    {
        var p = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++) p[(y * width + x) * 3 + c] = (byte)(tag * 40 + x * 5 + y * 3 + c * 60);
        return p;
    }

    private static void WriteImage(string path, int width, int height, int tag)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        var writer = new ImageWriter();
        if (path.EndsWith(".png", StringComparison.Ordinal)) writer.WritePng(Pattern(width, height, tag), width, height, ColorComponents.RedGreenBlue, stream);
        else writer.WriteJpg(Pattern(width, height, tag), width, height, ColorComponents.RedGreenBlue, stream, 90);
    }

    /// <summary>DIR/{train,test}/{cat,dog}: PNGs and JPEGs of several sizes.</summary>
    private static void MakeSplitLayout(string root)
    {
        string[] classes = ["dog", "cat"];
        for (int c = 0; c < 2; c++)
        {
            for (int i = 0; i < 5; i++) WriteImage(Path.Combine(root, "train", classes[c], $"{i}.{(i % 2 == 0 ? "png" : "jpg")}"), 40 + 7 * i, 30 + 5 * c, i + c);
            for (int i = 0; i < 2; i++) WriteImage(Path.Combine(root, "test", classes[c], $"{i}.png"), 33, 47, i);
        }
        File.WriteAllText(Path.Combine(root, "train", "cat", "notes.txt"), "not an image");
    }

    [Fact]
    public void Reads_the_train_and_test_folders_with_classes_sorted_by_name()
    {
        using var dir = new TempDirectory();
        MakeSplitLayout(dir.Path);
        var train = ImageFolder.Open(dir.Path, train: true);
        var test = ImageFolder.Open(dir.Path, train: false);
        Assert.Equal(["cat", "dog"], train.ClassNames);
        Assert.Equal(10, train.Count);
        Assert.Equal(4, test.Count);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], train.Labels);
        Assert.Empty(train.Skipped);
        var png = train.Decode(0);
        Assert.Equal((40, 35), (png.Width, png.Height));
        Assert.Equal(Pattern(40, 35, 1), png.Pixels); // PNG is lossless
        var jpg = train.Decode(1);
        Assert.Equal((47, 35), (jpg.Width, jpg.Height));
    }

    [Fact]
    public void A_single_class_tree_is_split_per_class_by_a_seeded_shuffle()
    {
        using var dir = new TempDirectory();
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 10; i++) WriteImage(Path.Combine(dir.Path, $"class{c}", $"{i:D2}.png"), 8, 8, i);
        var options = new ImageFolderOptions { SplitSeed = 7, TestFraction = 0.3 };
        var train = ImageFolder.Open(dir.Path, true, options);
        var test = ImageFolder.Open(dir.Path, false, options);
        Assert.Equal(14, train.Count);
        Assert.Equal(6, test.Count);
        Assert.Equal(3, test.Labels.Count(l => l == 0));
        Assert.Empty(train.Paths.Intersect(test.Paths));
        Assert.Equal(20, train.Paths.Union(test.Paths).Count());
        Assert.Equal(test.Paths, ImageFolder.Open(dir.Path, false, options).Paths);
        var other = ImageFolder.Open(dir.Path, false, options with { SplitSeed = 8 });
        Assert.NotEqual(test.Paths, other.Paths);
    }

    [Fact]
    public void A_corrupt_image_is_reported_with_its_path_and_skipped_or_fails_the_run()
    {
        using var dir = new TempDirectory();
        MakeSplitLayout(dir.Path);
        string bad = Path.Combine(dir.Path, "train", "dog", "broken.jpg");
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        string truncated = Path.Combine(dir.Path, "train", "cat", "truncated.png");
        File.WriteAllBytes(truncated, File.ReadAllBytes(Path.Combine(dir.Path, "train", "cat", "0.png"))[..40]);

        // A JPEG cut inside its scan data (StbImageSharp would pad it with grey).
        string cut = Path.Combine(dir.Path, "train", "dog", "cut.jpg");
        var jpeg = File.ReadAllBytes(Path.Combine(dir.Path, "train", "dog", "1.jpg"));
        File.WriteAllBytes(cut, jpeg[..(jpeg.Length * 3 / 4)]);

        var skipped = ImageFolder.Open(dir.Path, true);
        Assert.Equal(10, skipped.Count);
        Assert.Equal([truncated, bad, cut], skipped.Skipped.Select(s => s.Path));
        Assert.Contains(bad, skipped.Skipped[1].Reason);
        Assert.Contains("runs past the end of the file", skipped.Skipped[1].Reason);
        Assert.Contains("no end-of-image marker", skipped.Skipped[2].Reason);
        Assert.Contains("corrupt skipped", skipped.ToString());

        Throws.DataError(() => ImageFolder.Open(dir.Path, true, new ImageFolderOptions { CorruptImages = CorruptImagePolicy.Fail }),
            "3 image(s) do not decode", bad, truncated, cut);
    }

    [Fact]
    public void Images_above_the_pixel_limit_count_as_corrupt_and_the_limit_can_be_raised()
    {
        using var dir = new TempDirectory();
        MakeSplitLayout(dir.Path);
        // The largest training image is 68×35 = 2,380 pixels.
        var limited = ImageFolder.Open(dir.Path, true, new ImageFolderOptions { MaxPixels = 2_000 });
        Assert.NotEmpty(limited.Skipped);
        Assert.All(limited.Skipped, s => Assert.Contains("--max-image-pixels", s.Reason));
        Assert.Empty(ImageFolder.Open(dir.Path, true, new ImageFolderOptions { MaxPixels = 2_380 }).Skipped);
    }

    [Fact]
    public void A_small_file_claiming_a_huge_image_is_refused_from_its_header()
    {
        // A 2×2 PNG whose header is edited to claim 15000×15000 RGB (675 MB decoded); its data stays 2×2.
        using var encoded = new MemoryStream();
        new ImageWriter().WritePng(new byte[12], 2, 2, ColorComponents.RedGreenBlue, encoded);
        byte[] png = encoded.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 15000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 15000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Throws.DataError(() => ImageFolder.Decode(png, "huge.png"), "huge.png", "15000×15000", "225,000,000 pixels", "--max-image-pixels");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "the decoder allocated for the claimed size");
    }

    [Fact]
    public void Layout_errors_say_what_is_expected()
    {
        using var dir = new TempDirectory();
        Throws.DataError(() => ImageFolder.Open(dir.File("absent"), true), "directory not found", "DIR/train/<class>");
        Throws.DataError(() => ImageFolder.Open(dir.Path, true), "no class sub-folders");
        WriteImage(Path.Combine(dir.Path, "train", "a", "0.png"), 4, 4, 0);
        Throws.DataError(() => ImageFolder.Open(dir.Path, false), "no test/ or val/ folder");
        Throws.DataError(() => DataSource.Parse($"folder:{dir.Path}").LoadTrain(), "decoded per batch");
        Assert.Equal(1, DataSource.Parse($"folder:{dir.Path}").OpenFolder(true).Count);
    }

    [Theory]
    [InlineData(500, 375, 341, 256)]
    [InlineData(375, 500, 256, 341)]
    [InlineData(32, 32, 256, 256)]
    public void Resize_sets_the_shorter_side_and_truncates_the_longer_as_torchvision(int w, int h, int ew, int eh) =>
        Assert.Equal((ew, eh), ImageResize.ShorterSideTo(w, h, 256));

    [Fact]
    public void Resizing_keeps_constant_images_constant_and_same_size_resizes_exact()
    {
        var flat = new RgbImage(Enumerable.Repeat((byte)77, 50 * 30 * 3).ToArray(), 50, 30);
        Assert.All(ImageResize.Resize(flat, 17, 64).Pixels, v => Assert.Equal(77, v));
        var pattern = new RgbImage(Pattern(20, 10, 1), 20, 10);
        Assert.Equal(pattern.Pixels, ImageResize.Resize(pattern, 20, 10).Pixels);
        // A crop box resized to its own size is the crop.
        var crop = ImageResize.Resize(pattern, new CropBox(2, 3, 4, 5), 5, 4);
        Assert.Equal(pattern.Pixels[((2 * 20) + 3) * 3], crop.Pixels[0]);
        // Halving a 2-pixel-period stripe averages it (antialiased, as PIL does).
        var stripes = new byte[8 * 2 * 3];
        for (int x = 0; x < 8; x++) for (int y = 0; y < 2; y++) for (int c = 0; c < 3; c++) stripes[(y * 8 + x) * 3 + c] = (byte)(x % 2 == 0 ? 0 : 200);
        var halved = ImageResize.Resize(new RgbImage(stripes, 8, 2), 4, 1);
        Assert.All(halved.Pixels.Skip(3).Take(6), v => Assert.InRange(v, 90, 110));
    }

    [Fact]
    public void Center_crop_offsets_round_half_to_even_like_python()
    {
        Assert.Equal(new CropBox(16, 58, 224, 224), ImageFolderTransform.CenterCropBox(256, 341, 224));
        Assert.Equal(new CropBox(16, 16, 224, 224), ImageFolderTransform.CenterCropBox(256, 256, 224));
    }

    [Fact]
    public void Random_resized_crops_are_seeded_fit_the_image_and_fall_back_to_a_ratio_clamped_centre_crop()
    {
        var rng = SeededRandom.For(3, 1);
        var again = SeededRandom.For(3, 1);
        var boxes = new List<CropBox>();
        for (int i = 0; i < 500; i++)
        {
            var box = ImageFolderTransform.RandomResizedCropBox(256, 341, (0.08, 1.0), (3.0 / 4, 4.0 / 3), ref rng);
            Assert.Equal(box, ImageFolderTransform.RandomResizedCropBox(256, 341, (0.08, 1.0), (3.0 / 4, 4.0 / 3), ref again));
            Assert.InRange(box.Top, 0, 256 - box.Height);
            Assert.InRange(box.Left, 0, 341 - box.Width);
            Assert.InRange(box.Height * (double)box.Width / (256 * 341), 0.06, 1.0);
            boxes.Add(box);
        }
        Assert.True(boxes.Distinct().Count() > 400);
        // An impossible area range exhausts the 10 tries: centre crop of the whole image, clamped to the ratio range.
        var fallback = ImageFolderTransform.RandomResizedCropBox(100, 1000, (5, 6), (3.0 / 4, 4.0 / 3), ref rng);
        Assert.Equal(new CropBox(0, 433, 100, 133), fallback);
        Assert.Equal(new CropBox(0, 0, 100, 120), ImageFolderTransform.RandomResizedCropBox(100, 120, (5, 6), (3.0 / 4, 4.0 / 3), ref rng));
    }

    [Fact]
    public void Loader_batches_are_224_squares_seeded_and_independent_of_threads_and_prefetching()
    {
        using var dir = new TempDirectory();
        MakeSplitLayout(dir.Path);
        var train = ImageFolder.Open(dir.Path, true);
        var options = new ImageFolderLoaderOptions { Seed = 5, Transform = ImageFolderTransform.Train };
        var reference = Collect(new ImageFolderLoader(train, 4, options with { Background = false, DecodeThreads = 1 }), 0);
        Assert.Equal(3, reference.Count);
        Assert.Equal(4 * 3 * 224 * 224, reference[0].Images.Length);
        Assert.All(reference[0].Images, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(2 * 3 * 224 * 224, reference[2].Images.Length);
        var background = Collect(new ImageFolderLoader(train, 4, options with { DecodeThreads = 2, Prefetch = 1 }), 0);
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(reference[b].Images, background[b].Images);
            Assert.Equal(reference[b].Labels, background[b].Labels);
        }
        var nextEpoch = Collect(new ImageFolderLoader(train, 4, options), 1);
        Assert.NotEqual(reference[0].Images, nextEpoch[0].Images);
        var otherSeed = Collect(new ImageFolderLoader(train, 4, options with { Seed = 6 }), 0);
        Assert.NotEqual(reference[0].Images, otherSeed[0].Images);
    }

    [Fact]
    public void The_test_transform_is_deterministic_resize_then_centre_crop()
    {
        using var dir = new TempDirectory();
        MakeSplitLayout(dir.Path);
        var test = ImageFolder.Open(dir.Path, false);
        var options = new ImageFolderLoaderOptions { Shuffle = false, Seed = 1 };
        var first = Collect(new ImageFolderLoader(test, 3, options), 0);
        Assert.Equal(first[0].Images, Collect(new ImageFolderLoader(test, 3, options), 3)[0].Images);
        // Image 0 (33×47) → 256×364 → rows 70..293 of the centre.
        var image = test.Decode(0);
        var resized = ImageResize.Resize(image, 256, 364);
        var expected = new float[3 * 224 * 224];
        ImageFolderTransform.ToPlanes(ImageResize.Resize(resized, new CropBox(70, 16, 224, 224), 224, 224), expected, flip: false);
        Assert.Equal(expected, first[0].Images[..expected.Length]);
        Assert.Equal(test.Labels[..3], first[0].Labels);
    }

    [Fact]
    public void As_an_image_set_a_folder_serves_its_crop_size_with_the_test_or_train_transform()
    {
        using var dir = new TempDirectory();
        MakeSplitLayout(dir.Path);
        var folder = ImageFolder.Open(dir.Path, true, new ImageFolderOptions { ResizeTo = 20, CropTo = 16 });
        IImageSet set = folder;
        Assert.Equal((3, 16, 16), (set.Channels, set.Height, set.Width));

        // Without an augmentation: the test transform at the folder's sizes, in folder order.
        var served = Collect(Assert.IsType<ImageFolderLoader>(set.CreateLoader(4, ImageSets.Evaluation())), 0);
        var expected = Collect(new ImageFolderLoader(folder, 4, new ImageFolderLoaderOptions { Shuffle = false, Transform = folder.TestTransform }), 0);
        Assert.Equal(expected.Count, served.Count);
        for (int b = 0; b < expected.Count; b++)
        {
            Assert.Equal(expected[b].Images, served[b].Images);
            Assert.Equal(expected[b].Labels, served[b].Labels);
        }
        Assert.Equal(4 * 3 * 16 * 16, served[0].Images.Length);

        // With one: random resized crops (no flips when the augmentation has none), fresh each epoch.
        var training = Assert.IsType<ImageFolderLoader>(set.CreateLoader(4, ImageSets.Evaluation(), new Augmentation(4, HorizontalFlip: false)));
        Assert.True(training.Options.Transform.Random);
        Assert.False(training.Options.Transform.HorizontalFlip);
        Assert.Equal((20, 16), (training.Options.Transform.ResizeTo, training.Options.Transform.CropTo));
        var epoch0 = Collect(training, 0);
        Assert.NotEqual(served[0].Images, epoch0[0].Images);
        Assert.Equal(served[0].Labels, epoch0[0].Labels);
    }

    [Fact]
    public void Splits_and_class_subsets_of_a_folder_share_its_files_and_relabel()
    {
        using var dir = new TempDirectory();
        MakeSplitLayout(dir.Path);
        var source = DataSource.Parse($"folder:{dir.Path}");
        var folder = Assert.IsType<ImageFolder>(source.Open(train: true));

        var dogs = Assert.IsType<ImageFolder>(ClassSubset.Apply(folder, [1]));
        Assert.Equal(["dog"], dogs.ClassNames);
        Assert.Equal(folder.Paths.Where((_, i) => folder.Labels[i] == 1), dogs.Paths);
        Assert.All(dogs.Labels, l => Assert.Equal(0, l));
        Assert.Equal(folder.Decode(5).Pixels, dogs.Decode(0).Pixels);

        var (train, validation) = DatasetSplit.Split(folder, 0.3, seed: 2);
        var (trainRows, validationRows) = DatasetSplit.Indices(folder.Count, 0.3, 2);
        var trainPart = Assert.IsType<ImageFolder>(train);
        Assert.Equal(trainRows.Select(i => folder.Paths[i]), trainPart.Paths);
        Assert.Equal(validationRows.Select(i => folder.Labels[i]), validation.Labels);
        Assert.Equal((folder.ResizeTo, folder.CropTo), (trainPart.ResizeTo, trainPart.CropTo));
    }

    private static List<(float[] Images, int[] Labels)> Collect(ImageFolderLoader loader, int epoch)
    {
        using (loader)
        {
            return [.. loader.Epoch(epoch).Select(b => (b.ImageValues.ToArray(), b.LabelValues.ToArray()))];
        }
    }
}
