// device.cpp — cuInit, the driver version and the device queries of the one simulated device.
#include "driver.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace standin {
namespace {

// Figures from NVIDIA's CUDA programming guide (compute capability tables) and the V100/A100/H100
// data sheets: SM counts of the SXM parts, opt-in shared memory per block 96/163/227 KiB.
const DeviceProfile kProfiles[] = {
    {"sm_70", 7, 0, 80, 1024, {1024, 1024, 64}, {2147483647, 65535, 65535}, 48 * 1024, 96 * 1024},
    {"sm_80", 8, 0, 108, 1024, {1024, 1024, 64}, {2147483647, 65535, 65535}, 48 * 1024, 163 * 1024},
    {"sm_90", 9, 0, 132, 1024, {1024, 1024, 64}, {2147483647, 65535, 65535}, 48 * 1024, 227 * 1024},
};

const DeviceProfile* pick_profile()
{
    const char* wanted = std::getenv("AUTOLORA_STANDIN_DEVICE");
    if (!wanted || !*wanted) return &kProfiles[1];
    for (const auto& p : kProfiles)
        if (std::strcmp(p.name, wanted) == 0) return &p;
    report(std::string("AUTOLORA_STANDIN_DEVICE=") + wanted + " is not one of sm_70, sm_80, sm_90; using sm_80");
    return &kProfiles[1];
}

std::atomic<bool> g_initialized{false};
std::atomic<const DeviceProfile*> g_profile{nullptr};
std::atomic<int> g_driver_version{0};
std::atomic<int> g_device_count{0};

} // namespace

const DeviceProfile& device_profile()
{
    const DeviceProfile* profile = g_profile.load();
    if (!profile) {
        const DeviceProfile* expected = nullptr;
        g_profile.compare_exchange_strong(expected, pick_profile());
        profile = g_profile.load();
    }
    return *profile;
}

bool set_device_profile(int sm)
{
    for (const auto& p : kProfiles)
        if (p.major * 10 + p.minor == sm) return g_profile = &p, true;
    return false;
}

int driver_version()
{
    // Default 12.6, the toolkit the interop facts were read from; tests lower it to check the
    // PTX ISA gate.
    if (int v = g_driver_version.load(); v > 0) return v;
    const char* text = std::getenv("AUTOLORA_STANDIN_DRIVER_VERSION");
    int v = text ? std::atoi(text) : 0;
    g_driver_version = v > 0 ? v : 12060;
    return g_driver_version.load();
}

void set_driver_version(int version) { g_driver_version = version; }

// How many devices cuDeviceGetCount reports (AUTOLORA_STANDIN_DEVICE_COUNT, default 1), so a
// data-parallel run can pick its device by local rank and a node with too few can be simulated.
// The devices are names only: they share one profile, primary context and arena, which is sound
// for what they serve — one process per device, each with an arena of its own.
int device_count()
{
    if (int n = g_device_count.load(); n > 0) return n;
    const char* text = std::getenv("AUTOLORA_STANDIN_DEVICE_COUNT");
    int n = text ? std::atoi(text) : 0;
    if (text && n <= 0) report(std::string("AUTOLORA_STANDIN_DEVICE_COUNT=") + text + " is not a positive count; using 1");
    g_device_count = n > 0 ? n : 1;
    return g_device_count.load();
}

bool set_device_count(int count) { return count > 0 && (g_device_count = count, true); }

bool valid_device(CUdevice device) { return device >= 0 && device < device_count(); }

bool initialized() { return g_initialized.load(); }

void report(const std::string& message) { std::fprintf(stderr, "libcuda stand-in: %s\n", message.c_str()); }

} // namespace standin

using namespace standin;

STANDIN_API CUresult cuInit(unsigned int flags)
{
    if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
    g_initialized = true;
    return CUDA_SUCCESS;
}

// Documented to work before cuInit (only SUCCESS / INVALID_VALUE).
STANDIN_API CUresult cuDriverGetVersion(int* version)
{
    if (!version) return CUDA_ERROR_INVALID_VALUE;
    *version = driver_version();
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuDeviceGetCount(int* count)
{
    if (!initialized()) return CUDA_ERROR_NOT_INITIALIZED;
    if (!count) return CUDA_ERROR_INVALID_VALUE;
    *count = device_count();
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuDeviceGet(CUdevice* device, int ordinal)
{
    if (!initialized()) return CUDA_ERROR_NOT_INITIALIZED;
    if (!device) return CUDA_ERROR_INVALID_VALUE;
    if (!valid_device(ordinal)) return CUDA_ERROR_INVALID_DEVICE;
    *device = ordinal;
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuDeviceGetName(char* name, int length, CUdevice device)
{
    if (!initialized()) return CUDA_ERROR_NOT_INITIALIZED;
    if (!valid_device(device)) return CUDA_ERROR_INVALID_DEVICE;
    if (!name || length <= 0) return CUDA_ERROR_INVALID_VALUE;
    std::snprintf(name, static_cast<size_t>(length), "AutoLoRa stand-in GPU (%s)", device_profile().name);
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice device)
{
    if (!initialized()) return CUDA_ERROR_NOT_INITIALIZED;
    if (!valid_device(device)) return CUDA_ERROR_INVALID_DEVICE;
    if (!value) return CUDA_ERROR_INVALID_VALUE;
    const DeviceProfile& p = device_profile();
    switch (attribute) {  // CUdevice_attribute values (cuda-interop-facts §3.3, cuda.h)
    case 1: *value = p.maxThreadsPerBlock; break;
    case 2: case 3: case 4: *value = p.maxBlockDim[attribute - 2]; break;
    case 5: case 6: case 7: *value = p.maxGridDim[attribute - 5]; break;
    case 8: *value = p.sharedPerBlock; break;
    case 10: *value = 32; break;
    case 16: *value = p.multiprocessors; break;
    case 39: *value = 2048; break;
    case 41: *value = 1; break;
    case 75: *value = p.major; break;
    case 76: *value = p.minor; break;
    case 97: *value = p.sharedPerBlockOptin; break;
    case 115: *value = 1; break;
    default:
        // A real driver knows every attribute; the stand-in says which one it does not model.
        report("cuDeviceGetAttribute: attribute " + std::to_string(attribute) + " is not modelled");
        return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}
