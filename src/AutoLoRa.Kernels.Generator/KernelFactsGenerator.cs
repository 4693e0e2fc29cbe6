using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AutoLoRa.Kernels.Generator;

/// <summary>
/// kernels/*.cu (AdditionalFiles) → in AutoLoRa.Cuda, KernelTable.All, the typed launchers and the
/// CudaBackend primitives that are one launch (<c>// @implements</c>); in AutoLoRa.Core (build
/// property <c>AutoLoRaKernelFacts</c> = <c>declarations</c>), the Backend primitives the kernels
/// declare (<c>// @declares</c>).
/// The module a kernel lives in is its file name; everything else comes from the declaration and
/// the <c>// @</c> lines above it (kernels/README.md).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class KernelFactsGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var sources = context.AdditionalTextsProvider
            .Where(t => t.Path.EndsWith(".cu", StringComparison.OrdinalIgnoreCase))
            .Select((t, ct) => new CudaSource(t.Path, t.GetText(ct)?.ToString() ?? ""))
            .Collect();
        var declarationsOnly = context.AnalyzerConfigOptionsProvider.Select((o, _) =>
            o.GlobalOptions.TryGetValue("build_property.AutoLoRaKernelFacts", out var v) && v == "declarations");
        context.RegisterSourceOutput(sources.Combine(declarationsOnly), (c, input) => Generate(c, input.Left, input.Right));
    }

    private static void Generate(SourceProductionContext context, ImmutableArray<CudaSource> sources, bool declarationsOnly)
    {
        var kernels = new List<KernelFacts>();
        var defined = new Dictionary<string, string>(StringComparer.Ordinal);
        // Ordinal order by file name, so the table does not depend on how MSBuild listed the files.
        foreach (var source in sources.OrderBy(s => Path.GetFileName(s.Path), StringComparer.Ordinal))
        {
            string family = Path.GetFileNameWithoutExtension(source.Path);
            string file = "kernels/" + Path.GetFileName(source.Path);
            var (found, problems) = CudaSourceParser.Parse(family, file, source.Text);
            foreach (var problem in problems) context.ReportDiagnostic(Diagnostic.Create(problem.Descriptor, At(source, problem.Line), problem.Args));
            foreach (var kernel in found)
            {
                if (defined.TryGetValue(kernel.Name, out var other))
                {
                    context.ReportDiagnostic(Diagnostic.Create(FactDiagnostics.DuplicateKernel, At(source, kernel.Line - 1), kernel.Name, other));
                    continue;
                }
                defined[kernel.Name] = file;
                kernels.Add(kernel);
            }
        }
        if (declarationsOnly)
        {
            context.AddSource("Backend.Declared.g.cs", CatalogueWriter.Declarations(kernels));
            return;
        }
        context.AddSource("KernelTable.g.cs", CatalogueWriter.Table(kernels));
        context.AddSource("KernelLaunchers.g.cs", CatalogueWriter.Launchers(kernels));
        context.AddSource("CudaBackend.Primitives.g.cs", CatalogueWriter.Primitives(kernels));
    }

    private static Location At(CudaSource source, int line)
    {
        var position = new LinePosition(line, 0);
        return Location.Create(source.Path, default, new LinePositionSpan(position, position));
    }

    /// <summary>One .cu file; value equality lets the incremental pipeline skip unchanged inputs.</summary>
    private sealed class CudaSource : IEquatable<CudaSource>
    {
        public CudaSource(string path, string text)
        {
            Path = path;
            Text = text;
        }

        public string Path { get; }
        public string Text { get; }

        public bool Equals(CudaSource? other) => other is not null && other.Path == Path && other.Text == Text;
        public override bool Equals(object? obj) => Equals(obj as CudaSource);
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Path) ^ StringComparer.Ordinal.GetHashCode(Text);
    }
}
