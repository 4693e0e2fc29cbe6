// host_runtime.cpp — the emulated launcher behind host_runtime.h.
//
// Why fibers: __syncthreads needs every thread of a block to reach the barrier before any
// passes it. One OS thread per CUDA thread (up to 1024 per block, with a real barrier) would be
// correct but costs a thread creation and kernel-level wakeups per CUDA thread. Instead each
// worker OS thread runs one block at a time and runs the block's threads as fibers on
// private stacks, round-robin, switching only when a thread waits at a barrier or a shuffle.
// That is exact (a barrier opens only when all live threads arrived), deterministic within a
// block, and lock-free because one block never spans two OS threads. Blocks run in parallel
// on several workers, which is why atomicAdd is a real atomic.
//
// Why an elementwise fast path: a fiber costs a stack and two context switches (fiber_context.h).
// Kernels registered with AUTOLORA_HOST_ENTRY_ELEMENTWISE run each thread as
// a plain function call instead; if such a kernel calls __syncthreads or a shuffle in a block of
// more than one thread, the launch fails with a message naming the kernel.
//
// POSIX only (mmap, and ucontext off x86-64); Windows would need CreateFiber/SwitchToFiber instead.
#if defined(__APPLE__) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700 // macOS hides ucontext without it
#endif
#include "host_runtime.h"
#include "fiber_context.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <cstdio>
#include <cstring>
#include <random>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local dim3 blockDim;
thread_local dim3 gridDim;

namespace autolora_emu {
namespace {

constexpr unsigned kWarpSize = 32;
constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr unsigned kMaxDynamicShared = 48 * 1024; // CUDA's limit without an opt-in attribute
constexpr std::size_t kFiberStack = 128 * 1024;

// A reusable barrier among fibers of one block: `arrived` counts waiters of generation `gen`.
// It opens when every thread still alive has arrived, so threads that returned early do not
// deadlock the others (sm_70+ hardware also excludes exited threads).
struct FiberBarrier {
    unsigned arrived = 0;
    unsigned gen = 0;
    const void* site = nullptr; // where this generation's first thread called __syncthreads
};

// The order a block's threads take turns in between barriers (autolora_emu_set_thread_order).
// On a GPU the order is unknown, so a kernel whose result depends on it has a race; running the
// same launch in several orders and comparing shows it.
std::atomic<int> g_threadOrder{0}; // 0 forward, 1 reverse, 2 shuffled
std::atomic<unsigned> g_orderSeed{0};

// Launches that ran, for tests that must know a case launched kernels at all (autolora_emu_launch_count).
std::atomic<unsigned long long> g_launches{0};

struct Fiber {
    FiberContext context;
    bool done = false;
};

// Everything one worker needs to run blocks; lives on the worker's OS thread.
struct Worker {
    ThreadBody body = nullptr;
    void** args = nullptr;
    bool elementwise = false;
    unsigned threads = 0;        // threads per block
    unsigned current = 0;        // linear id of the running fiber
    unsigned live = 0;           // threads of this block that have not returned
    FiberContext scheduler;
    std::vector<Fiber> fibers;
    char* stacks = nullptr;      // threads × kFiberStack, committed lazily by the OS
    std::size_t stacksBytes = 0;
    FiberBarrier block;
    std::vector<FiberBarrier> warps;
    std::vector<unsigned> warpLive;
    std::vector<unsigned> warpLiveMask; // bit l set while lane l of the warp has not returned
    std::vector<float> lanes;    // one shuffle slot per thread
    std::vector<unsigned> order; // the turn order of this block's threads
    std::vector<std::max_align_t> shared;
    std::string error;

