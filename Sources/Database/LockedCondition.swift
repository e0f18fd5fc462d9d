#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a pthread mutex, with a condition variable to wait for changes to it.
///
/// `Synchronization.Mutex` has no condition variable, and the writer thread, the reader pool and
/// every caller waiting for its commit need to sleep until some state changes. This is the
/// smallest such primitive: one mutex, one condition, one value.
///
/// `@unchecked Sendable` is sound because `state` is only ever read or written inside
/// `withLock`/`wait(until:)`, both of which hold `mutex` for the whole access; the mutex and the
/// condition are heap-allocated once, never moved, and destroyed only in `deinit`, when no other
/// thread can hold a reference.
final class LockedCondition<State>: @unchecked Sendable {
    private var state: State
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init(_ initial: State) {
        state = initial
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deinitialize(count: 1)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the state.
    func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Sleeps until `ready` holds for the state, then runs `body` with the lock still held.
    func wait<R>(until ready: (State) -> Bool, then body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready(state) {
            pthread_cond_wait(condition, mutex)
        }
        return try body(&state)
    }

    /// Like `wait(until:then:)`, but gives up at `deadline` (CLOCK_REALTIME, the clock
    /// `pthread_cond_timedwait` uses): returns nil without running `body` if `ready` still fails.
    func wait<R>(until ready: (State) -> Bool, deadline: timespec, then body: (inout State) throws -> R) rethrows -> R? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var deadline = deadline
        while !ready(state) {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT, !ready(state) { return nil }
        }
        return try body(&state)
    }

    /// Changes the state and wakes every waiter so each re-checks its predicate.
    func update<R>(_ body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return try body(&state)
    }
}

/// Hands a non-`Sendable` value to exactly one other thread.
///
/// `@unchecked Sendable` is sound only under the rule its users follow: the sending side creates
/// the box, passes it to the new thread and never touches the value again; the receiving thread
/// calls `take()` once, before anything else. The value therefore has one owner at any time
/// (used to give the writer thread its `Connection`).
final class Handover<Value>: @unchecked Sendable {
    private var value: Value?
    init(_ value: Value) { self.value = value }
    func take() -> Value? {
        defer { value = nil }
        return value
    }
}
