import CKernels
import Dispatch
import Glibc
import Synchronization

/// Two threads that run a training step side by side: the caller runs lane 0, a helper thread
/// that lives as long as the team runs lane 1, and the two meet at a barrier between the
/// step's phases.
///
/// Why not `DispatchQueue.concurrentPerform`: it may run both iterations on the calling thread,
/// and a barrier inside would then wait forever; and its fork and join per call cost more
/// than a step's phases can afford (a phase is a few hundred microseconds).
final class LaneTeam: @unchecked Sendable {
    /// Barrier arrivals, both lanes together; a lane's n-th barrier is passed at 2n.
    private let arrivals = Atomic<Int>(0)
    /// Steps started; the helper runs lane 1 once per increment.
    private let started = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// The helper, idle for long (between epochs), sleeps on `wake` instead of spinning.
    private let sleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    /// Barriers passed per lane, a cache line apart (each written by its own lane only).
    private let passed = UnsafeMutablePointer<Int>.allocate(capacity: 32)
    private var thread = pthread_t()
    private let lane1: (LaneTeam) -> Void

    /// Starts the helper thread; `lane1` is what it runs each time `start()` is called.
    init(lane1: @escaping (LaneTeam) -> Void) {
        self.lane1 = lane1
        passed.initialize(repeating: 0, count: 32)
        let me = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { ctx in
            let team = Unmanaged<LaneTeam>.fromOpaque(ctx!).takeRetainedValue()
            team.helperLoop()
            return nil
        }, me)
        precondition(rc == 0, "could not start a training thread (pthread_create: \(rc))")
    }

    deinit { passed.deallocate() }

    /// Lets the helper run lane 1 of a step whose inputs the caller has just set up.
    func start() {
        started.add(1, ordering: .sequentiallyConsistent)
        if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
    }

    /// Ends the helper thread (the team cannot be used afterwards).
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        start()
        pthread_join(thread, nil)
    }

    /// Waits until the other lane has arrived at its barrier of the same number. Everything a
    /// lane wrote before it arrived is visible to the other after it passes.
    func barrier(lane: Int) {
        passed[lane * 16] += 1
        let target = 2 * passed[lane * 16]
        arrivals.add(1, ordering: .acquiringAndReleasing)
        var spins = 0
        while arrivals.load(ordering: .acquiring) < target {
            spins += 1
            vae_cpu_relax()
            // The other lane is late (its core is busy with another process): give way.
            // (A pause is about 26 ns on a Zen 5: 200 of them, 5 µs.)
            if spins > 200 { sched_yield() }
        }
    }

    private func helperLoop() {
        var seen = 0
        while true {
            var spins = 0
            while started.load(ordering: .acquiring) == seen {
                spins += 1
                vae_cpu_relax()
                if spins < 20_000 { continue }  // steps follow each other within microseconds (20 000 pauses: 0.5 ms)
                sleeping.store(true, ordering: .sequentiallyConsistent)
                if started.load(ordering: .sequentiallyConsistent) != seen {
                    // start() came in between: if it saw the flag it also signals, so take that signal.
                    if !sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.wait() }
                } else {
                    wake.wait()  // start() clears the flag and signals
                }
            }
            seen = started.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            lane1(self)
        }
    }
}