    ~Worker()
    {
        if (stacks != nullptr) munmap(stacks, stacksBytes);
    }
};

thread_local Worker* t_worker = nullptr;
// This OS thread's static shared arrays (AUTOLORA_STATIC_SHARED): they live as long as the thread.
thread_local std::vector<std::pair<void*, std::size_t>> t_static_shared;
thread_local std::string t_last_error;

struct KernelMisuse : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void set_thread_index(unsigned linear)
{
    threadIdx.x = linear % blockDim.x;
    threadIdx.y = (linear / blockDim.x) % blockDim.y;
    threadIdx.z = linear / (blockDim.x * blockDim.y);
}

void yield_to_scheduler()
{
    Worker& w = *t_worker;
    fiber_switch(w.fibers[w.current].context, w.scheduler);
}

void wait_at(FiberBarrier& b, const unsigned& participants, const void* site = nullptr)
{
    if (site != nullptr) {
        // Threads of one block waiting at different __syncthreads calls deadlock or misbehave on a
        // GPU; here they would meet at one barrier, so refuse instead.
        if (b.arrived == 0) b.site = site;
        else if (b.site != site) throw KernelMisuse("threads of one block reached different __syncthreads calls (a barrier under a branch not all threads take)");
    }
    unsigned gen = b.gen;
    ++b.arrived;
    for (;;) {
        if (b.gen != gen) return;
        if (b.arrived >= participants) { // last to arrive (or the rest exited): open it
            b.arrived = 0;
            ++b.gen;
            return;
        }
        yield_to_scheduler();
    }
}

void require_fibers(const char* what)
{
    Worker& w = *t_worker;
    if (w.elementwise && w.threads > 1) {
        throw KernelMisuse(std::string(what) + " called by a kernel registered with "
                           "AUTOLORA_HOST_ENTRY_ELEMENTWISE; register it with AUTOLORA_HOST_ENTRY");
    }
}

void fiber_main()
{
    Worker& w = *t_worker;
    unsigned me = w.current;
    try {
        w.body(w.args);
    } catch (const std::exception& e) {
        if (w.error.empty()) w.error = e.what();
    }
    w.fibers[me].done = true;
    --w.live;
    --w.warpLive[me / kWarpSize];
    w.warpLiveMask[me / kWarpSize] &= ~(1u << (me % kWarpSize));
    // Done: the scheduler never resumes this fiber, and the next block prepares its stack afresh.
    fiber_switch(w.fibers[me].context, w.scheduler);
}

void prepare_fibers(Worker& w)
{
    std::size_t bytes = static_cast<std::size_t>(w.threads) * kFiberStack;
    if (w.stacksBytes < bytes) {
        if (w.stacks != nullptr) munmap(w.stacks, w.stacksBytes);
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) throw std::runtime_error("mmap of fiber stacks failed");
        w.stacks = static_cast<char*>(p);
        w.stacksBytes = bytes;
    }
    w.fibers.resize(w.threads);
}

void run_block_fibers(Worker& w)
{
    unsigned warpCount = (w.threads + kWarpSize - 1) / kWarpSize;
    w.block = {};
    w.warps.assign(warpCount, {});
    w.warpLive.assign(warpCount, 0);
    w.warpLiveMask.assign(warpCount, 0);
    for (unsigned t = 0; t < w.threads; ++t) {
        ++w.warpLive[t / kWarpSize];
        w.warpLiveMask[t / kWarpSize] |= 1u << (t % kWarpSize);
    }
    w.live = w.threads;
    for (unsigned t = 0; t < w.threads; ++t) {
        Fiber& f = w.fibers[t];
        f.done = false;
        fiber_prepare(f.context, w.stacks + static_cast<std::size_t>(t) * kFiberStack, kFiberStack, fiber_main);
    }
    while (w.live > 0) {
        for (unsigned t : w.order) {
            if (w.fibers[t].done) continue;
            w.current = t;
            set_thread_index(t);
            fiber_switch(w.scheduler, w.fibers[t].context);
        }
    }
}

// The turn order for the block about to run: forward, reverse, or a shuffle seeded by the block.
void choose_order(Worker& w, int mode, unsigned seed, unsigned long long block)
{
    w.order.resize(w.threads);
    for (unsigned t = 0; t < w.threads; ++t) w.order[t] = t;
    if (mode == 1) std::reverse(w.order.begin(), w.order.end());
    if (mode == 2) {
        std::mt19937_64 random(seed * 0x9E3779B97F4A7C15ULL + block);
        std::shuffle(w.order.begin(), w.order.end(), random);
    }
}

void run_block_elementwise(Worker& w)
{
    for (unsigned t : w.order) {
        w.current = t;
        set_thread_index(t);
        w.body(w.args);
    }
}

struct LaunchShape {
    dim3 grid, block;
    unsigned sharedBytes;
};

// One launch, shared by the workers that run its blocks. Lives on the launching thread's stack
// until `done`.
struct Job {
    ThreadBody body = nullptr;
    void** args = nullptr;
    bool elementwise = false;
    LaunchShape shape{};
    unsigned long long blocks = 0;
    int order = 0;      // the thread order when the launch was made, for all its blocks
    unsigned seed = 0;
    std::atomic<unsigned long long> next{0};
    std::atomic<bool> failed{false};
    std::string error;  // written once, by the worker that set `failed`
    unsigned running = 0; // workers inside the job (guarded by the pool's mutex)
    bool done = false;    // every block ran or one failed, and no worker is inside (same guard)
};

// Runs blocks of `job` on this worker until none are left or one failed.
void run_job(Worker& w, Job& job)
{
    const LaunchShape& shape = job.shape;
    w.body = job.body;
    w.args = job.args;
    w.elementwise = job.elementwise;
    w.threads = shape.block.x * shape.block.y * shape.block.z;
    w.error.clear();
    w.lanes.assign(w.threads, 0.0f);
    w.shared.resize((shape.sharedBytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t));
    gridDim = shape.grid;
    blockDim = shape.block;
    try {
        if (!job.elementwise) prepare_fibers(w);
        for (;;) {
            unsigned long long b = job.next.fetch_add(1, std::memory_order_relaxed);
            if (b >= job.blocks || job.failed.load(std::memory_order_relaxed)) break;
            blockIdx.x = static_cast<unsigned>(b % shape.grid.x);
            blockIdx.y = static_cast<unsigned>((b / shape.grid.x) % shape.grid.y);
            blockIdx.z = static_cast<unsigned>(b / (1ULL * shape.grid.x * shape.grid.y));
            choose_order(w, job.order, job.seed, b);
            // Fresh shared memory holds garbage on a GPU; NaN (all bits set) makes a read before
            // any write show up in the results instead of reading the previous block's values.
            std::memset(w.shared.data(), 0xFF, w.shared.size() * sizeof(std::max_align_t));
            for (auto [array, bytes] : t_static_shared) std::memset(array, 0xFF, bytes);
            if (job.elementwise) run_block_elementwise(w);
            else run_block_fibers(w);
            if (!w.error.empty()) break;
        }
    } catch (const std::exception& e) {
        w.error = e.what();
    }
    if (!w.error.empty() && !job.failed.exchange(true)) job.error = w.error;
}

// The persistent workers. Never destroyed: process exit must not wait for (or join) a worker that
// is blocked waiting for work.
class Pool {
public:
    static Pool& instance()
    {
        static Pool* pool = new Pool();
        return *pool;
    }

