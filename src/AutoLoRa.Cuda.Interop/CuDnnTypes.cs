using System.Runtime.InteropServices;

namespace AutoLoRa.Cuda.Interop;

// cuDNN enums (identical in 8.9.1 and 9.6.0) and the convolution perf-result structs.

public enum cudnnDataType_t { Float = 0, Double = 1, Half = 2 }

public enum cudnnTensorFormat_t { Nchw = 0, Nhwc = 1 }

public enum cudnnConvolutionMode_t { Convolution = 0, CrossCorrelation = 1 }

public enum cudnnMathType_t { Default = 0, TensorOp = 1, TensorOpAllowConversion = 2, Fma = 3 }

public enum cudnnConvolutionFwdAlgo_t
{
    ImplicitGemm = 0, ImplicitPrecompGemm = 1, Gemm = 2, Direct = 3, Fft = 4, FftTiling = 5, Winograd = 6, WinogradNonfused = 7,
}

public enum cudnnConvolutionBwdDataAlgo_t { Algo0 = 0, Algo1 = 1, Fft = 2, FftTiling = 3, Winograd = 4, WinogradNonfused = 5 }

public enum cudnnConvolutionBwdFilterAlgo_t { Algo0 = 0, Algo1 = 1, Fft = 2, Algo3 = 3, Winograd = 4, WinogradNonfused = 5, FftTiling = 6 }

public enum cudnnBatchNormMode_t { PerActivation = 0, Spatial = 1, SpatialPersistent = 2 }

public enum cudnnPoolingMode_t { Max = 0, AverageCountIncludePadding = 1, AverageCountExcludePadding = 2, MaxDeterministic = 3 }

public enum cudnnNanPropagation_t { NotPropagateNan = 0, PropagateNan = 1 }

public enum cudnnDeterminism_t { NonDeterministic = 0, Deterministic = 1 }

/// <summary>
/// cudnnConvolutionFwdAlgoPerf_t, cudnnConvolutionBwdDataAlgoPerf_t and cudnnConvolutionBwdFilterAlgoPerf_t:
/// three C structs with one layout (48 bytes, align 8: algo, status, time, (pad), memory at 16,
/// determinism, mathType, reserved[3], (pad)) that differ only in the enum type of <see cref="Algo"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct cudnnConvolutionAlgoPerf_t<TAlgo> where TAlgo : unmanaged, Enum
{
    public TAlgo Algo;
    public int Status;
    public float Time;
    public nuint Memory;
    public cudnnDeterminism_t Determinism;
    public cudnnMathType_t MathType;
    public fixed int Reserved[3];
}
