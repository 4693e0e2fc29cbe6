using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace AutoLoRa.Kernels.Generator;

/// <summary>A fact the parser could not read: what, and the 0-based line it is on.</summary>
internal readonly struct FactProblem
{
    public FactProblem(DiagnosticDescriptor descriptor, int line, params object[] args)
    {
        Descriptor = descriptor;
        Line = line;
        Args = args;
    }

    public DiagnosticDescriptor Descriptor { get; }
    public int Line { get; }
    public object[] Args { get; }
}

/// <summary>
/// Reads one kernels/&lt;family&gt;.cu: every <c>extern "C" __global__ void name(...)</c> declaration
/// and the <c>// @</c> fact lines above it. Only the declaration and those lines are parsed; the
/// kernel body is never looked at, so any CUDA the three compilers accept is fine.
/// </summary>
internal static class CudaSourceParser
{
    private static readonly Regex Declaration = new(@"extern\s+""C""\s+__global__\s+void\s+(\w+)\s*\(([^)]*)\)", RegexOptions.Singleline);
    private static readonly Regex TrafficFact = new(@"^@traffic\s+(\d+)\s*\+\s*(\d+)\s*(?::.*)?$");
    private static readonly Regex LaunchFact = new(@"^@launch\s+(?:(caller)|(stream|threads|warps|blocks)\s*\(([^)]*(?:\([^)]*\)[^)]*)*)\))\s*(?::.*)?$");
    private static readonly Regex TestOnlyFact = new(@"^@test-only\s*:?\s*(.*)$");
    private static readonly Regex ImplementsFact = new(@"^@implements\s+(\w+Core)\s*\(([^)]*)\)\s*(?::.*)?$");
    private static readonly Regex DeclaresFact = new(@"^@declares\s+(elementwise|rows)\s*\(([^)]*)\)\s*(?::\s*(.*))?$");

    public static (List<KernelFacts> Kernels, List<FactProblem> Problems) Parse(string family, string file, string text)
    {
        var kernels = new List<KernelFacts>();
        var problems = new List<FactProblem>();
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        var pending = new List<(int Line, string Fact)>();

        for (int i = 0; i < lines.Length; i++)
        {
            string trimmed = lines[i].Trim();
            if (trimmed.StartsWith("// @", StringComparison.Ordinal))
            {
                pending.Add((i, trimmed.Substring(3).Trim()));
            }
            else if (trimmed.StartsWith("extern \"C\" __global__", StringComparison.Ordinal))
            {
                // The declaration may span lines; it ends at the first ')'.
                int end = i;
                while (end < lines.Length - 1 && lines[end].IndexOf(')') < 0) end++;
                string declaration = string.Join(" ", lines, i, end - i + 1);
                var match = Declaration.Match(declaration);
                if (!match.Success)
                {
                    problems.Add(new FactProblem(FactDiagnostics.BadFact, i, $"{file}: cannot read this kernel declaration"));
                }
                else
                {
                    var kernel = new KernelFacts(match.Groups[1].Value, family, file, i + 1, ReadParameters(match.Groups[1].Value, match.Groups[2].Value, i, problems));
                    ApplyFacts(kernel, pending, problems);
                    kernels.Add(kernel);
                }
                pending.Clear();
                i = end;
            }
            else if (trimmed.Length == 0 || !trimmed.StartsWith("//", StringComparison.Ordinal))
            {
                // Ordinary comment lines may sit between the facts and the kernel; nothing else may.
                foreach (var (line, fact) in pending) problems.Add(new FactProblem(FactDiagnostics.StrayFact, line, fact));
                pending.Clear();
            }
        }
        foreach (var (line, fact) in pending) problems.Add(new FactProblem(FactDiagnostics.StrayFact, line, fact));
        // Without its entry line a kernel still compiles to PTX but is missing from the emulation,
        // which CI would only report when a test launches it.
        foreach (var kernel in kernels.Where(k => !Regex.IsMatch(text, $@"^\s*AUTOLORA_HOST_ENTRY(?:_ELEMENTWISE)?\(\s*{k.Name}\s*\)", RegexOptions.Multiline)))
        {
            problems.Add(new FactProblem(FactDiagnostics.MissingHostEntry, kernel.Line - 1, kernel.Name));
        }
        return (kernels, problems);
    }

    private static List<KernelParameter> ReadParameters(string kernel, string list, int line, List<FactProblem> problems)
    {
        var parameters = new List<KernelParameter>();
        if (list.Trim().Length == 0 || list.Trim() == "void") return parameters;
        foreach (string raw in list.Split(','))
        {
            // Qualifiers that do not change what is passed: const (on the pointee) and __restrict__.
            string spaced = raw.Replace("*", " * ");
            var tokens = spaced.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                .Where(t => t != "__restrict__" && t != "const").ToList();
            string name = tokens.Count > 0 ? tokens[tokens.Count - 1] : "";
            bool pointer = tokens.Contains("*");
            string baseType = string.Join(" ", tokens.Take(Math.Max(0, tokens.Count - 1)).Where(t => t != "*"));
            string written = Regex.Replace(raw.Replace("__restrict__", ""), @"\s+", " ").Trim();
            string cType = written.Substring(0, Math.Max(0, written.LastIndexOf(name, StringComparison.Ordinal))).Trim().Replace(" *", "*");

            (int Bytes, string CsType)? width = pointer ? (8, "ulong") : baseType switch
            {
                "float" => (4, "float"),
                "int" => (4, "int"),
                "unsigned" or "unsigned int" => (4, "uint"),
                "long long" => (8, "long"),
                "double" => (8, "double"),
                _ => null,
            };
            if (width is null || name.Length == 0)
            {
                problems.Add(new FactProblem(FactDiagnostics.BadParameter, line, kernel, name, cType));
                continue;
            }
            parameters.Add(new KernelParameter(name, cType, width.Value.Bytes, width.Value.CsType));
        }
        return parameters;
    }

