using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace AutoLoRa.Kernels.Generator;

/// <summary>
/// The count in <c>@launch stream(n)</c> and its kin: integer arithmetic (+ - * / and parentheses)
/// over the kernel's int parameters and literals. The same text is valid C and C#, so the
/// launcher computes it from its own arguments, in 64 bits so planes·H·W cannot overflow.
/// </summary>
internal static class LaunchCount
{
    private static readonly Regex Token = new(@"\s*(?:([A-Za-z_]\w*)|(\d+)|([-+*/()]))");

    /// <summary>Null when <paramref name="count"/> is valid, else why not.</summary>
    public static string? Check(string count, IReadOnlyList<KernelParameter> parameters)
    {
        if (count.Trim().Length == 0) return "the launch count is empty";
        int at = 0;
        foreach (Match m in Token.Matches(count))
        {
            if (m.Index != at) break;
            at += m.Length;
            if (!m.Groups[1].Success) continue;
            var p = parameters.FirstOrDefault(x => x.Name == m.Groups[1].Value);
            if (p is null) return $"'{m.Groups[1].Value}' in the launch count is not a parameter";
            if (p.IsPointer || p.CsType is "float" or "double") return $"'{p.Name}' in the launch count is not an integer parameter";
        }
        return at == count.TrimEnd().Length ? null : $"cannot read the launch count '{count}' (integer parameters, literals, + - * / and parentheses)";
    }

    /// <summary>The count as a C# long expression over the launcher's parameters.</summary>
    public static string ToCSharp(string count)
    {
        var text = new StringBuilder();
        foreach (Match m in Token.Matches(count))
        {
            if (m.Groups[1].Success) text.Append("(long)").Append(CSharpNames.Identifier(m.Groups[1].Value));
            else if (m.Groups[2].Success) text.Append(m.Groups[2].Value).Append('L');
            else text.Append(' ').Append(m.Groups[3].Value).Append(' ');
        }
        return Regex.Replace(text.ToString(), @"\s+", " ").Replace("( ", "(").Replace(" )", ")").Trim();
    }
}
