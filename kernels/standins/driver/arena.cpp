// arena.cpp — device memory: one reserved address range that host allocations never come from,
// so a host pointer passed as a device pointer is recognised and refused. Each allocation is
// 256-byte aligned (cudaMalloc's guarantee), filled with NaN (a GPU does not zero it, and NaN
// makes a read before the first write visible), and framed by guard zones that are checked after
// every kernel, device copy and memset, and at cuMemFree. Freed memory is poisoned (all bits set,
// also a NaN) so a use after free reads garbage instead of the old values. The cap
// AUTOLORA_STANDIN_MEMORY_BYTES (default 2 GiB) is the device's total memory.
#include "driver.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>

namespace standin {
namespace {

constexpr size_t kAlign = 256;
constexpr size_t kGuard = 256;
constexpr unsigned char kGuardByte = 0xA5;
constexpr uint32_t kFreshWord = 0x7FC0DEADu;  // a quiet NaN with a recognisable payload
constexpr unsigned char kFreedByte = 0xFF;

struct Block {
    size_t payload;  // bytes asked for
    size_t span;     // guard + rounded payload + guard
};

struct Arena {
    std::mutex lock;
    char* base = nullptr;
    size_t size = 0;
    size_t cap = 0;
    size_t used = 0;
    std::map<CUdeviceptr, Block> live;       // by payload address
    std::map<size_t, size_t> free_ranges;   // offset -> length

    Arena()
    {
        const char* text = std::getenv("AUTOLORA_STANDIN_MEMORY_BYTES");
        cap = text ? std::strtoull(text, nullptr, 10) : 0;
        if (cap == 0) cap = size_t(2) << 30;
        // Address space only (MAP_NORESERVE): pages cost memory once touched. Room for the cap plus
        // guards and fragmentation.
        size = cap * 2 + (size_t(256) << 20);
        void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            report("could not reserve the device arena");
            size = 0;
            return;
        }
        base = static_cast<char*>(p);
        free_ranges[0] = size;
    }
};

Arena& arena()
{
    static Arena instance;
    return instance;
}

// The live block holding [pointer, pointer + bytes), or live.end(). Caller holds the lock.
std::map<CUdeviceptr, Block>::iterator find_block(Arena& a, CUdeviceptr pointer, size_t bytes)
{
    auto it = a.live.upper_bound(pointer);
    if (it == a.live.begin()) return a.live.end();
    --it;
    if (pointer + bytes < pointer || pointer + bytes > it->first + it->second.payload) return a.live.end();
    return it;
}

bool guards_intact(CUdeviceptr payload, const Block& block)
{
    const auto* before = reinterpret_cast<const unsigned char*>(payload - kGuard);
    const auto* after = reinterpret_cast<const unsigned char*>(payload + block.payload);
    size_t tail = block.span - kGuard - block.payload;  // the rounding slack is guarded too
    for (size_t i = 0; i < kGuard; i++)
        if (before[i] != kGuardByte) return false;
    for (size_t i = 0; i < tail; i++)
        if (after[i] != kGuardByte) return false;
    return true;
}

std::string describe(CUdeviceptr payload, const Block& block)
{
    char text[96];
    std::snprintf(text, sizeof text, "allocation 0x%llx (%zu bytes)", payload, block.payload);
    return text;
}

} // namespace

bool arena_contains(CUdeviceptr pointer)
{
    Arena& a = arena();
    return a.base && pointer >= reinterpret_cast<CUdeviceptr>(a.base) && pointer < reinterpret_cast<CUdeviceptr>(a.base) + a.size;
}

bool arena_range_ok(CUdeviceptr pointer, size_t bytes)
{
    Arena& a = arena();
    std::lock_guard lock(a.lock);
    return find_block(a, pointer, bytes) != a.live.end();
}

bool arena_is_freed(CUdeviceptr pointer) { return arena_contains(pointer) && !arena_range_ok(pointer, 0); }

bool arena_guards_intact(std::string* why)
{
    Arena& a = arena();
    std::lock_guard lock(a.lock);
    for (const auto& [payload, block] : a.live) {
        if (!guards_intact(payload, block)) {
            *why = "a write outside " + describe(payload, block) + " overwrote its guard zone";
            return false;
        }
    }
    return true;
}

bool set_memory_cap(size_t bytes)
{
    Arena& a = arena();
    std::lock_guard lock(a.lock);
    if (bytes == 0 || bytes > a.size / 2) return false;  // the reservation was sized for the first cap
    a.cap = bytes;
    return true;
}

} // namespace standin

