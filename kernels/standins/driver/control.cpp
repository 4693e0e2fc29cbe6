// control.cpp — the stand-in's own test hook (not a CUDA API): tests change the simulated machine
// at run time, since .NET on Linux does not pass Environment.SetEnvironmentVariable to native
// getenv. Each setting has an environment variable read at first use as well (README.md).
//   device_sm        70 | 80 | 90    the device profile (AUTOLORA_STANDIN_DEVICE)
//   driver_version   e.g. 12060      what cuDriverGetVersion reports (AUTOLORA_STANDIN_DRIVER_VERSION)
//   device_count     how many devices cuDeviceGetCount reports (AUTOLORA_STANDIN_DEVICE_COUNT, default 1)
//   memory_bytes     the device's memory (AUTOLORA_STANDIN_MEMORY_BYTES; at most the first value)
//   stream_delay_ms  each queued item waits this long before it runs: a missing synchronisation
//                    then reads stale data deterministically
//   clear_sticky     forget a sticky error (a real process would have to restart)
//   fault_after_launches  the Nth launch from now faults with a sticky CUDA_ERROR_ILLEGAL_ADDRESS;
//                    0 never (AUTOLORA_STANDIN_FAULT_AFTER_LAUNCHES, counted from the first launch)
// Returns 0, or -1 for an unknown name or a value out of range.
#include "driver.h"

#include <cstring>

using namespace standin;

STANDIN_API int autolora_standin_set(const char* name, long long value)
{
    if (!name) return -1;
    if (std::strcmp(name, "device_sm") == 0) return set_device_profile(static_cast<int>(value)) ? 0 : -1;
    if (std::strcmp(name, "driver_version") == 0) return value > 0 ? (set_driver_version(static_cast<int>(value)), 0) : -1;
    if (std::strcmp(name, "device_count") == 0) return value > 0 && value < 1024 && set_device_count(static_cast<int>(value)) ? 0 : -1;
    if (std::strcmp(name, "memory_bytes") == 0) return value > 0 && set_memory_cap(static_cast<size_t>(value)) ? 0 : -1;
    if (std::strcmp(name, "stream_delay_ms") == 0) return value >= 0 ? (set_stream_delay_ms(static_cast<int>(value)), 0) : -1;
    if (std::strcmp(name, "clear_sticky") == 0) return clear_sticky_error(), 0;
    if (std::strcmp(name, "fault_after_launches") == 0) return value >= 0 ? (set_fault_after_launches(value), 0) : -1;
    return -1;
}
