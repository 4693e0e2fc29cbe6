using System.CommandLine;
using System.Diagnostics;
using AutoLoRa.Cli.Options;
using AutoLoRa.Cpu;
using AutoLoRa.Formats.PyTorch;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Cli.Commands;

/// <summary>
/// <c>autolora convert IN.pt OUT.safetensors</c>: a PyTorch checkpoint → an autolora model file
/// (torchvision state dict + the model description), usable by every other verb.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("IN") { Description = "A PyTorch checkpoint (.pt, .pth, .ckpt) written by torch.save." };
        var output = new Argument<string>("OUT") { Description = "The model file to write (.safetensors)." };
        var profile = new Option<string>("--profile") { Description = $"Key layout: {string.Join(" | ", KeyProfiles.Names)}.", DefaultValueFactory = _ => "auto" };
        var arch = new Option<string?>("--arch") { Description = $"Architecture: {string.Join(", ", ModelFactory.Architectures)} (default: told from the blocks per stage)." };
        var classes = new Option<int?>("--classes") { Description = "Classes of the head (default: from fc.weight; needed when the checkpoint has no classifier)." };
        var stem = new Option<string?>("--stem") { Description = "imagenet (7×7/2 + max-pool) or cifar (3×3/1) (default: from conv1.weight)." };
        var width = new Option<int?>("--width") { Description = "Base width (default: conv1's output channels, 64 for a standard ResNet)." };
        var norm = new Option<string?>("--norm") { Description = "Input normalisation inside the model: imagenet, inception (0.5, timm's augreg ViTs), cifar or none (default: imagenet for the imagenet stem and ViTs, else cifar)." };
        var imageSize = new Option<int?>("--image-size") { Description = "A ViT's image side (default: the checkpoint's, from pos_embed); another size resamples the position embedding (bicubic, as timm)." };
        var noStrict = new Option<bool>("--no-strict") { Description = "Allow weights the model has but the checkpoint lacks (kept as initialised; a missing classifier becomes a zero head)." };
        var command = new Command("convert", "Converts a PyTorch checkpoint (torchvision, robust-models-transfer, RobustSSL; timm or torchvision ViTs) to an autolora model file.")
        {
            input, output, profile, arch, classes, stem, width, norm, imageSize, noStrict,
        };
        command.SetAction(r => CliError.Guard(() =>
        {
            string inPath = r.GetValue(input)!, outPath = r.GetValue(output)!;
            if (!ModelLoader.IsPyTorch(inPath))
                throw new ArgumentException($"{inPath}: expected a PyTorch checkpoint (.pt, .pth, .ckpt, .pth.tar or .bin).");
            var settings = new ImportSettings
            {
                Profile = r.GetValue(profile)!,
                Architecture = r.GetValue(arch),
                Classes = r.GetValue(classes),
                Stem = r.GetValue(stem),
                Width = r.GetValue(width),
                Normalization = r.GetValue(norm),
                ImageSize = r.GetValue(imageSize),
                Strict = !r.GetValue(noStrict),
            };
            var clock = Stopwatch.StartNew();
            using var backend = new CpuBackend();
            var imported = ModelLoader.Import(inPath, backend, settings);
            using var model = imported.Model;
            double readSeconds = clock.Elapsed.TotalSeconds;
            PrintReport(imported);
            ModelFile.Save(outPath, model, new Dictionary<string, string>
            {
                ["source"] = Path.GetFileName(inPath),
                ["key_profile"] = imported.Report.Profile,
            });
            Console.WriteLine($"model: {ModelLoader.Describe(model.Spec)}");
            Console.WriteLine($"wrote {outPath} ({new FileInfo(outPath).Length:N0} bytes; read and mapped in {readSeconds:F2} s, total {clock.Elapsed.TotalSeconds:F2} s)");
            return 0;
        }, ImportFlags.Flag));
        return command;
    }

    private static void PrintReport(ImportedModel imported)
    {
        var report = imported.Report;
        if (imported.Inferred.Count > 0) Console.WriteLine($"from the weights: {string.Join(", ", imported.Inferred)}");
        Console.WriteLine($"profile {report.Profile}: {report.Mapped.Count} mapped, {report.Ignored.Count} ignored, " +
            $"{report.Missing.Count + report.AllowedMissing.Count} missing");
        foreach (var group in report.Ignored.GroupBy(i => i.Value))
        {
            var keys = group.Select(g => g.Key).ToList();
            Console.WriteLine($"  ignored {keys.Count} ({group.Key}){(keys.Count <= 8 ? ": " + string.Join(", ", keys) : "")}");
        }
        if (report.AllowedMissing.Count > 0) Console.WriteLine($"  absent in this layout (the head is zero-initialised): {Names(report.AllowedMissing)}");
        if (report.Missing.Count > 0) Console.WriteLine($"  missing, kept as initialised (--no-strict): {Names(report.Missing)}");
    }

    private static string Names(IReadOnlyList<string> keys) =>
        keys.Count <= 12 ? string.Join(", ", keys) : string.Join(", ", keys.Take(12)) + $", … ({keys.Count - 12} more)";
}
