import CSQLite
import Foundation
import Metrics
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An identifier of the calling thread, for the writer to recognise itself.
func currentThreadID() -> UInt {
    #if canImport(Darwin)
    UInt(bitPattern: pthread_self())
    #else
    UInt(pthread_self())
    #endif
}

/// One write waiting for the writer thread. Type-erased so jobs returning different types share
/// one queue.
protocol WriteJob: AnyObject, Sendable {
    /// False for jobs that manage transactions themselves (migrations).
    var isTransactional: Bool { get }
    /// Runs the body on the writer connection; returns nil when it succeeded, else its error.
    /// The outcome is kept but not yet given to the caller.
    func run(on connection: Connection) -> (any Error)?
    /// Answers the caller: with the kept outcome, or with `error` if the batch failed to commit.
    func finish(replacingSuccessWith error: (any Error)?)
}

/// A submitted write and, once the batch has committed, its outcome.
final class PendingWrite<T: Sendable>: WriteJob {
    private struct State {
        var outcome: Result<T, any Error>?
        var answered = false
    }

    let isTransactional: Bool
    private let body: @Sendable (Connection) throws -> T
    private let state = LockedCondition(State())

    init(isTransactional: Bool, body: @escaping @Sendable (Connection) throws -> T) {
        self.isTransactional = isTransactional
        self.body = body
    }

    func run(on connection: Connection) -> (any Error)? {
        let outcome = Result { try body(connection) }
        state.withLock { $0.outcome = outcome }
        if case .failure(let error) = outcome { return error }
        return nil
    }

    func finish(replacingSuccessWith error: (any Error)?) {
        state.update { state in
            if let error {
                switch state.outcome {
                case .failure: break  // the write's own error is the more precise one
                case .success, .none: state.outcome = .failure(error)
                }
            }
            state.answered = true
        }
    }

    /// Blocks the caller until the writer has answered.
    func wait() throws -> T {
        let outcome = state.wait(until: { $0.answered }) { $0.outcome }
        guard let outcome else {
            throw DatabaseError.misuse("the writer answered a write it never ran")
        }
        return try outcome.get()
    }
}

/// The single writer: one thread owning the only read-write connection, applying queued writes
/// in batches (group commit).
///
/// A batch is one `BEGIN IMMEDIATE … COMMIT`; each write in it runs inside its own SAVEPOINT, so
/// a write that throws is rolled back alone and its error goes to its caller, while the others
/// commit. Callers are answered only after COMMIT has returned, so with `synchronous=FULL` every
/// acknowledged write is on disk. While one batch commits (an fsync), new writes queue up and
/// form the next batch: that is where the throughput comes from.
final class Writer: Sendable {
    private struct Queue {
        var jobs: [any WriteJob] = []
        var stopping = false
        var stopped = false
        /// `idle.begin` should run again if the queue is empty (`idleAgain`).
        var idleAgain = false
    }

    private let queue = LockedCondition(Queue())
    /// Set once by the writer thread as it starts; 0 before.
    private let threadID = Atomic<UInt>(0)
    let maximumBatchSize: Int
    let beforeCommit: (@Sendable (Connection) throws -> Void)?
    let statistics = LockedCondition(WriterStatistics())
    /// Transactions committed (and unbatched jobs run), counted before their callers are answered,
    /// so a caller that has its answer sees the count that includes its write.
    let committed = Atomic<UInt64>(0)
    /// What the health check reads: the batch in progress, the last commit, the last failure.
    let health = Mutex(WriterHealth())
    /// Writes per transaction, and the time COMMIT takes (the WAL write and its fsync).
    private let batchSizes = Recorder(label: "mutuals_db_write_batch_size", aggregate: true)
    private let commitLatency = Metrics.Timer(label: "mutuals_db_commit_duration_seconds")

    /// Called on the writer thread when its queue has emptied (`begin`), and before the next
    /// batch or job runs (`end`): the store holds the newest snapshot open only in between
    /// (`DataVersionWatcher.holdNewestSnapshot`), never while the writer writes or checkpoints.
    struct Idle: Sendable {
        let begin: @Sendable () -> Void
        let end: @Sendable () -> Void
    }
    private let idle: Idle?

    init(connection: Connection, maximumBatchSize: Int, beforeCommit: (@Sendable (Connection) throws -> Void)?, idle: Idle? = nil) {
        self.maximumBatchSize = max(1, maximumBatchSize)
        self.beforeCommit = beforeCommit
        self.idle = idle
        let handover = Handover(connection)
        let thread = Thread { [self] in
            self.threadID.store(currentThreadID(), ordering: .releasing)
            do {
                // The only strong reference to the connection lives in this scope, so it is
                // closed here, on its owner thread, before `stopped` is announced.
                if let connection = handover.take() {
                    self.loop(connection: connection)
                }
            }
            self.health.withLock { $0.running = false }
            self.queue.update { $0.stopped = true }
        }
        thread.name = "mutuals-db-writer"
        thread.start()
    }

