using System.Runtime.InteropServices;

namespace AutoLoRa.Cuda.Interop;

/// <summary>
/// cuDNN 8 and 9 legacy API, bound to the shim library (libcudnn.so.9/.8 / cudnn64_9/8.dll).
/// Declarations only. Signatures are identical in 8.9 and 9.x; status numbers are not (see
/// StatusNames.CuDnn). Scaling factors (alpha/beta) are host pointers to float for float
/// data; BN epsilon and averaging factor are <c>double</c> by value; sizes are <c>nuint</c>.
/// Every descriptor and the handle are <c>nint</c>; device memory is a <c>ulong</c> CUdeviceptr.
/// </summary>
public static unsafe partial class CuDnn
{
    public const string Library = "autolora-cudnn";

    [LibraryImport(Library, EntryPoint = "cudnnGetVersion")]
    public static partial nuint cudnnGetVersion();

    /// <summary>Returns a static library-owned string (never free it).</summary>
    [LibraryImport(Library, EntryPoint = "cudnnGetErrorString")]
    public static partial byte* cudnnGetErrorString(int status);

    [LibraryImport(Library, EntryPoint = "cudnnCreate")]
    public static partial int cudnnCreate(nint* handle);

    [LibraryImport(Library, EntryPoint = "cudnnDestroy")]
    public static partial int cudnnDestroy(nint handle);

    [LibraryImport(Library, EntryPoint = "cudnnSetStream")]
    public static partial int cudnnSetStream(nint handle, nint stream);

    // ---- tensor, filter, convolution descriptors ----

    [LibraryImport(Library, EntryPoint = "cudnnCreateTensorDescriptor")]
    public static partial int cudnnCreateTensorDescriptor(nint* desc);

    [LibraryImport(Library, EntryPoint = "cudnnDestroyTensorDescriptor")]
    public static partial int cudnnDestroyTensorDescriptor(nint desc);

    /// <summary>Note the order: format before data type (the filter call is the other way round).</summary>
    [LibraryImport(Library, EntryPoint = "cudnnSetTensor4dDescriptor")]
    public static partial int cudnnSetTensor4dDescriptor(nint desc, cudnnTensorFormat_t format, cudnnDataType_t dataType, int n, int c, int h, int w);

    [LibraryImport(Library, EntryPoint = "cudnnCreateFilterDescriptor")]
    public static partial int cudnnCreateFilterDescriptor(nint* desc);

    [LibraryImport(Library, EntryPoint = "cudnnDestroyFilterDescriptor")]
    public static partial int cudnnDestroyFilterDescriptor(nint desc);

    /// <summary>Note the order: data type before format; k = output channels.</summary>
    [LibraryImport(Library, EntryPoint = "cudnnSetFilter4dDescriptor")]
    public static partial int cudnnSetFilter4dDescriptor(nint desc, cudnnDataType_t dataType, cudnnTensorFormat_t format, int k, int c, int h, int w);

    [LibraryImport(Library, EntryPoint = "cudnnCreateConvolutionDescriptor")]
    public static partial int cudnnCreateConvolutionDescriptor(nint* desc);

    [LibraryImport(Library, EntryPoint = "cudnnDestroyConvolutionDescriptor")]
    public static partial int cudnnDestroyConvolutionDescriptor(nint desc);

    /// <summary>u/v are the vertical/horizontal strides.</summary>
    [LibraryImport(Library, EntryPoint = "cudnnSetConvolution2dDescriptor")]
    public static partial int cudnnSetConvolution2dDescriptor(nint desc, int padH, int padW, int u, int v,
        int dilationH, int dilationW, cudnnConvolutionMode_t mode, cudnnDataType_t computeType);

    [LibraryImport(Library, EntryPoint = "cudnnSetConvolutionMathType")]
    public static partial int cudnnSetConvolutionMathType(nint desc, cudnnMathType_t mathType);

    // ---- algorithm choice and workspace ----

    [LibraryImport(Library, EntryPoint = "cudnnGetConvolutionForwardAlgorithm_v7")]
    public static partial int cudnnGetConvolutionForwardAlgorithm_v7(nint handle, nint xDesc, nint wDesc, nint convDesc, nint yDesc,
        int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionAlgoPerf_t<cudnnConvolutionFwdAlgo_t>* perfResults);

    [LibraryImport(Library, EntryPoint = "cudnnGetConvolutionForwardWorkspaceSize")]
    public static partial int cudnnGetConvolutionForwardWorkspaceSize(nint handle, nint xDesc, nint wDesc, nint convDesc, nint yDesc,
        cudnnConvolutionFwdAlgo_t algo, nuint* sizeInBytes);

    /// <summary>Filter descriptor first.</summary>
    [LibraryImport(Library, EntryPoint = "cudnnGetConvolutionBackwardDataAlgorithm_v7")]
    public static partial int cudnnGetConvolutionBackwardDataAlgorithm_v7(nint handle, nint wDesc, nint dyDesc, nint convDesc, nint dxDesc,
        int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionAlgoPerf_t<cudnnConvolutionBwdDataAlgo_t>* perfResults);

    [LibraryImport(Library, EntryPoint = "cudnnGetConvolutionBackwardDataWorkspaceSize")]
    public static partial int cudnnGetConvolutionBackwardDataWorkspaceSize(nint handle, nint wDesc, nint dyDesc, nint convDesc, nint dxDesc,
        cudnnConvolutionBwdDataAlgo_t algo, nuint* sizeInBytes);

