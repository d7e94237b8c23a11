import FirstCome
import NIOCore
import NIOPosix
import Testing

@Suite("The decision signal streams wait on")
struct ChangeSignalTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    /// Starts a wait and returns once it is in the signal's table. A wait that does
    /// not get there within 10 s is a failure, and is ended so that nothing hangs.
    func startWait(_ signal: ChangeSignal, timeout: TimeAmount) async -> Task<Bool, Never> {
        let version = signal.version
        let ticket = signal.ticket()
        let loop = self.loop
        let task = Task { await signal.wait(after: version, ticket: ticket, timeout: timeout, on: loop) }
        let deadline = ContinuousClock.now + .seconds(10)
        while !signal.isWaiting(ticket), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(1)) }
        if !signal.isWaiting(ticket) {
            Issue.record("the wait did not start within 10 s")
            signal.end(ticket)
        }
        return task
    }

    @Test("a notify wakes every waiter with true; waits woken early leave nothing scheduled behind")
    func wakes() async throws {
        let signal = ChangeSignal()
        for _ in 0..<300 {
            let first = await startWait(signal, timeout: .seconds(3600))
            let second = await startWait(signal, timeout: .seconds(3600))
            signal.notify()
            #expect(await first.value)
            #expect(await second.value)
        }
        #expect(signal.waiting == 0)
        // The one sweep that was scheduled finds nobody waiting and is not renewed.
        #expect(try await eventually(timeout: .seconds(2)) { !signal.sweepScheduled })
    }

    @Test("a wait ends with false after its timeout, within a sweep; a longer one keeps waiting")
    func timesOut() async throws {
        let signal = ChangeSignal()
        let stayed = await startWait(signal, timeout: .seconds(3600))
        let start = ContinuousClock.now
        let version = signal.version
        let ticket = signal.ticket()
        let loop = self.loop
        let short = await signal.wait(after: version, ticket: ticket, timeout: .milliseconds(200), on: loop)
        let took = ContinuousClock.now - start
        #expect(short == false)
        #expect(took >= .milliseconds(200) && took < .seconds(2), "\(took)")
        #expect(signal.waiting == 1 && signal.sweepScheduled)  // the long wait keeps the sweep going
        signal.notify()
        #expect(await stayed.value)
    }

    @Test("a ticket ended before its wait starts makes the wait return false at once")
    func endedEarly() async {
        let signal = ChangeSignal()
        let ticket = signal.ticket()
        signal.end(ticket)
        #expect(await signal.wait(after: signal.version, ticket: ticket, timeout: .seconds(3600), on: loop) == false)
        #expect(signal.waiting == 0)
    }
}