    /// Queues `job` and returns at once; the caller then waits on the job.
    /// - Throws: `SQLITE_MISUSE` when the store is closed, or when called from a write body on
    ///   the writer thread itself (it would wait for itself forever).
    func submit(_ job: any WriteJob) throws {
        if threadID.load(ordering: .acquiring) == currentThreadID() {
            throw DatabaseError.misuse("Store.write was called from inside a write; use the connection it was given")
        }
        let accepted = queue.update { queue -> Bool in
            guard !queue.stopping else { return false }
            queue.jobs.append(job)
            return true
        }
        if !accepted {
            throw DatabaseError.misuse("the store is closed")
        }
    }

    /// Has the writer run `idle.begin` again if it is idle now, or else when it next is (what
    /// `begin` needs has only just become ready: the store's watcher has started).
    func idleAgain() {
        queue.update { $0.idleAgain = true }
    }

    /// Finishes the queued writes, then stops the thread and closes the connection.
    func stop() {
        queue.update { $0.stopping = true }
        queue.wait(until: { $0.stopped }) { _ in }
    }

    private func loop(connection: Connection) {
        var idling = false
        var again = false
        while true {
            if let idle, !idling || again, queue.withLock({ $0.jobs.isEmpty && !$0.stopping }) {
                idle.begin()
                idling = true
            }
            again = false
            let taken = queue.wait(until: { $0.stopping || !$0.jobs.isEmpty || $0.idleAgain }) { queue -> [any WriteJob]? in
                guard let first = queue.jobs.first else {
                    if queue.stopping { return [] }
                    queue.idleAgain = false  // and `begin` runs again, below
                    return nil
                }
                // A job that manages its own transactions runs alone.
                guard first.isTransactional else {
                    queue.jobs.removeFirst()
                    return [first]
                }
                var count = 0
                while count < queue.jobs.count, count < maximumBatchSize, queue.jobs[count].isTransactional {
                    count += 1
                }
                let batch = Array(queue.jobs.prefix(count))
                queue.jobs.removeFirst(count)
                return batch
            }
            guard let batch = taken else {  // `idleAgain`, and still nothing to write
                again = true
                continue
            }
            if idling {
                idle?.end()
                idling = false
            }
            if batch.isEmpty { break }  // stopping, and nothing left
            if let only = batch.first, !only.isTransactional {
                _ = only.run(on: connection) as (any Error)?
                connection.rollbackQuietly()
                committed.add(1, ordering: .releasing)
                only.finish(replacingSuccessWith: nil)
            } else {
                commit(batch, on: connection)
            }
        }
    }

