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
///
/// More threads than cores wait here, so a job that blocks (a commit waiting for the disk, a
/// password hash) does not hold up the rest; but only as many run at once as `running` (the
/// cores) while the queue moves. On one core, four workers woken together took turns: a job
/// preempted halfway waited while the other three ran theirs, and the p99 of the signed-in
/// thread page was twice its median (docs/PERFORMANCE.md, eleventh round). When the oldest job
/// has waited `stallAfter` with no job started, the running ones are taken to be blocked and
/// one more is woken, and one more after each further `stallAfter` (`submit(batch:now:)`).
final class WorkerPool: @unchecked Sendable {
    // @unchecked: `jobs`, `head`, `stopping`, `waiting`, `wakesOwed`, `lastStart` and
    // `stallAllowance` are only touched with `lock` held.
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
    /// When a worker last took a job, or the pool last woke one for a stall (monotonic ns).
    private var lastStart: UInt64 = 0
    /// Workers that may run past `running`, one for each stall not yet over: a stall is over
    /// when the job that caused it ends (or the queue empties).
    private var stallAllowance = 0
    private var threads: [JoinableThread] = []
    /// How many threads there are, known before the first starts.
    private let threadCount: Int
    let capacity: Int
    /// How many workers are woken to run at once; more only when the queue stalls.
    let running: Int
    /// How long the queue may stand still, with jobs in it, before another worker is woken.
    let stallAfter: UInt64
    /// Jobs waiting, set as they come and go.
    private let depth: Meter?
    /// Workers woken because the queue stood still.
    private let stallWakes: Counter?

    /// What a `submit(batch:now:)` did.
    struct Submitted {
        /// How many of the batch were queued: the first that many; the rest found the queue full.
        var queued: Int
        /// Jobs still waiting for a worker, this one's included: while there are some, the
        /// caller calls again within `stallAfter` (with an empty batch if need be).
        var waiting: Int
    }

    init(threads count: Int, running: Int = availableProcessors(), stallAfter: UInt64 = 2_000_000, capacity: Int,
         depth: Meter? = nil, stallWakes: Counter? = nil) {
        self.capacity = capacity
        self.running = max(1, running)
        self.stallAfter = stallAfter
        self.depth = depth
        self.stallWakes = stallWakes
        threadCount = max(1, count)
        for index in 0..<threadCount {
            threads.append(JoinableThread.start(name: "mutuals-w\(index)") { [self] in self.run() })
        }
    }

    /// Queues `batch` in order, as far as there is room, with one lock and at most one signal a
    /// job, waking workers until `running` of them are up. With an empty batch, it only looks
    /// for a stall.
    func submit(batch: [Job], now: UInt64) -> Submitted {
        lock.lock()
        guard !stopping else {
            lock.unlock()
            return Submitted(queued: 0, waiting: 0)
        }
        let taken = min(batch.count, max(0, capacity - (jobs.count - head)))
        if taken > 0 {
            jobs.append(contentsOf: batch[..<taken].lazy.map { Optional($0) })
            depth?.set(jobs.count - head)
        }
        let queued = jobs.count - head
        let asleep = waiting - wakesOwed
        // Up, or about to be: those not waiting, and those signalled that have not woken yet.
        let up = threadCount - waiting + wakesOwed
        var wakes = max(0, min(taken, asleep, running + stallAllowance - up))
        // Jobs wait from now on: a stall is counted from here, not from the last job before.
        if taken > 0, queued == taken { lastStart = now }
        if wakes == 0, queued > 0, asleep > 0, now > lastStart, now - lastStart >= stallAfter {
            // Jobs wait and none has been started for `stallAfter`: the workers that are up
            // are blocked (or running one long job). One more may run, and a fresh wait
            // before the next.
            wakes = 1
            stallAllowance += 1
            lastStart = now
            stallWakes?.increment()
        }
        wakesOwed += wakes
        lock.unlock()
        // Signalled after unlocking: a worker woken while the lock is still held would only
        // wake to sleep again on the mutex (measured: ~7% of a small page's CPU in futex calls
        // on one core). The workers counted in `waiting` check for jobs under the lock before
        // they sleep, so no job is missed.
        for _ in 0..<wakes { lock.signal() }
        return Submitted(queued: taken, waiting: queued)
    }

    var queued: Int {
        lock.lock()
        defer { lock.unlock() }
        return jobs.count - head
    }

    private func run() {
        var jobStarted: UInt64?
        while true {
            lock.lock()
            if let started = jobStarted, stallAllowance > 0, lastStart > started, lastStart - started >= stallAfter {
                // This job outlasted a stall: its worker was the one taken to be blocked, and
                // the one woken for it carries on. The allowance goes, and this worker is
                // the one past it (below).
                stallAllowance -= 1
            }
            // Asleep while there is nothing to do, or while more workers are up than may run:
            // one finishing a job then leaves the queue to the others.
            while !stopping && (head == jobs.count || threadCount - waiting > running + stallAllowance) {
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
            let now = monotonicNanoseconds()
            lastStart = now
            jobStarted = now
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
                stallAllowance = 0
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
