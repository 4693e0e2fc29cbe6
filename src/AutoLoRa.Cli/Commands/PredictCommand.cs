using System.CommandLine;
using System.Globalization;
using AutoLoRa.Cli.Options;
using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Formats;
using AutoLoRa.Nn;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Cli.Commands;

/// <summary>
/// <c>autolora predict MODEL --input X.safetensors --out Y.safetensors</c>: the model's logits
/// (eval mode) for a tensor <c>x</c> of images, written as <c>logits</c> — the simplest way to
/// compare our numbers with another framework's.
/// </summary>
/// <remarks>
/// Pixels outside [0, 1] are an error, not a warning: the model normalises internally, so
/// 0–255 bytes or already-normalised inputs would give plausible-looking but wrong logits.
/// <c>--allow-any-range</c> turns the check off for deliberate experiments.
/// </remarks>
internal static class PredictCommand
{
    public const string InputName = "x", OutputName = "logits";

    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "A model file (.safetensors written by autolora) or a PyTorch checkpoint (.pt/.pth/.ckpt)." };
        var input = new Option<string>("--input") { Description = "safetensors file holding 'x': float N×C×H×W images with pixels in [0, 1].", Required = true };
        var output = new Option<string>("--out") { Description = "safetensors file to write 'logits' (float32 N×classes) to.", Required = true };
        var branch = new Option<string>("--branch")
        {
            Description = "main: the weights W alone, the network AutoLoRa trains adversarially and that eval, runs and plans score (LoRA factors unused) | " +
                "natural: W + s·BA, AutoLoRa's natural branch (the same as main for a model without LoRA factors).",
            DefaultValueFactory = _ => "main",
        };
        var batch = CommonOptions.BatchSize(64);
        var anyRange = new Option<bool>("--allow-any-range") { Description = "Accept pixel values outside [0, 1] (they are an error by default)." };
        var backendOptions = new BackendOptions();
        var command = new Command("predict", "Writes a model's logits (eval mode) for the images in a safetensors tensor 'x'.")
        {
            model, input, output, branch, batch, anyRange,
        };
        backendOptions.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            var path = r.GetValue(input)!;
            var chosen = r.GetValue(branch) switch
            {
                "main" => Branch.Main,
                "natural" => Branch.Natural,
                var other => throw new ArgumentException($"--branch '{other}' is unknown; choose main or natural."),
            };
            int batchSize = r.GetValue(batch);
            if (batchSize < 1) throw new ArgumentException($"--batch-size must be at least 1 (got {batchSize}).");
            ModelFile.RequireFile(path);
            var file = SafeTensors.Read(path);
            var x = file.Entries.FirstOrDefault(e => e.Name == InputName)
                ?? throw new ArgumentException($"{path} has no tensor '{InputName}' (it has: {Names(file.Entries)}); write the images as 'x', N×C×H×W.");

            using var backend = backendOptions.Create(r, Console.Error);
            using var classifier = ModelLoader.Load(r.GetValue(model)!, backend);
            int channels = classifier.Spec.InChannels;
            if (x.Shape.Count != 4)
                throw new ArgumentException($"{path}: '{InputName}' has shape {Shape(x.Shape)}; expected rank 4, N×C×H×W (N×{channels}×H×W for this model).");
            if (x.Shape[1] != channels)
                throw new ArgumentException($"{path}: '{InputName}' has {x.Shape[1]} channels (shape {Shape(x.Shape)}) but the model takes {channels}; the layout must be N×C×H×W.");
            if (x.DType is not (SafeTensorDType.F32 or SafeTensorDType.F64 or SafeTensorDType.F16 or SafeTensorDType.BF16))
                throw new ArgumentException($"{path}: '{InputName}' is {x.DType}; expected float32 pixels in [0, 1] (divide 8-bit images by 255).");
            var values = x.AsFloat32();
            if (!r.GetValue(anyRange)) CheckRange(path, values);

            int n = (int)x.Shape[0], h = (int)x.Shape[2], w = (int)x.Shape[3], size = channels * h * w;
            if (n == 0 || h == 0 || w == 0) throw new ArgumentException($"{path}: '{InputName}' is empty (shape {Shape(x.Shape)}).");
            int classes = classifier.Spec.Classes;
            var logits = new float[(long)n * classes];
            classifier.Eval();
            for (int start = 0; start < n; start += batchSize)
            {
                int count = Math.Min(batchSize, n - start);
                using var scope = TensorScope.Begin();
                var images = Tensor.FromArray(backend, values.AsSpan(start * size, count * size), new Shape(count, channels, h, w));
                Tensor result;
                using (GradMode.NoGrad()) result = classifier.Forward(images, chosen);
                result.ToArray().CopyTo(logits.AsSpan(start * classes, count * classes));
            }

            SafeTensors.Write(r.GetValue(output)!, [SafeTensorEntry.FromFloat32(OutputName, [n, classes], logits)], new Dictionary<string, string>
            {
                ["model"] = Path.GetFileName(r.GetValue(model)!),
                ["branch"] = r.GetValue(branch)!,
                ["architecture"] = classifier.Spec.Architecture,
            });
            Console.WriteLine($"{n} images {channels}×{h}×{w} → '{OutputName}' {n}×{classes} in {r.GetValue(output)} (eval mode, {r.GetValue(branch)} branch)");
            var predicted = Enumerable.Range(0, Math.Min(n, 8)).Select(i => ArgMax(logits.AsSpan(i * classes, classes)));
            Console.WriteLine($"predicted classes: {string.Join(" ", predicted)}{(n > 8 ? " …" : "")}");
            return 0;
        }));
        return command;
    }

    /// <summary>Fails on NaN or values outside [0, 1], saying what was found and the likely cause.</summary>
    private static void CheckRange(string path, float[] values)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (var v in values)
        {
            if (float.IsNaN(v)) throw new ArgumentException($"{path}: '{InputName}' contains NaN.");
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (min >= 0f && max <= 1f) return;
        string cause = max > 1.5f && min >= 0f ? " (it looks like 0–255 pixels: divide by 255)"
            : min < 0f ? " (it looks normalised: the model normalises internally, so pass raw [0, 1] pixels)" : "";
        throw new ArgumentException(
            $"{path}: '{InputName}' has values in [{min.ToString("G6", CultureInfo.InvariantCulture)}, {max.ToString("G6", CultureInfo.InvariantCulture)}], " +
            $"outside [0, 1]{cause}; --allow-any-range accepts them as they are.");
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best]) best = i;
        }
        return best;
    }

    private static string Shape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    private static string Names(IReadOnlyList<SafeTensorEntry> entries) =>
        entries.Count == 0 ? "nothing" : string.Join(", ", entries.Take(10).Select(e => $"'{e.Name}'")) + (entries.Count > 10 ? ", …" : "");
}
