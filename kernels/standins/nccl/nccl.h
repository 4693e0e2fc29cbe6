// nccl.h — internal declarations of the libnccl stand-in: NCCL's C types and values as NVIDIA's
// NCCL user guide documents them ("Types", "Communicator creation and management", "Collective
// communication operations"), and the communicator the files share.
//
// Ranks rendezvous through a POSIX shared-memory segment whose name the unique id carries, so ranks
// in different processes (mpirun's) and threads of one process (the unit tests') meet the same way,
// with no MPI inside the stand-in: NCCL itself does not need MPI either — the id travels over
// whatever the caller chooses, and ours broadcasts it over MPI as Horovod does. One node only,
// which is all CI has.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "driver/driver.h"

typedef enum {
    ncclSuccess = 0,
    ncclUnhandledCudaError = 1,
    ncclSystemError = 2,
    ncclInternalError = 3,
    ncclInvalidArgument = 4,
    ncclInvalidUsage = 5,
    ncclRemoteError = 6,
    ncclInProgress = 7,
    ncclNumResults = 8
} ncclResult_t;

typedef enum {
    ncclInt8 = 0, ncclUint8 = 1, ncclInt32 = 2, ncclUint32 = 3, ncclInt64 = 4, ncclUint64 = 5,
    ncclFloat16 = 6, ncclFloat32 = 7, ncclFloat64 = 8, ncclBfloat16 = 9, ncclNumTypes = 10
} ncclDataType_t;

typedef enum { ncclSum = 0, ncclProd = 1, ncclMax = 2, ncclMin = 3, ncclAvg = 4, ncclNumOps = 5 } ncclRedOp_t;

#define NCCL_UNIQUE_ID_BYTES 128
typedef struct {
    char internal[NCCL_UNIQUE_ID_BYTES];
} ncclUniqueId;

namespace nccl_standin {

constexpr int kMaxRanks = 64;
// Bytes each rank contributes per exchange round: large messages go through in chunks of this.
constexpr size_t kChunk = size_t(1) << 20;

struct RankState {
    std::atomic<int> pid;                 // 0 until the rank joins
    std::atomic<uint64_t> progress;       // barrier points passed
    std::atomic<uint64_t> signature;      // the current collective's count, type and op
};

// The shared segment: this header, then one kChunk slot per rank.
struct Segment {
    std::atomic<int> nranks;
    std::atomic<int> joined;
    RankState ranks[kMaxRanks];
};

struct Comm {
    std::string name;
    int nranks = 0;
    int rank = 0;
    int device = 0;
    Segment* segment = nullptr;
    size_t mapped = 0;
    uint64_t progress = 0;                // this rank's barrier points (the worker's copy)
    uint64_t collectives = 0;             // collectives enqueued
    std::atomic<int> in_flight{0};
    std::atomic<bool> aborted{false};
    std::atomic<int> async_error{ncclSuccess};
    std::string last_error;               // written before async_error is set, read after

    char* slot(int r) const { return reinterpret_cast<char*>(segment) + sizeof(Segment) + static_cast<size_t>(r) * kChunk; }
};

size_t segment_bytes(int nranks);
// Seconds a rank waits for its peers before the operation fails (AUTOLORA_STANDIN_NCCL_TIMEOUT_S, default 60).
double timeout_seconds();
// Records an asynchronous failure on the communicator (the first one is kept) and reports it on stderr.
void fail(Comm* comm, ncclResult_t result, const std::string& why);
// Passes a barrier point: returns when every rank has passed it, or fails (dead or late peer, abort).
ncclResult_t barrier(Comm* comm, const char* what);
void set_last_error(const std::string& why);

} // namespace nccl_standin

#define NCCL_API extern "C" __attribute__((visibility("default")))