using namespace standin;

STANDIN_API CUresult cuMemAlloc_v2(CUdeviceptr* pointer, size_t bytes)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!pointer || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    Arena& a = arena();
    std::lock_guard lock(a.lock);
    size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
    size_t span = kGuard + rounded + kGuard;
    if (a.used + bytes > a.cap || rounded < bytes) return CUDA_ERROR_OUT_OF_MEMORY;
    auto range = a.free_ranges.begin();
    while (range != a.free_ranges.end() && range->second < span) ++range;
    if (range == a.free_ranges.end()) return CUDA_ERROR_OUT_OF_MEMORY;
    size_t offset = range->first, length = range->second;
    a.free_ranges.erase(range);
    if (length > span) a.free_ranges[offset + span] = length - span;
    char* start = a.base + offset;
    std::memset(start, kGuardByte, span);
    auto* words = reinterpret_cast<uint32_t*>(start + kGuard);
    for (size_t i = 0; i < bytes / 4; i++) words[i] = kFreshWord;
    std::memset(start + kGuard + bytes / 4 * 4, 0xFF, bytes % 4);
    auto payload = reinterpret_cast<CUdeviceptr>(start + kGuard);
    a.live[payload] = Block{bytes, span};
    a.used += bytes;
    *pointer = payload;
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuMemFree_v2(CUdeviceptr pointer)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    // cuMemFree waits until the device no longer uses the memory.
    if (CUresult status = synchronize_all(); status != CUDA_SUCCESS) return status;
    Arena& a = arena();
    std::lock_guard lock(a.lock);
    auto it = a.live.find(pointer);
    if (it == a.live.end()) {
        report(arena_contains(pointer) ? "cuMemFree: not the start of a live allocation (double free?)"
                                       : "cuMemFree: not a device pointer");
        return CUDA_ERROR_INVALID_VALUE;
    }
    Block block = it->second;
    bool intact = guards_intact(pointer, block);
    std::string what = describe(pointer, block);
    a.live.erase(it);
    a.used -= block.payload;
    char* start = reinterpret_cast<char*>(pointer) - kGuard;
    std::memset(start, kFreedByte, block.span);
    size_t offset = static_cast<size_t>(start - a.base), length = block.span;
    auto next = a.free_ranges.lower_bound(offset);
    if (next != a.free_ranges.end() && next->first == offset + length) {
        length += next->second;
        next = a.free_ranges.erase(next);
    }
    if (next != a.free_ranges.begin()) {
        auto prev = std::prev(next);
        if (prev->first + prev->second == offset) {
            offset = prev->first;
            length += prev->second;
            a.free_ranges.erase(prev);
        }
    }
    a.free_ranges[offset] = length;
    if (!intact) {
        set_sticky_error(CUDA_ERROR_ILLEGAL_ADDRESS, "a write outside " + what + " overwrote its guard zone (seen at cuMemFree)");
        return CUDA_ERROR_ILLEGAL_ADDRESS;
    }
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuMemGetInfo_v2(size_t* free, size_t* total)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!free || !total) return CUDA_ERROR_INVALID_VALUE;
    Arena& a = arena();
    std::lock_guard lock(a.lock);
    *free = a.cap > a.used ? a.cap - a.used : 0;
    *total = a.cap;
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice device)
{
    if (!initialized()) return CUDA_ERROR_NOT_INITIALIZED;
    if (!valid_device(device)) return CUDA_ERROR_INVALID_DEVICE;
    if (!bytes) return CUDA_ERROR_INVALID_VALUE;
    *bytes = arena().cap;
    return CUDA_SUCCESS;
}

// The stream-ordered pair, modelled without a pool: the allocation exists at once (which stream
// order allows), and the free waits for the stream's queued work before releasing.
STANDIN_API CUresult cuMemAllocAsync(CUdeviceptr* pointer, size_t bytes, CUstream stream)
{
    CUresult status;
    if (!resolve_stream(stream, &status)) return status;
    return cuMemAlloc_v2(pointer, bytes);
}

STANDIN_API CUresult cuMemFreeAsync(CUdeviceptr pointer, CUstream stream)
{
    if (CUresult status = cuStreamSynchronize(stream); status != CUDA_SUCCESS) return status;
    return cuMemFree_v2(pointer);
}
