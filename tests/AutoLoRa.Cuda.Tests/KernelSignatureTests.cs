using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Kernels;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// The three places a kernel's parameter list lives must agree: the .cu declaration (read at build
/// time into <see cref="KernelTable.All"/>), the PTX entry the driver loads, and the typed launcher
/// that every launch site calls (so the C# compiler checks the sites themselves against it).
/// </summary>
public sealed partial class KernelSignatureTests
{
    [Fact]
    public void The_table_holds_every_kernel_of_every_source_under_its_file_name()
    {
        var declared = KernelSourceFiles.CudaFiles()
            .SelectMany(file => DeclarationRegex().Matches(File.ReadAllText(file)).Select(m => (Name: m.Groups[1].Value, Family: Path.GetFileNameWithoutExtension(file))))
            .Order()
            .ToList();
        Assert.NotEmpty(declared);
        Assert.Equal(declared, KernelTable.All.Select(k => (k.Name, k.Family)).Order());
    }

    [Fact]
    public void Every_embedded_ptx_entry_takes_the_declared_parameters()
    {
        if (KernelSources.Available.Count == 0) Assert.Fail($"no PTX embedded: {KernelSources.BuildSkipReason}");
        var problems = new List<string>();
        foreach (var family in KernelTable.All.GroupBy(k => k.Family))
        {
            var arches = KernelSources.Available.Where(a => a.Family == family.Key).Select(a => a.Arch).ToList();
            if (arches.Count == 0) problems.Add($"{family.Key}: no PTX embedded");
            foreach (var arch in arches)
            {
                string ptx = KernelSources.GetPtx(family.Key, arch);
                foreach (var kernel in family)
                {
                    var entry = Regex.Match(ptx, $@"\.entry\s+{kernel.Name}\s*\(([^)]*)\)");
                    if (!entry.Success)
                    {
                        problems.Add($"{family.Key}.{arch}.ptx has no .entry {kernel.Name}");
                        continue;
                    }
                    int[] ptxWidths = PtxParamRegex().Matches(entry.Groups[1].Value).Select(m => int.Parse(m.Groups[1].Value) / 8).ToArray();
                    int[] declared = kernel.Parameters.Select(p => p.Bytes).ToArray();
                    if (!ptxWidths.SequenceEqual(declared))
                    {
                        problems.Add($"{kernel.Name} ({kernel.File}:{kernel.Line}) declares bytes [{string.Join(", ", declared)}], " +
                                     $"{family.Key}.{arch}.ptx takes [{string.Join(", ", ptxWidths)}]");
                    }
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_launched_kernel_has_a_launcher_taking_its_parameters_in_order()
    {
        var launchers = Launchers();
        var launched = KernelTable.All.Where(k => k.LaunchedByBackend).ToList();
        Assert.Equal(launched.Select(k => MethodName(k.Name)).Order(), launchers.Keys.Order());
        foreach (var kernel in launched)
        {
            var parameters = KernelParameters(kernel, launchers[MethodName(kernel.Name)]);
            Assert.True(parameters.Length == kernel.Parameters.Count,
                $"{kernel.Name}: launcher takes {parameters.Length} kernel arguments, {kernel.File} declares {kernel.Parameters.Count}");
            for (int i = 0; i < parameters.Length; i++)
            {
                var declared = kernel.Parameters[i];
                var type = parameters[i].ParameterType;
                Assert.True(Marshal.SizeOf(type) == declared.Bytes && (!declared.CType.EndsWith('*') || type == typeof(ulong)),
                    $"{kernel.Name} parameter {i} ({declared.CType} {declared.Name}, {declared.Bytes} bytes): launcher passes {type.Name} {parameters[i].Name}");
            }
        }
    }

    [Fact]
    public void Every_launcher_packs_each_argument_at_its_declared_width_and_position()
    {
        var runtime = new RecordingRuntime();
        var launchers = new KernelLaunchers(runtime);
        foreach (var (name, method) in Launchers())
        {
            var kernel = KernelTable.All.Single(k => MethodName(k.Name) == name);
            bool callerShaped = kernel.Launch.StartsWith("caller", StringComparison.Ordinal);
            var values = kernel.Parameters.Select((p, i) => Sentinel(method.GetParameters()[(callerShaped ? 3 : 0) + i].ParameterType, i)).ToArray();
            object[] shape = callerShaped ? [new Dim3(3), new Dim3(64), 256u] : [];
            method.Invoke(launchers, [.. shape, .. values]);

            var launch = runtime.Launches[^1];
            Assert.Equal(kernel.Name, launch.Kernel);
            for (int i = 0; i < values.Length; i++)
            {
                Assert.True(Bytes(values[i]).SequenceEqual(launch.Arguments[i]), $"{kernel.Name} argument {i} ({kernel.Parameters[i].Name}) packed wrongly");
            }
            if (callerShaped) Assert.Equal((new Dim3(3), new Dim3(64), 256u), (launch.Grid, launch.Block, launch.SharedBytes));
            else Assert.Equal((KernelLaunchers.BlockSize, 0u), (launch.Block.X, launch.SharedBytes));
        }
    }

    [Fact]
    public void No_launch_site_bypasses_the_typed_launchers()
    {
        // With every launch going through a generated KernelLaunchers method, the compiler checks
        // each site's arguments against the .cu declaration; a hand-packed void** array or a launch
        // by string name would escape that check.
        string source = Path.Combine(KernelSourceFiles.RepositoryRoot(), "src", "AutoLoRa.Cuda");
        var bypasses = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Where(f => Path.GetFileName(f) != "KernelLaunchers.cs" && !f.Contains($"{Path.DirectorySeparatorChar}Runtime{Path.DirectorySeparatorChar}"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(source, f), Line: i + 1, Text: line)))
            .Where(l => HandLaunchRegex().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(bypasses.Count == 0, "launch without a generated launcher:\n" + string.Join("\n", bypasses));
    }

    /// <summary>The generated launcher for every kernel, by method name.</summary>
    private static Dictionary<string, MethodInfo> Launchers() =>
        typeof(KernelLaunchers).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.ReturnType == typeof(void))
            .ToDictionary(m => m.Name);

    /// <summary>A launcher's parameters after the grid, block and shared bytes of a caller-shaped launch.</summary>
    private static ParameterInfo[] KernelParameters(KernelInfo kernel, MethodInfo launcher) =>
        launcher.GetParameters().Skip(kernel.Launch.StartsWith("caller", StringComparison.Ordinal) ? 3 : 0).ToArray();

    /// <summary>The generator's naming rule, restated: "pgd_step_f32" → "PgdStepF32".</summary>
    private static string MethodName(string kernel) =>
        string.Concat(kernel.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    /// <summary>A value unlike every other argument's, so a swapped or truncated argument shows.</summary>
    // (Each arm is boxed as its own type: unboxed, the switch would widen all of them to double.)
    private static object Sentinel(Type type, int position) => type switch
    {
        _ when type == typeof(ulong) => (object)(0x0123_4567_0000_0000UL + (ulong)position),
        _ when type == typeof(int) => (object)(-1000 - position),
        _ when type == typeof(uint) => (object)(3_000_000_000u + (uint)position),
        _ when type == typeof(float) => (object)(0.25f + position),
        _ when type == typeof(long) => (object)(-5_000_000_000L - position),
        _ when type == typeof(double) => (object)(0.125 + position),
        _ => throw new NotSupportedException($"no sentinel for {type}"),
    };

    private static byte[] Bytes(object value) => value switch
    {
        ulong v => BitConverter.GetBytes(v),
        int v => BitConverter.GetBytes(v),
        uint v => BitConverter.GetBytes(v),
        float v => BitConverter.GetBytes(v),
        long v => BitConverter.GetBytes(v),
        double v => BitConverter.GetBytes(v),
        _ => throw new NotSupportedException(value.GetType().Name),
    };

    // runtime.Launch("name", ...) or a cuLaunchKernel-style argument array packed by hand.
    [GeneratedRegex(@"\.Launch\(\s*""|void\*\*\s+\w+\s*=")]
    private static partial Regex HandLaunchRegex();

    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+void\s+(\w+)\s*\(")]
    private static partial Regex DeclarationRegex();

    // .param .u64 name, .param .f32 name, and nvcc's .param .u64 .ptr .global .align 4 name.
    [GeneratedRegex(@"\.param\s+\.[busf](\d+)\b")]
    private static partial Regex PtxParamRegex();
}
