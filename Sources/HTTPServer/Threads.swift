#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Metrics

/// A started POSIX thread that can be joined.
struct JoinableThread: @unchecked Sendable {
    // @unchecked: pthread_t is a plain integer handle on Linux; joining happens once, from the
    // thread that owns this value.
    let handle: pthread_t

    /// Starts `body` on a new thread named `name` (at most 15 bytes show in `top`).
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> JoinableThread {
        final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        _ = pthread_setname_np(thread, String(name.prefix(15)))
        return JoinableThread(handle: thread)
    }

    func join() {
        _ = pthread_join(handle, nil)
    }
}

/// A mutex with a condition variable, for the worker pool's queue (Synchronization.Mutex has
/// no condition variable).
final class ConditionLock: @unchecked Sendable {
    // @unchecked: the pthread objects live at stable heap addresses for this object's lifetime and
    // every access to the guarded state goes through lock()/unlock().
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    /// Waits for a signal; call with the lock held.
    func wait() { pthread_cond_wait(condition, mutex) }
    func signal() { pthread_cond_signal(condition) }
    func broadcast() { pthread_cond_broadcast(condition) }
}

/// A bounded pool of threads running jobs in order of submission.
final class WorkerPool: @unchecked Sendable {
    // @unchecked: `jobs`, `head`, `stopping`, `waiting` and `wakesOwed` are only touched with
    // `lock` held.
    typealias Job = @Sendable () -> Void
    private let lock = ConditionLock()
    private var jobs: [Job?] = []
    private var head = 0
    private var stopping = false
    /// Workers asleep in `wait`, and signals sent to them that none has woken from yet. A job is
    /// followed by a signal only when some sleeping worker has none owed, so a reactor queueing
    /// while every worker is busy makes no futex call at all.
    private var waiting = 0
    private var wakesOwed = 0
    private var threads: [JoinableThread] = []
    let capacity: Int
    /// Jobs waiting, set as they come and go.
    private let depth: Meter?

    init(threads count: Int, capacity: Int, depth: Meter? = nil) {
        self.capacity = capacity
        self.depth = depth
        for index in 0..<max(1, count) {
            threads.append(JoinableThread.start(name: "mutuals-w\(index)") { [self] in self.run() })
        }
    }

    /// Queues `batch` in order, as far as there is room, with one lock and at most one signal a
    /// job. Returns how many were queued: the first that many; the rest found the queue full.
    func submit(batch: [Job]) -> Int {
        lock.lock()
        guard !stopping else {
            lock.unlock()
            return 0
        }
        let taken = min(batch.count, max(0, capacity - (jobs.count - head)))
        jobs.append(contentsOf: batch[..<taken].lazy.map { Optional($0) })
        depth?.set(jobs.count - head)
        let wakes = max(0, min(taken, waiting - wakesOwed))
        wakesOwed += wakes
        lock.unlock()
        // Signalled after unlocking: a worker woken while the lock is still held would only
        // wake to sleep again on the mutex (measured: ~7% of a small page's CPU in futex calls
        // on one core). The workers counted in `waiting` check for jobs under the lock before
        // they sleep, so no job is missed.
        for _ in 0..<wakes { lock.signal() }
        return taken
    }

    var queued: Int {
        lock.lock()
        defer { lock.unlock() }
        return jobs.count - head
    }

    private func run() {
        while true {
            lock.lock()
            while head == jobs.count && !stopping {
                waiting += 1
                lock.wait()
                waiting -= 1
                if wakesOwed > 0 { wakesOwed -= 1 }
            }
            if head == jobs.count {  // stopping and drained
                lock.unlock()
                return
            }
            let job = jobs[head]
            jobs[head] = nil
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            depth?.set(jobs.count - head)
            lock.unlock()
            job?()
        }
    }

    /// Runs every queued job, then stops the threads and waits for them.
    func stop() {
        lock.lock()
        stopping = true
        lock.broadcast()
        lock.unlock()
        for thread in threads { thread.join() }
        threads = []
    }
}

/// Monotonic time in nanoseconds.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// The number of CPUs this process may run on (respects `taskset`).
public func availableProcessors() -> Int {
    var mask = [UInt8](repeating: 0, count: 128)  // room for 1024 CPUs, as cpu_set_t
    if sched_getaffinity(0, mask.count, &mask) == 0 {
        let count = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        if count > 0 { return count }
    }
    return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}

/// A value guarded by a plain pthread mutex, for locks that workers take on every request.
///
/// `Synchronization.Mutex` on Linux spins before it sleeps and then sleeps on a
/// priority-inheritance futex. With more workers than cores, the holder of a contended lock is
/// usually not running, so the spin is wasted and every hand-over costs two system calls: the
/// reactor's inbox lock took ~3% of a signed-in page's CPU in `_lockSlow` (docs/PERFORMANCE.md).
/// glibc's default mutex sleeps at once and wakes the next waiter cheaply.
final class PlainMutex<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only touched inside `withLock`, which holds `mutex`; the mutex lives
    // at a stable heap address for this object's lifetime.
    private var value: Value
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(_ value: Value) {
        self.value = value
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
