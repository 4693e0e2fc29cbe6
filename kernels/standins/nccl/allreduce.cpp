// allreduce.cpp — ncclAllReduce. The call checks its arguments at once, as NCCL does
// (ncclInvalidArgument for a null communicator, an unknown type or operation, or a buffer that is
// not live device memory of the driver stand-in's arena — a host pointer included), then queues the
// reduction on the caller's stream of the driver stand-in, so it runs later on that stream's
// worker, after the kernels queued before it and before those queued after.
//
// On the worker, the message goes through in chunks of kChunk bytes: each rank copies its chunk
// into its slot of the shared segment, a barrier, every rank sums all slots in rank order (so every
// rank computes the same bits, whatever the arrival order) into its receive buffer, a barrier
// before the slots are reused. A failure (a dead or late peer, an abort, ranks that disagree on the
// count, type or operation) is recorded for ncclCommGetAsyncError and ends the operation, leaving
// the receive buffer undefined, as NCCL documents for a failed collective.
#include "nccl.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

namespace nccl_standin {
namespace {

size_t type_size(int type)
{
    switch (type) {
    case ncclInt8: case ncclUint8: return 1;
    case ncclFloat16: case ncclBfloat16: return 2;
    case ncclInt32: case ncclUint32: case ncclFloat32: return 4;
    case ncclInt64: case ncclUint64: case ncclFloat64: return 8;
    default: return 0;
    }
}

template <typename T>
void reduce(const Comm* comm, char* out, size_t elements, int op)
{
    auto* result = reinterpret_cast<T*>(out);
    for (size_t i = 0; i < elements; i++) {
        T v = reinterpret_cast<const T*>(comm->slot(0))[i];
        for (int r = 1; r < comm->nranks; r++) {
            T x = reinterpret_cast<const T*>(comm->slot(r))[i];
            switch (op) {
            case ncclSum: case ncclAvg: v = v + x; break;
            case ncclProd: v = v * x; break;
            case ncclMax: v = x > v ? x : v; break;
            default: v = x < v ? x : v; break;
            }
        }
        if (op == ncclAvg) v = static_cast<T>(v / static_cast<T>(comm->nranks));
        result[i] = v;
    }
}

void reduce_chunk(const Comm* comm, char* out, size_t elements, int type, int op)
{
    switch (type) {
    case ncclInt8: reduce<int8_t>(comm, out, elements, op); break;
    case ncclUint8: reduce<uint8_t>(comm, out, elements, op); break;
    case ncclInt32: reduce<int32_t>(comm, out, elements, op); break;
    case ncclUint32: reduce<uint32_t>(comm, out, elements, op); break;
    case ncclInt64: reduce<int64_t>(comm, out, elements, op); break;
    case ncclUint64: reduce<uint64_t>(comm, out, elements, op); break;
    case ncclFloat32: reduce<float>(comm, out, elements, op); break;
    default: reduce<double>(comm, out, elements, op); break;
    }
}

void run(Comm* comm, const char* send, char* receive, size_t count, int type, int op, uint64_t number)
{
    std::string what = "ncclAllReduce #" + std::to_string(number);
    if (comm->async_error.load() != ncclSuccess) return;  // a failed communicator stays failed
    size_t size = type_size(type);
    uint64_t signature = (static_cast<uint64_t>(count) << 16) | (static_cast<uint64_t>(type) << 8) | static_cast<uint64_t>(op);
    comm->segment->ranks[comm->rank].signature.store(signature);
    size_t per_chunk = kChunk / size;
    for (size_t first = 0; first < count; first += per_chunk) {
        size_t n = std::min(per_chunk, count - first);
        std::memcpy(comm->slot(comm->rank), send + first * size, n * size);
        if (barrier(comm, what.c_str()) != ncclSuccess) return;
        if (first == 0) {
            // Between this barrier and the next no rank can start another collective.
            for (int r = 0; r < comm->nranks; r++) {
                if (comm->segment->ranks[r].signature.load() != signature) {
                    fail(comm, ncclInvalidUsage, what + ": rank " + std::to_string(r) + " called another collective (count, type or operation differ)");
                    return;
                }
            }
        }
        reduce_chunk(comm, receive + first * size, n, type, op);
        if (barrier(comm, what.c_str()) != ncclSuccess) return;
    }
}

} // namespace
} // namespace nccl_standin

using namespace nccl_standin;

NCCL_API ncclResult_t ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype,
                                    ncclRedOp_t op, Comm* comm, CUstream stream)
{
    if (!comm) return ncclInvalidArgument;
    if (int error = comm->async_error.load(); error != ncclSuccess) return static_cast<ncclResult_t>(error);
    if (static_cast<unsigned>(datatype) >= ncclNumTypes || static_cast<unsigned>(op) >= ncclNumOps) {
        set_last_error("ncclAllReduce: datatype " + std::to_string(datatype) + " or operation " + std::to_string(op) + " is not one of NCCL's");
        return ncclInvalidArgument;
    }
    if (datatype == ncclFloat16 || datatype == ncclBfloat16) {
        set_last_error("ncclAllReduce: the stand-in does not model 16-bit floating types");
        return ncclInvalidUsage;
    }
    size_t bytes = count * type_size(datatype);
    if (count != 0 && bytes / count != type_size(datatype)) return ncclInvalidArgument;
    auto s = reinterpret_cast<CUdeviceptr>(sendbuff), r = reinterpret_cast<CUdeviceptr>(recvbuff);
    if (count != 0 && (!standin::arena_range_ok(s, bytes) || !standin::arena_range_ok(r, bytes))) {
        set_last_error("ncclAllReduce: a buffer is not device memory of " + std::to_string(bytes) + " bytes (a host pointer, freed, or too small)");
        return ncclInvalidArgument;
    }
    if (s != r && s < r + bytes && r < s + bytes) {
        set_last_error("ncclAllReduce: the send and receive buffers overlap without being the same (in place)");
        return ncclInvalidArgument;
    }
    CUresult status;
    standin::Stream* queue = standin::resolve_stream(stream, &status);
    if (!queue) {
        set_last_error("ncclAllReduce: the stream is not a live stream of the driver");
        return ncclUnhandledCudaError;
    }
    if (count == 0) return ncclSuccess;
    uint64_t number = ++comm->collectives;
    comm->in_flight++;
    // Counted down when the queued item is gone, run or skipped (a sticky CUDA error skips device
    // work), so ncclCommDestroy never waits for ever.
    std::shared_ptr<Comm> counted(comm, [](Comm* c) { c->in_flight--; });
    standin::enqueue_device_work(queue, "ncclAllReduce", [=](std::string*) {
        run(counted.get(), static_cast<const char*>(sendbuff), static_cast<char*>(recvbuff), count, datatype, op, number);
        return CUDA_SUCCESS;
    });
    return ncclSuccess;
}
