// launch.cpp — cuLaunchKernel. Checks what a GPU refuses at launch (shape and shared memory limits
// of the device profile; kernelParams against the PTX .entry list), copies the argument values at
// the call (the caller may reuse them at once, as with the real driver), and queues the kernel's
// host build on the stream. A C ABI cannot tell how many pointers kernelParams holds or how wide
// the values behind them are: the stand-in reads exactly one pointer per PTX parameter and exactly
// the PTX width behind each, as a driver does, so a caller whose list differs from the PTX reads
// garbage here too; the kernel-signature tests compare the launchers with the PTX directly.
#include "module.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

using namespace standin;

namespace {

CUresult check_shape(const unsigned grid[3], const unsigned block[3], unsigned dynamicShared, const Function& f, std::string* why)
{
    const DeviceProfile& d = device_profile();
    unsigned long long threads = 1;
    for (int i = 0; i < 3; i++) {
        if (grid[i] == 0 || grid[i] > static_cast<unsigned>(d.maxGridDim[i])) {
            *why = "grid dimension " + std::to_string(i) + " is " + std::to_string(grid[i]) + " (1.." + std::to_string(d.maxGridDim[i]) + ")";
            return CUDA_ERROR_INVALID_VALUE;
        }
        if (block[i] == 0 || block[i] > static_cast<unsigned>(d.maxBlockDim[i])) {
            *why = "block dimension " + std::to_string(i) + " is " + std::to_string(block[i]) + " (1.." + std::to_string(d.maxBlockDim[i]) + ")";
            return CUDA_ERROR_INVALID_VALUE;
        }
        threads *= block[i];
    }
    if (threads > static_cast<unsigned long long>(d.maxThreadsPerBlock)) {
        *why = std::to_string(threads) + " threads per block (at most " + std::to_string(d.maxThreadsPerBlock) + ")";
        return CUDA_ERROR_INVALID_VALUE;
    }
    // Without cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES) a block gets the default 48 KiB.
    unsigned long long shared = static_cast<unsigned long long>(dynamicShared) + f.signature.staticShared;
    if (shared > static_cast<unsigned long long>(d.sharedPerBlock)) {
        *why = std::to_string(shared) + " bytes of shared memory (static " + std::to_string(f.signature.staticShared) + ") exceed " +
               std::to_string(d.sharedPerBlock);
        return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

// Where each value sits in the copied argument block: at its natural alignment (up to 8 bytes),
// so the host kernel reads aligned values.
std::vector<size_t> offsets_of(const std::vector<unsigned>& widths, size_t* total)
{
    std::vector<size_t> offsets;
    size_t offset = 0;
    for (unsigned width : widths) {
        size_t align = width >= 8 ? 8 : width >= 4 ? 4 : width >= 2 ? 2 : 1;
        offset = (offset + align - 1) / align * align;
        offsets.push_back(offset);
        offset += width;
    }
    *total = offset;
    return offsets;
}

// A 64-bit argument that points into the device arena must point into a live allocation: a GPU
// faults when the kernel touches freed memory.
std::string stale_pointer(const std::vector<unsigned>& widths, const std::vector<size_t>& offsets, const char* values)
{
    for (size_t i = 0; i < widths.size(); i++) {
        if (widths[i] != 8) continue;
        CUdeviceptr value;
        std::memcpy(&value, values + offsets[i], 8);
        if (arena_is_freed(value)) return "parameter " + std::to_string(i) + " (0x" + [&] {
            char hex[24];
            std::snprintf(hex, sizeof hex, "%llx", value);
            return std::string(hex);
        }() + ") points into freed device memory";
    }
    return "";
}

} // namespace

namespace {

// fault_after_launches (AUTOLORA_STANDIN_FAULT_AFTER_LAUNCHES): the Nth launch of the process faults
// as a kernel writing outside its buffer does on a GPU — a sticky CUDA_ERROR_ILLEGAL_ADDRESS that
// every later call returns — so tests can see what the product does after one. 0: never.
std::atomic<long long> g_fault_after{-1};  // -1: not read from the environment yet
std::atomic<long long> g_launches{0};

long long fault_after()
{
    long long n = g_fault_after.load();
    if (n >= 0) return n;
    const char* text = std::getenv("AUTOLORA_STANDIN_FAULT_AFTER_LAUNCHES");
    long long parsed = text ? std::atoll(text) : 0;
    long long expected = -1;
    g_fault_after.compare_exchange_strong(expected, parsed < 0 ? 0 : parsed);
    return g_fault_after.load();
}

} // namespace

void standin::set_fault_after_launches(long long launches)
{
    g_fault_after = launches;
    g_launches = 0;
}

STANDIN_API CUresult cuLaunchKernel(CUfunction function, unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX,
                                    unsigned blockY, unsigned blockZ, unsigned sharedBytes, CUstream stream, void** kernelParams,
                                    void** extra)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!live_function(function)) return CUDA_ERROR_INVALID_HANDLE;
    CUresult status;
    Stream* s = resolve_stream(stream, &status);
    if (!s) return status;
    const Function& f = *function;
    const std::vector<unsigned>& widths = f.signature.paramBytes;
    if (kernelParams && extra) return CUDA_ERROR_INVALID_VALUE;  // documented: one or the other
    if (extra) {
        report("cuLaunchKernel: the extra (packed buffer) form is not modelled; pass kernelParams");
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    if (!widths.empty() && !kernelParams) return CUDA_ERROR_INVALID_VALUE;
    const unsigned grid[3] = {gridX, gridY, gridZ}, block[3] = {blockX, blockY, blockZ};
    std::string why;
    if (CUresult bad = check_shape(grid, block, sharedBytes, f, &why); bad != CUDA_SUCCESS) {
        report("cuLaunchKernel " + f.name + ": " + why);
        return bad;
    }
    size_t total;
    std::vector<size_t> offsets = offsets_of(widths, &total);
    // uint64_t storage keeps the block 8-byte aligned.
    auto values = std::make_shared<std::vector<uint64_t>>((total + 7) / 8);
    char* block_bytes = reinterpret_cast<char*>(values->data());
    for (size_t i = 0; i < widths.size(); i++) {
        if (!kernelParams[i]) {
            report("cuLaunchKernel " + f.name + ": kernelParams[" + std::to_string(i) + "] is NULL");
            return CUDA_ERROR_INVALID_VALUE;
        }
        std::memcpy(block_bytes + offsets[i], kernelParams[i], widths[i]);
    }
    HostEntry host = f.host;
    std::string name = f.name;
    long long faulting = fault_after();
    bool fault = faulting > 0 && ++g_launches == faulting;
    enqueue_device_work(s, "kernel " + name, [=](std::string* failure) {
        if (fault) {
            *failure = "a simulated write outside its buffer (fault_after_launches)";
            return CUDA_ERROR_ILLEGAL_ADDRESS;
        }
        char* bytes = reinterpret_cast<char*>(values->data());
        if (std::string stale = stale_pointer(widths, offsets, bytes); !stale.empty()) {
            *failure = stale;
            return CUDA_ERROR_ILLEGAL_ADDRESS;
        }
        std::vector<void*> args(widths.size());
        for (size_t i = 0; i < widths.size(); i++) args[i] = bytes + offsets[i];
        if (host(gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, args.data()) != 0) {
            *failure = host_last_error();  // thread-local in the host library: read on this thread
            return CUDA_ERROR_LAUNCH_FAILED;
        }
        return CUDA_SUCCESS;
    });
    return CUDA_SUCCESS;
}
