// comm.cpp — unique ids, communicator creation and teardown, errors, and the barrier every
// collective is built from.
//
// The unique id holds a magic and the name of a POSIX shared-memory segment. Every rank of
// ncclCommInitRank opens (or creates) it, records its pid and waits until all nranks have joined;
// the last to join unlinks the name, so nothing outlives the job but mappings. A barrier point is a
// per-rank counter in the segment: a rank passes when every counter has reached its own. While it
// waits it checks that each late peer's process still exists (one node: kill(pid, 0)), so a dead
// rank fails the operation at once with its rank named, and a live one that does not come fails it
// after the timeout: NCCL's ncclRemoteError ("a remote process exiting prematurely") either way,
// recorded for ncclCommGetAsyncError, never a hang.
#include "nccl.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace nccl_standin {
namespace {

constexpr char kMagic[8] = {'A', 'L', 'N', 'C', 'C', 'L', '1', 0};
std::mutex g_last_lock;
std::string g_last_error;
std::atomic<unsigned> g_ids{0};

void report(const std::string& message) { std::fprintf(stderr, "libnccl stand-in: %s\n", message.c_str()); }

bool alive(int pid) { return pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH; }

} // namespace

size_t segment_bytes(int nranks) { return sizeof(Segment) + static_cast<size_t>(nranks) * kChunk; }

double timeout_seconds()
{
    const char* text = std::getenv("AUTOLORA_STANDIN_NCCL_TIMEOUT_S");
    double seconds = text ? std::atof(text) : 0;
    return seconds > 0 ? seconds : 60;
}

void set_last_error(const std::string& why)
{
    std::lock_guard lock(g_last_lock);
    g_last_error = why;
}

void fail(Comm* comm, ncclResult_t result, const std::string& why)
{
    std::string text = "rank " + std::to_string(comm->rank) + " of " + std::to_string(comm->nranks) + ": " + why;
    int expected = ncclSuccess;
    {
        std::lock_guard lock(g_last_lock);
        if (comm->async_error.load() != ncclSuccess) return;
        comm->last_error = text;
        g_last_error = text;
        comm->async_error.compare_exchange_strong(expected, result);
    }
    report(text);
}

ncclResult_t barrier(Comm* comm, const char* what)
{
    uint64_t target = ++comm->progress;
    comm->segment->ranks[comm->rank].progress.store(target, std::memory_order_release);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds());
    for (long polls = 0;; polls++) {
        int late = -1;
        for (int r = 0; r < comm->nranks && late < 0; r++)
            if (comm->segment->ranks[r].progress.load(std::memory_order_acquire) < target) late = r;
        if (late < 0) return ncclSuccess;
        if (comm->aborted.load()) {
            fail(comm, ncclInvalidUsage, std::string(what) + " was aborted (ncclCommAbort)");
            return ncclInvalidUsage;
        }
        if (polls % 256 == 0) {
            int pid = comm->segment->ranks[late].pid.load();
            if (!alive(pid)) {
                fail(comm, ncclRemoteError, std::string(what) + ": rank " + std::to_string(late) + " (pid " + std::to_string(pid) + ") exited before it joined");
                return ncclRemoteError;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                fail(comm, ncclRemoteError, std::string(what) + ": rank " + std::to_string(late) + " did not join within " +
                    std::to_string(static_cast<int>(timeout_seconds())) + " s (AUTOLORA_STANDIN_NCCL_TIMEOUT_S)");
                return ncclRemoteError;
            }
        }
        // Ranks share cores on a CI runner: yield briefly, then sleep so the late peer can run.
        if (polls < 64) std::this_thread::yield(); else std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
}

} // namespace nccl_standin

using namespace nccl_standin;

// NCCL_VERSION_CODE of 2.9 and later: major·10000 + minor·100 + patch. The stand-in models 2.23.4.
NCCL_API ncclResult_t ncclGetVersion(int* version)
{
    if (!version) return ncclInvalidArgument;
    *version = 2 * 10000 + 23 * 100 + 4;
    return ncclSuccess;
}

NCCL_API const char* ncclGetErrorString(ncclResult_t result)
{
    switch (result) {
    case ncclSuccess: return "no error";
    case ncclUnhandledCudaError: return "unhandled cuda error (run with NCCL_DEBUG=INFO for details)";
    case ncclSystemError: return "unhandled system error (run with NCCL_DEBUG=INFO for details)";
    case ncclInternalError: return "internal error - please report this issue to the NCCL developers";
    case ncclInvalidArgument: return "invalid argument (run with NCCL_DEBUG=WARN for details)";
    case ncclInvalidUsage: return "invalid usage (run with NCCL_DEBUG=WARN for details)";
    case ncclRemoteError: return "remote process exited or there was a network error";
    case ncclInProgress: return "NCCL operation in progress";
    default: return "unknown result code";
    }
}

NCCL_API const char* ncclGetLastError(void* comm)
{
    std::lock_guard lock(g_last_lock);
    static thread_local std::string copy;
    copy = comm ? static_cast<Comm*>(comm)->last_error : g_last_error;
    return copy.c_str();
}