    // Queues the job and returns when every block ran or one failed.
    void run(Job& job)
    {
        std::unique_lock lock(mutex_);
        queue_.push_back(&job);
        if (job.blocks == 1) work_.notify_one();
        else work_.notify_all();
        finished_.wait(lock, [&] { return job.done; });
    }

private:
    Pool()
    {
        unsigned count = std::max(1u, std::thread::hardware_concurrency());
        threads_.reserve(count);
        for (unsigned i = 0; i < count; ++i) threads_.emplace_back([this] { serve(); });
    }

    void serve()
    {
        Worker w; // this thread's fiber stacks and block state, kept from job to job
        t_worker = &w;
        std::unique_lock lock(mutex_);
        for (;;) {
            work_.wait(lock, [&] { return !queue_.empty(); });
            Job& job = *queue_.front();
            ++job.running;
            lock.unlock();
            run_job(w, job);
            lock.lock();
            // run_job returns only when no block is left to hand out, so no one else needs to join.
            auto queued = std::find(queue_.begin(), queue_.end(), &job);
            if (queued != queue_.end()) queue_.erase(queued);
            if (--job.running == 0) {
                job.done = true;
                finished_.notify_all();
            }
        }
    }

    std::mutex mutex_;
    std::condition_variable work_;     // a job was queued
    std::condition_variable finished_; // a job is done
    std::deque<Job*> queue_;           // jobs that may have blocks left to hand out, oldest first
    std::vector<std::thread> threads_;
};

int fail(const std::string& message)
{
    t_last_error = message;
    return 1;
}

} // namespace

__attribute__((noinline)) void sync_block()
{
    // The address this call returns to is in the kernel, just after its __syncthreads.
    const void* site = __builtin_extract_return_addr(__builtin_return_address(0));
    require_fibers("__syncthreads");
    Worker& w = *t_worker;
    if (w.threads == 1) return;
    wait_at(w.block, w.live, site);
}