    private static void ApplyFacts(KernelFacts kernel, List<(int Line, string Fact)> facts, List<FactProblem> problems)
    {
        foreach (var (line, fact) in facts)
        {
            Match m;
            if ((m = TrafficFact.Match(fact)).Success)
            {
                kernel.Traffic = (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value));
            }
            else if ((m = LaunchFact.Match(fact)).Success)
            {
                kernel.LaunchText = fact.Substring("@launch".Length).Trim();
                if (m.Groups[1].Success)
                {
                    kernel.Launch = LaunchKind.Caller;
                    continue;
                }
                kernel.Launch = m.Groups[2].Value switch
                {
                    "stream" => LaunchKind.Stream,
                    "threads" => LaunchKind.Threads,
                    "warps" => LaunchKind.Warps,
                    _ => LaunchKind.Blocks,
                };
                kernel.LaunchCount = m.Groups[3].Value.Trim();
                string? why = LaunchCount.Check(kernel.LaunchCount, kernel.Parameters);
                if (why is not null) problems.Add(new FactProblem(FactDiagnostics.BadFact, line, $"Kernel '{kernel.Name}': {why}"));
            }
            else if ((m = TestOnlyFact.Match(fact)).Success)
            {
                kernel.TestOnlyReason = m.Groups[1].Value.Trim();
            }
            else if ((m = ImplementsFact.Match(fact)).Success)
            {
                kernel.Implements = m.Groups[1].Value;
                var order = m.Groups[2].Value.Split(',').Select(a => a.Trim()).Where(a => a.Length > 0).ToList();
                var byName = kernel.Parameters.ToDictionary(p => p.Name);
                // Every kernel parameter exactly once: the …Core method passes each one straight through.
                if (order.Count != kernel.Parameters.Count || order.Distinct().Count() != order.Count || order.Any(a => !byName.ContainsKey(a)))
                {
                    problems.Add(new FactProblem(FactDiagnostics.BadFact, line,
                        $"Kernel '{kernel.Name}': @implements must name each of its parameters ({string.Join(", ", kernel.Parameters.Select(p => p.Name))}) once, in the order of {kernel.Implements}'s"));
                }
                else
                {
                    kernel.ImplementsOrder = order.Select(a => byName[a]).ToList();
                }
            }
            else if ((m = DeclaresFact.Match(fact)).Success)
            {
                kernel.Declares = ReadDeclares(kernel, m, line, problems);
            }
            else
            {
                problems.Add(new FactProblem(FactDiagnostics.BadFact, line, $"Kernel '{kernel.Name}': cannot read '{fact}'"));
            }
        }
        bool complete = kernel.TestOnlyReason is not null || (kernel.Traffic is not null && kernel.Launch is not null);
        if (!complete) problems.Add(new FactProblem(FactDiagnostics.MissingFacts, kernel.Line - 1, kernel.Name));
        if (kernel.Implements is not null && (kernel.TestOnlyReason is not null || kernel.Launch == LaunchKind.Caller))
        {
            problems.Add(new FactProblem(FactDiagnostics.BadFact, kernel.Line - 1,
                $"Kernel '{kernel.Name}': @implements needs a launched kernel whose @launch shape is not caller (the …Core method has no grid to pass)"));
            kernel.Implements = null;
        }
        if (kernel.Declares is not null && kernel.Implements is null)
        {
            problems.Add(new FactProblem(FactDiagnostics.BadFact, kernel.Line - 1,
                $"Kernel '{kernel.Name}': @declares needs @implements (the declared primitive is this one launch)"));
            kernel.Declares = null;
        }
    }

    /// <summary>
    /// <c>@declares elementwise(n)</c> or <c>@declares rows(rows, cols)</c>: the sizes are int
    /// parameters of the kernel, one for elementwise and two for rows.
    /// </summary>
    private static DeclaredCheck? ReadDeclares(KernelFacts kernel, Match m, int line, List<FactProblem> problems)
    {
        string kind = m.Groups[1].Value == "rows" ? "Rows" : "Elementwise";
        var sizes = m.Groups[2].Value.Split(',').Select(a => a.Trim()).Where(a => a.Length > 0).ToList();
        int wanted = kind == "Rows" ? 2 : 1;
        var ints = kernel.Parameters.Where(p => p.CType == "int").Select(p => p.Name).ToList();
        if (sizes.Count != wanted || sizes.Any(a => !ints.Contains(a)))
        {
            problems.Add(new FactProblem(FactDiagnostics.BadFact, line,
                $"Kernel '{kernel.Name}': @declares {m.Groups[1].Value} takes {wanted} of its int parameters ({string.Join(", ", ints)})"));
            return null;
        }
        return new DeclaredCheck(kind, sizes, m.Groups[3].Value.Trim());
    }
}
