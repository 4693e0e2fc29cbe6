// module.cpp — cuModuleLoadData(Ex), cuModuleGetFunction, cuModuleUnload. Loading "JIT-compiles"
// PTX text by checking what a driver's JIT would refuse: an ISA newer than the driver knows
// (CUDA_ERROR_UNSUPPORTED_PTX_VERSION), a target the device cannot run or an ISA too old to name
// its target (CUDA_ERROR_INVALID_PTX, with the reason in the JIT error log), 32-bit addressing.
// cubin and fatbin images are refused: the stand-in has only our kernels' host builds.
#include "module.h"

#include <cstring>
#include <mutex>
#include <set>

namespace standin {
namespace {

std::mutex g_lock;
std::set<Module*> g_modules;
std::set<Function*> g_functions;

enum JitOption : int {
    kInfoLogBuffer = 3,
    kInfoLogBufferSize = 4,
    kErrorLogBuffer = 5,
    kErrorLogBufferSize = 6,
    kOptionCount = 34,  // CU_JIT_NUM_OPTIONS in CUDA 12.6
};

std::string isa_text(int isa) { return std::to_string(isa / 10) + "." + std::to_string(isa % 10); }

// What the JIT would say about this module on this device, or "" when it compiles.
CUresult check_module(const PtxModule& m, std::string* why)
{
    const DeviceProfile& device = device_profile();
    int isa = m.versionMajor * 10 + m.versionMinor;
    int newest = newest_ptx_isa(driver_version());
    int deviceSm = device.major * 10 + device.minor;
    if (isa > newest) {
        *why = "PTX ISA " + isa_text(isa) + " is newer than this driver (CUDA " + std::to_string(driver_version() / 1000) + "." +
               std::to_string(driver_version() % 1000 / 10) + ") supports (" + isa_text(newest) + ")";
        return CUDA_ERROR_UNSUPPORTED_PTX_VERSION;
    }
    if (m.targetSm > deviceSm || (m.archSpecific && m.targetSm != deviceSm)) {
        *why = "ptxas fatal: .target sm_" + std::to_string(m.targetSm) + (m.archSpecific ? "a" : "") +
               " is not supported by this device (" + device.name + ")";
        return CUDA_ERROR_INVALID_PTX;
    }
    if (isa < oldest_ptx_isa_for(m.targetSm)) {
        *why = "ptxas fatal: .target sm_" + std::to_string(m.targetSm) + " requires PTX ISA " + isa_text(oldest_ptx_isa_for(m.targetSm)) +
               " or later, the module says " + isa_text(isa);
        return CUDA_ERROR_INVALID_PTX;
    }
    if (m.addressSize != 64) {
        *why = "ptxas fatal: .address_size " + std::to_string(m.addressSize) + " (64-bit devices need 64)";
        return CUDA_ERROR_INVALID_PTX;
    }
    return CUDA_SUCCESS;
}

// Writes the message into the caller's error log buffer; the size slot is in/out (bytes written).
void write_log(unsigned count, const int* options, void** values, const std::string& message)
{
    char* buffer = nullptr;
    size_t* sizeSlot = nullptr;
    for (unsigned i = 0; i < count; i++) {
        if (options[i] == kErrorLogBuffer) buffer = static_cast<char*>(values[i]);
        if (options[i] == kErrorLogBufferSize) sizeSlot = reinterpret_cast<size_t*>(&values[i]);
    }
    if (!buffer || !sizeSlot || *sizeSlot == 0) return;
    size_t written = std::min(message.size(), static_cast<size_t>(static_cast<unsigned>(*sizeSlot)) - 1);
    std::memcpy(buffer, message.data(), written);
    buffer[written] = '\0';
    *sizeSlot = written;
}

} // namespace

bool live_function(Function* function)
{
    std::lock_guard guard(g_lock);
    return g_functions.count(function) != 0;
}

} // namespace standin

using namespace standin;

STANDIN_API CUresult cuModuleLoadDataEx(CUmodule* module, const void* image, unsigned int count, int* options, void** values)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!module || !image || (count > 0 && (!options || !values))) return CUDA_ERROR_INVALID_VALUE;
    for (unsigned i = 0; i < count; i++)
        if (options[i] < 0 || options[i] >= kOptionCount) return CUDA_ERROR_INVALID_VALUE;
    const char* text = static_cast<const char*>(image);
    if (std::memcmp(text, "\x7f" "ELF", 4) == 0 || std::memcmp(text, "\x50\xed\x55\xba", 4) == 0) {
        report("cuModuleLoadDataEx: a cubin/fatbin image; the stand-in runs only PTX of our kernels");
        return CUDA_ERROR_NO_BINARY_FOR_GPU;
    }
    auto loaded = std::make_unique<Module>();
    std::string why;
    if (!parse_ptx(text, &loaded->ptx, &why)) {
        write_log(count, options, values, why);
        return CUDA_ERROR_INVALID_IMAGE;
    }
    if (CUresult status = check_module(loaded->ptx, &why); status != CUDA_SUCCESS) {
        write_log(count, options, values, why);
        report("cuModuleLoadDataEx: " + why);
        return status;
    }
    write_log(count, options, values, "");
    std::lock_guard guard(g_lock);
    g_modules.insert(loaded.get());
    *module = loaded.release();
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuModuleLoadData(CUmodule* module, const void* image)
{
    return cuModuleLoadDataEx(module, image, 0, nullptr, nullptr);
}

STANDIN_API CUresult cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!function || !name) return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard guard(g_lock);
    if (g_modules.count(module) == 0) return CUDA_ERROR_INVALID_HANDLE;
    auto entry = module->ptx.entries.find(name);
    if (entry == module->ptx.entries.end()) return CUDA_ERROR_NOT_FOUND;
    auto known = module->functions.find(name);
    if (known != module->functions.end()) {
        *function = known->second.get();
        return CUDA_SUCCESS;
    }
    std::string why;
    HostEntry host = host_entry(name, &why);
    if (!host) {
        report("cuModuleGetFunction: " + why);
        return CUDA_ERROR_NOT_FOUND;
    }
    auto created = std::make_unique<Function>(Function{name, entry->second, host});
    g_functions.insert(created.get());
    *function = created.get();
    module->functions[name] = std::move(created);
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuModuleUnload(CUmodule module)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS && status != sticky_error()) return status;
    // Launches already queued keep running the module's code; wait for them before it goes.
    synchronize_all();
    std::lock_guard guard(g_lock);
    if (g_modules.erase(module) == 0) return CUDA_ERROR_INVALID_HANDLE;
    for (const auto& [name, function] : module->functions) g_functions.erase(function.get());
    delete module;
    return CUDA_SUCCESS;
}