float shuffle(unsigned mask, float v, unsigned lane, bool xorMode, int width)
{
    require_fibers("a warp shuffle");
    Worker& w = *t_worker;
    unsigned me = w.current;
    unsigned warp = me / kWarpSize;
    unsigned myLane = me % kWarpSize;
    unsigned laneCount = std::min(kWarpSize, w.threads - warp * kWarpSize);
    // CUDA: the caller's lane must be in the mask, and every lane the mask names that has not
    // exited must make the same call. The emulator waits for the whole warp, so it also needs every
    // live lane named (a subset mask is legal on a GPU only if the others never call; none of our
    // kernels does that, so it is refused rather than emulated).
    unsigned live = w.warpLiveMask[warp];
    if ((mask & (1u << myLane)) == 0 || (mask & live) != live) {
        char text[160];
        std::snprintf(text, sizeof text, "warp shuffle with mask 0x%08x: the live lanes of the warp are 0x%08x, and each must be named",
                      mask, live);
        throw KernelMisuse(text);
    }
    unsigned segment = static_cast<unsigned>(width);
    // Publish, wait for the warp, read, and wait again so no lane overwrites a slot early.
    w.lanes[me] = v;
    wait_at(w.warps[warp], w.warpLive[warp]);
    unsigned source = xorMode ? (myLane ^ lane) : myLane + lane;
    bool inSegment = xorMode ? (source / segment == myLane / segment) : (myLane % segment) + lane < segment;
    float result = (inSegment && source < laneCount) ? w.lanes[warp * kWarpSize + source] : v;
    wait_at(w.warps[warp], w.warpLive[warp]);
    return result;
}

void misaligned_vector_access(const void* address)
{
    char text[96];
    std::snprintf(text, sizeof text, "misaligned float4 access at %p (needs 16-byte alignment)", address);
    throw KernelMisuse(text);
}

void* dynamic_shared()
{
    return t_worker->shared.data();
}

void register_static_shared(void* array, std::size_t bytes)
{
    std::memset(array, 0xFF, bytes);
    t_static_shared.emplace_back(array, bytes);
}

int launch(const char* kernel, bool elementwise, ThreadBody body,
           unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
           unsigned sharedBytes, void** args)
{
    t_last_error.clear();
    std::string name(kernel);
    unsigned long long threads = 1ULL * bx * by * bz;
    unsigned long long blocks = 1ULL * gx * gy * gz;
    if (blocks == 0 || threads == 0 || threads > kMaxThreadsPerBlock) {
        return fail(name + ": invalid launch shape grid (" + std::to_string(gx) + "," + std::to_string(gy) + "," +
                    std::to_string(gz) + ") block (" + std::to_string(bx) + "," + std::to_string(by) + "," +
                    std::to_string(bz) + "); a block holds 1.." + std::to_string(kMaxThreadsPerBlock) + " threads");
    }
    if (sharedBytes > kMaxDynamicShared) {
        return fail(name + ": " + std::to_string(sharedBytes) + " bytes of dynamic shared memory exceed the " +
                    std::to_string(kMaxDynamicShared) + "-byte default limit");
    }
    Job job;
    job.body = body;
    job.args = args;
    job.elementwise = elementwise;
    job.shape = LaunchShape{dim3{gx, gy, gz}, dim3{bx, by, bz}, sharedBytes};
    job.blocks = blocks;
    job.order = g_threadOrder.load(std::memory_order_relaxed);
    job.seed = g_orderSeed.load(std::memory_order_relaxed);
    try {
        Pool::instance().run(job);
    } catch (const std::exception& e) {
        return fail(name + ": could not start worker threads: " + e.what());
    }
    g_launches.fetch_add(1, std::memory_order_relaxed);
    if (job.failed.load()) return fail(name + ": " + job.error);
    return 0;
}

} // namespace autolora_emu

// The text of the last failed launch on the calling thread ("" after a success).
AUTOLORA_EMU_API const char* autolora_emu_last_error()
{
    return autolora_emu::t_last_error.c_str();
}

// Sets the turn order of every block's threads for later launches in this process: 0 forward
// (the default), 1 reverse, 2 shuffled with `seed`. Returns 0, or 1 for an unknown order.
AUTOLORA_EMU_API int autolora_emu_set_thread_order(int order, unsigned seed)
{
    if (order < 0 || order > 2) return 1;
    autolora_emu::g_orderSeed.store(seed);
    autolora_emu::g_threadOrder.store(order);
    return 0;
}

// Launches this process has run so far (failed ones included).
AUTOLORA_EMU_API unsigned long long autolora_emu_launch_count()
{
    return autolora_emu::g_launches.load();
}
