using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace AutoLoRa.Kernels.Generator;

/// <summary>C names as C# identifiers: kernel names become method names, parameter names stay.</summary>
internal static class CSharpNames
{
    /// <summary>"pgd_step_f32" → "PgdStepF32".</summary>
    public static string Method(string kernel) =>
        string.Concat(kernel.Split('_').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p.Substring(1)));

    /// <summary>A parameter name that is a C# keyword (out, in, ...) gets the @ prefix.</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>A C# string literal for plain ASCII text (facts and declarations).</summary>
    public static string Literal(string text) => SymbolDisplay.FormatLiteral(text, quote: true);
}