NCCL_API ncclResult_t ncclGetUniqueId(ncclUniqueId* id)
{
    if (!id) return ncclInvalidArgument;
    std::memset(id->internal, 0, sizeof id->internal);
    std::memcpy(id->internal, kMagic, sizeof kMagic);
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    std::snprintf(id->internal + sizeof kMagic, sizeof id->internal - sizeof kMagic, "/autolora-nccl-%d-%llx-%u",
                  static_cast<int>(getpid()), static_cast<unsigned long long>(now), g_ids.fetch_add(1));
    return ncclSuccess;
}

NCCL_API ncclResult_t ncclCommInitRank(Comm** out, int nranks, ncclUniqueId id, int rank)
{
    if (!out) return ncclInvalidArgument;
    if (std::memcmp(id.internal, kMagic, sizeof kMagic) != 0) {
        set_last_error("ncclCommInitRank: the unique id was not made by ncclGetUniqueId (or did not reach this rank intact)");
        return ncclInvalidArgument;
    }
    if (nranks < 1 || nranks > kMaxRanks || rank < 0 || rank >= nranks) {
        set_last_error("ncclCommInitRank: rank " + std::to_string(rank) + " of " + std::to_string(nranks) + " is out of range");
        return ncclInvalidArgument;
    }
    // NCCL binds the communicator to the current CUDA device; no current context is a CUDA error.
    CUcontext context = nullptr;
    if (cuCtxGetCurrent(&context) != CUDA_SUCCESS || !context) {
        set_last_error("ncclCommInitRank: no CUDA context is current on this thread");
        return ncclUnhandledCudaError;
    }
    auto comm = new Comm();
    comm->name.assign(id.internal + sizeof kMagic, strnlen(id.internal + sizeof kMagic, sizeof id.internal - sizeof kMagic));
    comm->nranks = nranks;
    comm->rank = rank;
    comm->mapped = segment_bytes(nranks);
    int fd = shm_open(comm->name.c_str(), O_CREAT | O_RDWR, 0600);
    struct stat info {};
    if (fd < 0 || fstat(fd, &info) != 0 || (static_cast<size_t>(info.st_size) < comm->mapped && ftruncate(fd, static_cast<off_t>(comm->mapped)) != 0)) {
        set_last_error("ncclCommInitRank: shared memory " + comm->name + ": " + std::strerror(errno));
        if (fd >= 0) close(fd);
        delete comm;
        return ncclSystemError;
    }
    void* p = mmap(nullptr, comm->mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        set_last_error("ncclCommInitRank: mmap of " + comm->name + ": " + std::strerror(errno));
        delete comm;
        return ncclSystemError;
    }
    comm->segment = static_cast<Segment*>(p);
    Segment* s = comm->segment;
    int expected = 0;
    if (!s->nranks.compare_exchange_strong(expected, nranks) && expected != nranks) {
        set_last_error("ncclCommInitRank: rank " + std::to_string(rank) + " was given " + std::to_string(nranks) +
                       " ranks, another rank " + std::to_string(expected));
        munmap(p, comm->mapped);
        delete comm;
        return ncclInvalidUsage;
    }
    expected = 0;
    if (!s->ranks[rank].pid.compare_exchange_strong(expected, static_cast<int>(getpid())) && expected != 0) {
        set_last_error("ncclCommInitRank: rank " + std::to_string(rank) + " joined twice");
        munmap(p, comm->mapped);
        delete comm;
        return ncclInvalidUsage;
    }
    if (s->joined.fetch_add(1) + 1 == nranks) shm_unlink(comm->name.c_str());
    if (ncclResult_t r = barrier(comm, "ncclCommInitRank"); r != ncclSuccess) {
        set_last_error(comm->last_error);
        shm_unlink(comm->name.c_str());  // nobody else may ever come to unlink it
        munmap(p, comm->mapped);
        delete comm;
        return ncclSystemError;
    }
    *out = comm;
    return ncclSuccess;
}

NCCL_API ncclResult_t ncclCommGetAsyncError(Comm* comm, ncclResult_t* error)
{
    if (!comm || !error) return ncclInvalidArgument;
    *error = static_cast<ncclResult_t>(comm->async_error.load());
    return ncclSuccess;
}

NCCL_API ncclResult_t ncclCommCount(const Comm* comm, int* count)
{
    if (!comm || !count) return ncclInvalidArgument;
    *count = comm->nranks;
    return ncclSuccess;
}

NCCL_API ncclResult_t ncclCommUserRank(const Comm* comm, int* rank)
{
    if (!comm || !rank) return ncclInvalidArgument;
    *rank = comm->rank;
    return ncclSuccess;
}

namespace {

ncclResult_t release(Comm* comm)
{
    // Queued collectives still point at the communicator; they end (done, failed or aborted) first.
    while (comm->in_flight.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    munmap(comm->segment, comm->mapped);
    delete comm;
    return ncclSuccess;
}

} // namespace

// Documented to wait for the communicator's queued operations.
NCCL_API ncclResult_t ncclCommDestroy(Comm* comm)
{
    if (!comm) return ncclInvalidArgument;
    return release(comm);
}

// Documented to stop the communicator's operations in flight and free it.
NCCL_API ncclResult_t ncclCommAbort(Comm* comm)
{
    if (!comm) return ncclInvalidArgument;
    comm->aborted = true;
    return release(comm);
}