    [LibraryImport(Library, EntryPoint = "cudnnGetConvolutionBackwardFilterAlgorithm_v7")]
    public static partial int cudnnGetConvolutionBackwardFilterAlgorithm_v7(nint handle, nint xDesc, nint dyDesc, nint convDesc, nint dwDesc,
        int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionAlgoPerf_t<cudnnConvolutionBwdFilterAlgo_t>* perfResults);

    [LibraryImport(Library, EntryPoint = "cudnnGetConvolutionBackwardFilterWorkspaceSize")]
    public static partial int cudnnGetConvolutionBackwardFilterWorkspaceSize(nint handle, nint xDesc, nint dyDesc, nint convDesc, nint dwDesc,
        cudnnConvolutionBwdFilterAlgo_t algo, nuint* sizeInBytes);

    // ---- convolution ----

    [LibraryImport(Library, EntryPoint = "cudnnConvolutionForward")]
    public static partial int cudnnConvolutionForward(nint handle, float* alpha, nint xDesc, ulong x, nint wDesc, ulong w, nint convDesc,
        cudnnConvolutionFwdAlgo_t algo, ulong workSpace, nuint workSpaceSizeInBytes, float* beta, nint yDesc, ulong y);

    [LibraryImport(Library, EntryPoint = "cudnnConvolutionBackwardData")]
    public static partial int cudnnConvolutionBackwardData(nint handle, float* alpha, nint wDesc, ulong w, nint dyDesc, ulong dy, nint convDesc,
        cudnnConvolutionBwdDataAlgo_t algo, ulong workSpace, nuint workSpaceSizeInBytes, float* beta, nint dxDesc, ulong dx);

    [LibraryImport(Library, EntryPoint = "cudnnConvolutionBackwardFilter")]
    public static partial int cudnnConvolutionBackwardFilter(nint handle, float* alpha, nint xDesc, ulong x, nint dyDesc, ulong dy, nint convDesc,
        cudnnConvolutionBwdFilterAlgo_t algo, ulong workSpace, nuint workSpaceSizeInBytes, float* beta, nint dwDesc, ulong dw);

    // ---- batch normalisation ----

    [LibraryImport(Library, EntryPoint = "cudnnDeriveBNTensorDescriptor")]
    public static partial int cudnnDeriveBNTensorDescriptor(nint derivedBnDesc, nint xDesc, cudnnBatchNormMode_t mode);

    [LibraryImport(Library, EntryPoint = "cudnnBatchNormalizationForwardTraining")]
    public static partial int cudnnBatchNormalizationForwardTraining(nint handle, cudnnBatchNormMode_t mode, float* alpha, float* beta,
        nint xDesc, ulong x, nint yDesc, ulong y, nint bnScaleBiasMeanVarDesc, ulong bnScale, ulong bnBias,
        double exponentialAverageFactor, ulong resultRunningMean, ulong resultRunningVariance, double epsilon,
        ulong resultSaveMean, ulong resultSaveInvVariance);

    [LibraryImport(Library, EntryPoint = "cudnnBatchNormalizationForwardInference")]
    public static partial int cudnnBatchNormalizationForwardInference(nint handle, cudnnBatchNormMode_t mode, float* alpha, float* beta,
        nint xDesc, ulong x, nint yDesc, ulong y, nint bnScaleBiasMeanVarDesc, ulong bnScale, ulong bnBias,
        ulong estimatedMean, ulong estimatedVariance, double epsilon);

    [LibraryImport(Library, EntryPoint = "cudnnBatchNormalizationBackward")]
    public static partial int cudnnBatchNormalizationBackward(nint handle, cudnnBatchNormMode_t mode,
        float* alphaDataDiff, float* betaDataDiff, float* alphaParamDiff, float* betaParamDiff,
        nint xDesc, ulong x, nint dyDesc, ulong dy, nint dxDesc, ulong dx, nint dBnScaleBiasDesc, ulong bnScale,
        ulong dBnScaleResult, ulong dBnBiasResult, double epsilon, ulong savedMean, ulong savedInvVariance);

    // ---- pooling ----

    [LibraryImport(Library, EntryPoint = "cudnnCreatePoolingDescriptor")]
    public static partial int cudnnCreatePoolingDescriptor(nint* desc);

    [LibraryImport(Library, EntryPoint = "cudnnDestroyPoolingDescriptor")]
    public static partial int cudnnDestroyPoolingDescriptor(nint desc);

    [LibraryImport(Library, EntryPoint = "cudnnSetPooling2dDescriptor")]
    public static partial int cudnnSetPooling2dDescriptor(nint desc, cudnnPoolingMode_t mode, cudnnNanPropagation_t maxpoolingNanOpt,
        int windowHeight, int windowWidth, int verticalPadding, int horizontalPadding, int verticalStride, int horizontalStride);

    [LibraryImport(Library, EntryPoint = "cudnnPoolingForward")]
    public static partial int cudnnPoolingForward(nint handle, nint poolingDesc, float* alpha, nint xDesc, ulong x, float* beta, nint yDesc, ulong y);

    /// <summary>Order: y, dy, x, then beta, dx.</summary>
    [LibraryImport(Library, EntryPoint = "cudnnPoolingBackward")]
    public static partial int cudnnPoolingBackward(nint handle, nint poolingDesc, float* alpha, nint yDesc, ulong y, nint dyDesc, ulong dy,
        nint xDesc, ulong x, float* beta, nint dxDesc, ulong dx);

}
