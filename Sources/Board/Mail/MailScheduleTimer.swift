import Foundation
import Synchronization

/// A thread that asks `MailDigestService.runSchedule` once a minute whether a daily summary or a
/// weekly briefing is due, and queues it. Queueing is idempotent (`mail_schedule_runs`), so a
/// restart, a second process or a tick that runs twice queues nothing twice; the outbox sender
/// then delivers the rows.
public final class MailScheduleTimer: Sendable {
    let service: MailDigestService
    let schedule: MailSchedule
    let interval: TimeInterval
    let log: @Sendable (String) -> Void

    private let stopping = Atomic<Bool>(false)
    private let running = Atomic<Bool>(false)
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - interval: seconds between looks at the clock.
    ///   - log: a line when something was queued, and for each fault.
    public init(service: MailDigestService, schedule: MailSchedule, interval: TimeInterval = 60,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.service = service
        self.schedule = schedule
        self.interval = interval
        self.log = log
    }

    /// Starts the thread (its first look is at once). Call `stop()` before closing the store.
    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            defer { finished.signal() }
            while !stopping.load(ordering: .acquiring) {
                do {
                    let run = try service.runSchedule(schedule)
                    if run.dailySummaries > 0 || run.weeklyBriefings > 0 {
                        log("mail schedule: queued \(run.dailySummaries) daily summaries, \(run.weeklyBriefings) weekly briefings")
                    }
                } catch {
                    log("mail schedule: \(error)")
                }
                _ = wakeUp.wait(timeout: .now() + interval)
            }
        }
        thread.name = "mail-schedule"
        thread.start()
    }

    /// Stops the thread and waits for it to end.
    public func stop() {
        guard running.load(ordering: .acquiring), !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wakeUp.signal()
        finished.wait()
    }
}
