import Glibc

/// Wall-clock time per part of the compiled training loop (`VAEEngine.profileTraining` prints
/// it after training): the main thread's batch set-up and steps, and per lane (on two cores) the
/// time it computed, waited at barriers for the other lane, spent in Adam, and spent per phase.
enum StepProfile {
    nonisolated(unsafe) static var on = false
    nonisolated(unsafe) static var batch = 0.0, step = 0.0
    nonisolated(unsafe) static var steps = [0, 0]  // on one core, on two
    /// Per lane (each writes only its own row): compute, wait, Adam, then one slot per phase.
    static let slots = 64
    nonisolated(unsafe) static let lanes: UnsafeMutablePointer<Double> = {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: 2 * slots); p.initialize(repeating: 0, count: 2 * slots); return p
    }()

    static func add(lane: Int, compute: Double, wait: Double, phase: Int) {
        let row = lanes + lane * slots
        row[0] += compute; row[1] += wait
        row[3 + min(phase, slots - 4)] += compute
    }

    static func add(lane: Int, adam: Double) { lanes[lane * slots + 2] += adam }

    static func report() {
        guard on else { return }
        func f(_ x: Double) -> String { String(Int((x * 1000).rounded())) }
        var text = "profile: \(steps[0]) steps on one core, \(steps[1]) on two; batch set-up \(f(batch)) ms, steps \(f(step)) ms\n"
        for lane in 0..<2 {
            let row = lanes + lane * slots
            let phases = (3..<slots).map { row[$0] }.prefix { $0 > 0 }.map(f).joined(separator: ", ")
            text += "  lane \(lane): computing \(f(row[0])) ms (Adam \(f(row[2])) ms), waiting \(f(row[1])) ms; per phase: \(phases)\n"
        }
        fputs(text, stderr)
    }
}
