using System.Runtime.CompilerServices;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda;

/// <summary>A CUDA driver, cuBLAS or cuDNN call failed; the message names the call and the status.</summary>
/// <param name="library">The library that failed.</param>
/// <param name="call">The function that failed.</param>
/// <param name="status">The status code it returned.</param>
/// <param name="statusName">The status code's name.</param>
/// <param name="detail">More about the failure, when known.</param>
public sealed class CudaException(string library, string call, int status, string statusName, string? detail = null)
    : BackendException($"{call} failed: {statusName} ({status}){(string.IsNullOrEmpty(detail) ? "" : ": " + detail)}")
{
    /// <summary>The library that failed: driver, cuBLAS, cuDNN or the emulation.</summary>
    public string Library { get; } = library;

    /// <summary>The function that failed, e.g. cuMemAlloc_v2.</summary>
    public string Call { get; } = call;

    /// <summary>The status code it returned.</summary>
    public int Status { get; } = status;

    /// <summary>The status code's name, e.g. CUDA_ERROR_OUT_OF_MEMORY.</summary>
    public string StatusName { get; } = statusName;
}

/// <summary>One ThrowIfFailed per library: turns a failing status into a <see cref="CudaException"/>.</summary>
internal static class Check
{
    internal static void Driver(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != 0) throw new CudaException("driver", CallName(call), status, StatusNames.Driver(status));
    }

    internal static void CuBlas(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != 0) throw new CudaException("cublas", CallName(call), status, StatusNames.CuBlas(status));
    }

    internal static void CuDnn(int status, int cudnnMajor, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != 0) throw new CudaException("cudnn", CallName(call), status, StatusNames.CuDnn(status, cudnnMajor));
    }

    /// <summary>"CudaDriver.cuMemAlloc_v2(&amp;p, n)" → the call text up to its argument list.</summary>
    internal static string CallName(string expression)
    {
        int paren = expression.IndexOf('(');
        string head = paren > 0 ? expression[..paren] : expression;
        int dot = head.LastIndexOf('.');
        return dot >= 0 ? head[(dot + 1)..] : head;
    }
}
