// ptx.h — the parts of a PTX module the driver checks before "JIT-compiling" it: the ISA version,
// the target, and every .entry's parameter list and static shared memory.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace standin {

struct PtxEntry {
    std::vector<unsigned> paramBytes;  // one per parameter, in order
    unsigned staticShared = 0;         // .shared bytes the entry declares or references
};

struct PtxModule {
    int versionMajor = 0, versionMinor = 0;
    int targetSm = 0;                  // 80 for sm_80
    bool archSpecific = false;         // sm_90a: runs on exactly that architecture
    int addressSize = 0;
    std::map<std::string, PtxEntry> entries;
};

// Parses PTX text; on malformed input returns false with the reason in *why.
bool parse_ptx(const std::string& text, PtxModule* module, std::string* why);

// The newest PTX ISA (major * 10 + minor) a driver of this CUDA version JIT-compiles.
int newest_ptx_isa(int driverVersion);

// The oldest PTX ISA that can name this target (e.g. sm_80 needs 7.0).
int oldest_ptx_isa_for(int targetSm);

} // namespace standin
