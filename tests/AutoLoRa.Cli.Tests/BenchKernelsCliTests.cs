using System.Text.Json;
using AutoLoRa.Cuda;

namespace AutoLoRa.Cli.Tests;

/// <summary><c>autolora bench kernels</c> end to end on the emulated CUDA runtime, at a tiny size.</summary>
public sealed class BenchKernelsCliTests
{
    private static CliRunner.Result Run(params string[] args) => CliRunner.Run(Path.GetTempPath(), args);

    [Fact]
    public void Times_every_launched_kernel_with_the_traffic_table_bytes_and_warns_about_emulation()
    {
        const int size = 1000;
        var r = Run("bench", "kernels", "--backend", "cuda-emu", "--size", $"{size}", "--reps", "1", "--json");
        CliRunner.AssertOk(r);
        Assert.Contains("measure the host, not a GPU", r.Error);

        var lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var timed = lines.SelectMany(l => l.GetProperty("kernel").GetString()!.Split(" + ")).ToHashSet();
        Assert.Equal(KernelTable.Families.Values.SelectMany(k => k).Order(), timed.Order());
        foreach (var line in lines)
        {
            double seconds = line.GetProperty("seconds").GetDouble(), rate = line.GetProperty("gb_per_s").GetDouble();
            long bytes = line.GetProperty("bytes").GetInt64();
            Assert.True(seconds > 0 && bytes > 0, line.ToString());
            Assert.Equal(bytes / seconds / 1e9, rate, 0.0015); // rounded to 3 decimals
            Assert.Equal("cuda-emu", line.GetProperty("backend").GetString());
        }
        var axpby = lines.Single(l => l.GetProperty("kernel").GetString() == "axpby_f32");
        Assert.Equal(KernelTraffic.Of("axpby_f32").Bytes(size, size), axpby.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public void Table_output_has_one_row_per_timed_call()
    {
        var r = Run("bench", "kernels", "--backend", "cuda-emu", "--size", "5", "--reps", "1");
        CliRunner.AssertOk(r);
        Assert.Matches(@"pgd_step_f32\s+5\s+[\d.]+\s+[\d.]+\s+[\d.]+", r.Output);
        Assert.Contains("softmax_ce_forward_f32 + mean_rows_f32", r.Output);
    }

    [Theory]
    [InlineData("cpu", "cuda-emu")]
    [InlineData("cuda-emu", "--size", "0", "--size")]
    public void User_errors_exit_2_with_one_sentence(string backend, params string[] restAndExpected)
    {
        var r = Run(["bench", "kernels", "--backend", backend, .. restAndExpected[..^1]]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(restAndExpected[^1], r.Error);
        Assert.DoesNotContain("   at ", r.Error);
    }
}
