/// Cores a training run uses: the run's own `TrainingOptions.threads`, else the engine's budget
/// (`VAEEngine.setThreads`).
func trainingThreads(_ options: TrainingOptions) -> Int {
    max(1, options.threads ?? VAEEngine.threads)
}

/// Chooses, while training runs, between one core and two (the lane team): every `period`
/// steps it times a few steps each way and keeps the faster until the next probe. On a quiet
/// machine two cores win; while other processes keep both cores busy, the lanes wait for each
/// other at every barrier and one core can be faster. Both ways compute the same numbers, so
/// switching never changes the results. Each way is judged by its fastest probe step (one slow
/// step, a page fault or a preemption, says little), and one core must be clearly faster to
/// be chosen: a wrong switch to one core costs half the speed, a wrong stay costs little.
/// One-core probes cost a quiet machine time (each such step takes twice as long), so they
/// are rare while two cores win clearly.
struct ParallelismTuner {
    let enabled: Bool
    let probe = 4
    var period = 480, single = Double.infinity, team = Double.infinity, useTeam = true

    init(enabled: Bool) { self.enabled = enabled }

    /// Whether this step runs on two cores.
    mutating func useTeam(step: Int) -> Bool {
        guard enabled else { return false }
        let phase = step % period
        if phase == 0 { single = .infinity; team = .infinity }
        if phase < probe { return false }
        if phase < 2 * probe { return true }
        if phase == 2 * probe {
            useTeam = single > 0.75 * team
            // Two cores clearly faster (a quiet machine): probe again after a few epochs' worth.
            period = !useTeam ? 96 : team < 0.65 * single ? 1920 : 480
        }
        return useTeam
    }

    mutating func record(step: Int, seconds: Double, full: Bool) {
        guard enabled, full else { return }
        let phase = step % period
        if phase < probe { single = min(single, seconds) } else if phase < 2 * probe { team = min(team, seconds) }
    }
}
