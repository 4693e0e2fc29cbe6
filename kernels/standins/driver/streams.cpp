// streams.cpp — streams and events. Each stream is a worker thread that runs its queued work in
// order, later than the call that queued it, so a caller that reads results without
// synchronising sees stale data, as on a GPU. Device work checks for a sticky error itself
// (device_work in driver.h); event bookkeeping always runs, so no waiter hangs after a fault.
#include "driver.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <map>
#include <memory>
#include <set>
#include <vector>
#include <thread>

namespace standin {
namespace {
std::atomic<int> g_delay_ms{0};  // AUTOLORA_STANDIN control: how long each queued item waits before it runs
}

struct Stream {
    std::mutex lock;
    std::condition_variable changed;
    std::deque<std::function<void()>> queue;
    bool busy = false;
    bool stopping = false;
    std::thread worker;

    Stream() : worker([this] { run(); }) {}

    ~Stream()
    {
        {
            std::lock_guard guard(lock);
            stopping = true;
        }
        changed.notify_all();
        worker.join();
    }

    void run()
    {
        std::unique_lock guard(lock);
        for (;;) {
            changed.wait(guard, [this] { return stopping || !queue.empty(); });
            if (queue.empty()) return;  // stopping, and everything queued has run
            auto work = std::move(queue.front());
            queue.pop_front();
            busy = true;
            guard.unlock();
            if (int delay = g_delay_ms.load(); delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
            work();
            guard.lock();
            busy = false;
            changed.notify_all();
        }
    }

    bool idle() { return queue.empty() && !busy; }

    void drain()
    {
        std::unique_lock guard(lock);
        changed.wait(guard, [this] { return idle(); });
    }
};

struct Event {
    std::mutex lock;
    std::condition_variable changed;
    unsigned flags = 0;
    unsigned long long recorded = 0;  // how many records were queued
    unsigned long long completed = 0; // how many of them have run
    unsigned long long waiters = 0;   // stream waits queued on it and not yet over
    std::chrono::steady_clock::time_point when;
};

namespace {

std::mutex g_registry;
// Owned here; synchronize_all holds its own references, so a stream destroyed by another thread
// meanwhile stays alive until that wait is over.
std::map<Stream*, std::shared_ptr<Stream>> g_streams;
std::set<Event*> g_events;
Stream* g_default = nullptr;

bool known_event(Event* event)
{
    std::lock_guard guard(g_registry);
    return g_events.count(event) != 0;
}

} // namespace

void set_stream_delay_ms(int milliseconds) { g_delay_ms = milliseconds; }

// CU_STREAM_LEGACY (0x1) and CU_STREAM_PER_THREAD (0x2) name the default stream too.
Stream* resolve_stream(CUstream stream, CUresult* status)
{
    std::lock_guard guard(g_registry);
    *status = CUDA_SUCCESS;
    auto raw = reinterpret_cast<uintptr_t>(stream);
    if (raw <= 2) {
        if (!g_default) {
            auto created = std::make_shared<Stream>();
            g_default = created.get();
            g_streams[g_default] = std::move(created);
        }
        return g_default;
    }
    if (g_streams.count(stream) == 0) {
        *status = CUDA_ERROR_INVALID_HANDLE;
        return nullptr;
    }
    return stream;
}

void enqueue(Stream* stream, std::function<void()> work)
{
    {
        std::lock_guard guard(stream->lock);
        stream->queue.push_back(std::move(work));
    }
    stream->changed.notify_all();
}

CUresult synchronize_all()
{
    std::vector<std::shared_ptr<Stream>> streams;
    {
        std::lock_guard guard(g_registry);
        for (const auto& [raw, owned] : g_streams) streams.push_back(owned);
    }
    for (const auto& s : streams) s->drain();
    return sticky_error();
}

} // namespace standin

using namespace standin;

STANDIN_API CUresult cuStreamCreate(CUstream* stream, unsigned int flags)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!stream || flags > 1) return CUDA_ERROR_INVALID_VALUE;  // CU_STREAM_DEFAULT 0, NON_BLOCKING 1
    auto created = std::make_shared<Stream>();
    std::lock_guard guard(g_registry);
    *stream = created.get();
    g_streams[created.get()] = std::move(created);
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuStreamDestroy_v2(CUstream stream)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS && status != sticky_error()) return status;
    std::shared_ptr<Stream> owned;
    {
        std::lock_guard guard(g_registry);
        auto it = g_streams.find(stream);
        if (reinterpret_cast<uintptr_t>(stream) <= 2 || it == g_streams.end()) return CUDA_ERROR_INVALID_HANDLE;
        owned = std::move(it->second);
        g_streams.erase(it);
    }
    owned.reset();  // the last reference runs what is queued, then ends the worker
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuStreamSynchronize(CUstream stream)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    CUresult status;
    Stream* s = resolve_stream(stream, &status);
    if (!s) return status;
    s->drain();
    return sticky_error();
}

