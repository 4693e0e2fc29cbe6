// kernel_library.cpp — finds our kernels' host builds in libautolora_kernels_host (the library the
// C# EmulatedRuntime runs them from): kernel k is the export autolora_emu_k, taking the launch
// shape and cuLaunchKernel's void** argument array. The library is AUTOLORA_STANDIN_KERNELS if
// set, else the file of that name beside this stand-in.
#include "driver.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace standin {
namespace {

const char kFileName[] = "libautolora_kernels_host.so";

struct Library {
    void* handle = nullptr;
    std::string why;
    const char* (*last_error)() = nullptr;
};

std::string beside_this_library()
{
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void*>(&beside_this_library), &info) || !info.dli_fname) return kFileName;
    std::string self = info.dli_fname;
    auto slash = self.rfind('/');
    return slash == std::string::npos ? kFileName : self.substr(0, slash + 1) + kFileName;
}

const Library& library()
{
    static const Library loaded = [] {
        Library l;
        const char* configured = std::getenv("AUTOLORA_STANDIN_KERNELS");
        std::string path = configured && *configured ? configured : beside_this_library();
        l.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!l.handle) {
            const char* error = dlerror();
            l.why = "cannot load the host kernel library " + path + ": " + (error ? error : "?");
            return l;
        }
        l.last_error = reinterpret_cast<const char* (*)()>(dlsym(l.handle, "autolora_emu_last_error"));
        return l;
    }();
    return loaded;
}

} // namespace

HostEntry host_entry(const std::string& kernel, std::string* why)
{
    const Library& l = library();
    if (!l.handle) {
        *why = l.why;
        return nullptr;
    }
    void* entry = dlsym(l.handle, ("autolora_emu_" + kernel).c_str());
    if (!entry) *why = "the host kernel library has no autolora_emu_" + kernel;
    return reinterpret_cast<HostEntry>(entry);
}

const char* host_last_error()
{
    const Library& l = library();
    return l.last_error ? l.last_error() : "";
}

} // namespace standin