    /// Applies one batch in one transaction and answers every caller after COMMIT.
    private func commit(_ batch: [any WriteJob], on connection: Connection) {
        var remaining = batch[...]
        while !remaining.isEmpty {
            let batchStart = DispatchTime.now().uptimeNanoseconds
            health.withLock { $0.batchStartedAt = batchStart }
            do {
                // A ROLLBACK that itself failed (an I/O error, a full disk) can leave the
                // connection inside the old transaction, and every later BEGIN would fail:
                // end it first, so one bad batch never leaves the writer stuck.
                connection.rollbackQuietly()
                try connection.run("BEGIN IMMEDIATE")
            } catch {
                note(failure: error, at: batchStart, committed: false)
                // None of these ran; each caller gets BEGIN's failure.
                for job in remaining {
                    job.finish(replacingSuccessWith: error)
                }
                return
            }
            var applied: [any WriteJob] = []
            // A failed job keeps its own error, unless the savepoint itself failed after the
            // body succeeded (RELEASE), in which case that is the error the caller must see.
            var failed: [(job: any WriteJob, error: (any Error)?)] = []
            var transactionLost = false
            var storageFailure: (any Error)?
            while let job = remaining.first {
                remaining = remaining.dropFirst()
                do {
                    try connection.savepoint { connection in
                        // Throwing here rolls back to the savepoint; the job keeps its own error.
                        if let error = job.run(on: connection) { throw JobFailed(error: error) }
                    }
                    applied.append(job)
                } catch let failure as JobFailed {
                    failed.append((job, nil))
                    if (failure.error as? DatabaseError)?.isStorageFailure == true { storageFailure = failure.error }
                } catch {
                    failed.append((job, error))
                    if (error as? DatabaseError)?.isStorageFailure == true { storageFailure = error }
                }
                if !connection.isInTransaction {
                    // SQLite rolled back the whole transaction (SQLITE_FULL, SQLITE_IOERR, …):
                    // the writes applied before this one are gone; start again with the rest.
                    transactionLost = true
                    break
                }
            }
            let applyEnd = DispatchTime.now().uptimeNanoseconds
            var hookEnd = applyEnd
            var commitError: (any Error)?
            if transactionLost {
                // The writes applied before the one that failed did nothing wrong: run them
                // again in the next transaction (write bodies have no effects outside the
                // database, so running one twice is safe). The failed write has left the batch,
                // so this ends.
                remaining = ArraySlice(applied + remaining)
                applied = []
            } else {
                do {
                    if !applied.isEmpty, let beforeCommit {
                        try beforeCommit(connection)
                    }
                    hookEnd = DispatchTime.now().uptimeNanoseconds
                    try connection.run("COMMIT")
                } catch {
                    commitError = error
                    connection.rollbackQuietly()
                }
            }
            let commitEnd = DispatchTime.now().uptimeNanoseconds
            batchSizes.record(applied.count + failed.count)
            if !transactionLost { commitLatency.recordNanoseconds(Int64(clamping: commitEnd - hookEnd)) }
            if let failure = commitError.flatMap({ ($0 as? DatabaseError)?.isStorageFailure == true ? $0 : nil }) ?? storageFailure {
                note(failure: failure, at: commitEnd, committed: false)
            } else {
                note(failure: nil, at: commitEnd, committed: commitError == nil && !applied.isEmpty)
            }
            statistics.withLock { statistics in
                statistics.applyNanoseconds += applyEnd - batchStart
                statistics.beforeCommitNanoseconds += hookEnd - applyEnd
                statistics.commitNanoseconds += commitEnd - hookEnd
                statistics.batches += 1
                statistics.writes += applied.count + failed.count
                statistics.largestBatch = max(statistics.largestBatch, applied.count + failed.count)
            }
            if commitError == nil && !applied.isEmpty { committed.add(1, ordering: .releasing) }
            for job in applied { job.finish(replacingSuccessWith: commitError) }
            for (job, error) in failed { job.finish(replacingSuccessWith: error) }
        }
    }

    /// Records the end of a batch for the health check: a storage failure, or a commit that
    /// wrote something (an empty commit proves nothing about the disk).
    private func note(failure: (any Error)?, at time: UInt64, committed: Bool) {
        health.withLock { health in
            health.batchStartedAt = nil
            if let failure {
                health.lastFailure = (failure as? DatabaseError).map { $0.message } ?? "\(failure)"
                health.lastFailureAt = time
            } else if committed {
                health.lastCommitAt = time
            }
        }
    }
}

/// A write body's own error, carried out of the savepoint that rolled it back.
private struct JobFailed: Error {
    let error: any Error
}

/// The writer as the health check sees it. Times are `DispatchTime` uptime nanoseconds.
public struct WriterHealth: Sendable {
    /// False once the writer thread has stopped (the store was closed).
    public var running = true
    /// When the transaction now in progress began; nil between batches.
    public var batchStartedAt: UInt64?
    /// When a transaction that wrote something last committed.
    public var lastCommitAt: UInt64?
    /// SQLite's message for the last storage failure (`DatabaseError.isStorageFailure`), such as
    /// "database or disk is full", and when it happened.
    public var lastFailure: String?
    public var lastFailureAt: UInt64?

    public init() {}

    /// Why the writer is not healthy at `now`, or nil: stopped, a transaction open longer than
    /// `stuckAfter` nanoseconds, or a storage failure with no successful commit since.
    public func problem(now: UInt64, stuckAfter: UInt64) -> String? {
        if !running { return "stopped" }
        if let started = batchStartedAt, now > started, now - started > stuckAfter {
            return "a transaction has been open for \((now - started) / 1_000_000_000) s"
        }
        if let lastFailure, let failedAt = lastFailureAt, failedAt >= (lastCommitAt ?? 0) {
            return lastFailure
        }
        return nil
    }
}

/// Counters kept by the writer, for benchmarks and diagnostics.
public struct WriterStatistics: Sendable {
    /// Transactions committed (or attempted).
    public var batches = 0
    /// Writes applied, successful or not.
    public var writes = 0
    /// The most writes seen in one transaction.
    public var largestBatch = 0
    /// Time spent running write bodies (BEGIN to the last RELEASE), summed over batches.
    public var applyNanoseconds: UInt64 = 0
    /// Time spent in the `beforeCommit` hook, summed over batches.
    public var beforeCommitNanoseconds: UInt64 = 0
    /// Time spent in COMMIT (the WAL write and its fsync), summed over batches.
    public var commitNanoseconds: UInt64 = 0
}