STANDIN_API CUresult cuStreamQuery(CUstream stream)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    CUresult status;
    Stream* s = resolve_stream(stream, &status);
    if (!s) return status;
    std::lock_guard guard(s->lock);
    return s->idle() ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

STANDIN_API CUresult cuEventCreate(CUevent* event, unsigned int flags)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!event || (flags & ~7u) != 0) return CUDA_ERROR_INVALID_VALUE;  // DEFAULT 0, BLOCKING_SYNC 1, DISABLE_TIMING 2, INTERPROCESS 4
    auto* created = new Event();
    created->flags = flags;
    std::lock_guard guard(g_registry);
    g_events.insert(created);
    *event = created;
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuEventDestroy_v2(CUevent event)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS && status != sticky_error()) return status;
    {
        std::lock_guard guard(g_registry);
        if (g_events.erase(event) == 0) return CUDA_ERROR_INVALID_HANDLE;
    }
    // Queued records and stream waits still point at it; wait for them before freeing (the driver
    // documents that destroying an event with work pending on it is allowed: its resources go
    // when that work is done).
    std::unique_lock guard(event->lock);
    event->changed.wait(guard, [event] { return event->completed == event->recorded && event->waiters == 0; });
    guard.unlock();
    delete event;
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuEventRecord(CUevent event, CUstream stream)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!known_event(event)) return CUDA_ERROR_INVALID_HANDLE;
    CUresult status;
    Stream* s = resolve_stream(stream, &status);
    if (!s) return status;
    unsigned long long generation;
    {
        std::lock_guard guard(event->lock);
        generation = ++event->recorded;
    }
    enqueue(s, [event, generation] {
        std::lock_guard guard(event->lock);
        event->completed = generation;
        event->when = std::chrono::steady_clock::now();
        event->changed.notify_all();
    });
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuEventSynchronize(CUevent event)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!known_event(event)) return CUDA_ERROR_INVALID_HANDLE;
    std::unique_lock guard(event->lock);
    unsigned long long target = event->recorded;
    event->changed.wait(guard, [&] { return event->completed >= target; });
    return sticky_error();
}

STANDIN_API CUresult cuEventQuery(CUevent event)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!known_event(event)) return CUDA_ERROR_INVALID_HANDLE;
    std::lock_guard guard(event->lock);
    return event->completed >= event->recorded ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

STANDIN_API CUresult cuEventElapsedTime(float* milliseconds, CUevent start, CUevent end)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (!milliseconds) return CUDA_ERROR_INVALID_VALUE;
    if (!known_event(start) || !known_event(end)) return CUDA_ERROR_INVALID_HANDLE;
    std::scoped_lock guard(start->lock, end->lock);
    // Documented: never recorded or created with DISABLE_TIMING -> INVALID_HANDLE; pending -> NOT_READY.
    if (start->recorded == 0 || end->recorded == 0 || ((start->flags | end->flags) & 2u)) return CUDA_ERROR_INVALID_HANDLE;
    if (start->completed < start->recorded || end->completed < end->recorded) return CUDA_ERROR_NOT_READY;
    *milliseconds = std::chrono::duration<float, std::milli>(end->when - start->when).count();
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuStreamWaitEvent(CUstream stream, CUevent event, unsigned int flags)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
    if (!known_event(event)) return CUDA_ERROR_INVALID_HANDLE;
    CUresult status;
    Stream* s = resolve_stream(stream, &status);
    if (!s) return status;
    unsigned long long target;
    {
        std::lock_guard guard(event->lock);
        target = event->recorded;  // waits for the record queued before this call, not later ones
        event->waiters++;
    }
    enqueue(s, [event, target] {
        std::unique_lock guard(event->lock);
        event->changed.wait(guard, [&] { return event->completed >= target; });
        event->waiters--;
        event->changed.notify_all();
    });
    return CUDA_SUCCESS;
}

namespace standin {

void enqueue_device_work(Stream* stream, std::string what, std::function<CUresult(std::string*)> work)
{
    enqueue(stream, [what = std::move(what), work = std::move(work)] {
        if (sticky_error() != CUDA_SUCCESS) return;
        std::string why;
        if (CUresult status = work(&why); status != CUDA_SUCCESS) {
            set_sticky_error(status, what + ": " + why);
            return;
        }
        if (!arena_guards_intact(&why)) set_sticky_error(CUDA_ERROR_ILLEGAL_ADDRESS, what + ": " + why);
    });
}

} // namespace standin
