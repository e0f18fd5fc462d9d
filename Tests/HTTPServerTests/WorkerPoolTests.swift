import Dispatch
import Foundation
import Synchronization
import Testing

@testable import HTTPServer

/// The pool runs `running` workers at once, and wakes one more only when its queue stands still.
/// Time is given to `submit(batch:now:)`, so the stall is reached by passing a later `now`,
/// not by waiting for it.
@Suite struct WorkerPoolTests {
    /// Jobs that each hold their worker until opened, counting how many have started.
    final class HeldJobs: Sendable {
        let started = Mutex(0)
        let gate = DispatchSemaphore(value: 0)

        func job() -> WorkerPool.Job {
            { [self] in
                started.withLock { $0 += 1 }
                gate.wait()
            }
        }

        /// Waits (up to 5 s) for `count` jobs to have started.
        func waitForStarted(_ count: Int) -> Bool {
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                if started.withLock({ $0 }) >= count { return true }
                usleep(1000)
            }
            return false
        }
    }

    @Test func onlyRunningWorkersTakeJobsUntilTheQueueStandsStill() {
        let stallAfter: UInt64 = 10_000_000_000  // 10 s: never reached by the clock in this test
        let pool = WorkerPool(threads: 3, running: 1, stallAfter: stallAfter, capacity: 16)
        let held = HeldJobs()
        let start = monotonicNanoseconds()
        let submitted = pool.submit(batch: [held.job(), held.job(), held.job()], now: start)
        #expect(submitted.queued == 3)
        #expect(submitted.waiting == 3)
        #expect(held.waitForStarted(1))
        // The running worker is held; the two others were not woken, so the queue keeps two.
        usleep(50_000)
        #expect(held.started.withLock { $0 } == 1)
        #expect(pool.submit(batch: [], now: monotonicNanoseconds()).waiting == 2)

        // Past `stallAfter` with no job started: one more worker, and only one.
        let later = monotonicNanoseconds() + stallAfter
        #expect(pool.submit(batch: [], now: later).waiting == 2)
        #expect(held.waitForStarted(2))
        #expect(pool.submit(batch: [], now: later).waiting == 1)
        usleep(50_000)
        #expect(held.started.withLock { $0 } == 2)

        // Another `stallAfter` still: the third.
        #expect(pool.submit(batch: [], now: later + stallAfter + 1).waiting == 1)
        #expect(held.waitForStarted(3))
        for _ in 0..<3 { held.gate.signal() }
        pool.stop()
    }

    @Test func aBatchWakesUpToTheRunningLimitAndTheRestWait() {
        let pool = WorkerPool(threads: 4, running: 2, stallAfter: 10_000_000_000, capacity: 16)
        let held = HeldJobs()
        _ = pool.submit(batch: (0..<4).map { _ in held.job() }, now: monotonicNanoseconds())
        #expect(held.waitForStarted(2))
        usleep(50_000)
        #expect(held.started.withLock { $0 } == 2)
        // Each job that ends lets its worker take the next one.
        held.gate.signal()
        #expect(held.waitForStarted(3))
        held.gate.signal()
        #expect(held.waitForStarted(4))
        for _ in 0..<2 { held.gate.signal() }
        pool.stop()
    }

    @Test func aFullQueueRefusesTheRestOfABatch() {
        let pool = WorkerPool(threads: 1, running: 1, stallAfter: 10_000_000_000, capacity: 2)
        let held = HeldJobs()
        _ = pool.submit(batch: [held.job()], now: monotonicNanoseconds())
        #expect(held.waitForStarted(1))
        let submitted = pool.submit(batch: [held.job(), held.job(), held.job()], now: monotonicNanoseconds())
        #expect(submitted.queued == 2)
        #expect(submitted.waiting == 2)
        for _ in 0..<3 { held.gate.signal() }
        pool.stop()
    }
}
