#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a plain pthread mutex: a thread that finds it held sleeps in the kernel at
/// once. For the caches every request asks (kept sessions, kept posts, kept markup), where the
/// lock is held for a dictionary probe and a retain.
///
/// `Synchronization.Mutex` spins in user space before it waits. The server's workers share its
/// cores, so a worker spins while the holder it waits for cannot run: on one core, 4.6% of the
/// signed-in thread page's CPU went to `_MutexHandle._lockSlow` (docs/PERFORMANCE.md).
///
/// `@unchecked Sendable` is sound because `value` is only read or written inside `withLock`,
/// which holds `mutex` for the whole access; the mutex is heap-allocated once, never moved, and
/// destroyed only in `deinit`, when no other thread can hold a reference.
public final class WaitingMutex<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(_ initial: Value) {
        value = initial
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
