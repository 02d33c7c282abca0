/// Cores a training run uses: the run's own `TrainingOptions.threads`, else the engine's budget
/// (`VAEEngine.setThreads`).
func trainingThreads(_ options: TrainingOptions) -> Int {
    max(1, options.threads ?? VAEEngine.threads)
}

/// Chooses, while training runs, between one core and two (the lane team): every `period`
/// steps it times a few steps each way and keeps the faster until the next probe. On a quiet
/// machine two cores win; while other processes keep both cores busy, the lanes wait for each
/// other at every barrier and one core can be faster. Both ways compute the same numbers, so
/// switching never changes the results. Each way is judged by the median of its probe steps:
/// the fastest step (what this tuner first used) catches the quiet moments of a loaded machine
/// and chose two lanes that then ran at half the speed of one (HVAE, load average 7 on 2
/// cores: 11.4k samples/s at 23.6k per CPU-second, i.e. half a core on average, against JAX's
/// 21.5k on one core). One core must be clearly faster to be chosen: a wrong switch to one core
/// costs half the speed on a quiet machine. One-core probes cost a quiet machine time (each
/// such step takes twice as long), so they are rare while two cores win clearly. When the load
/// changes between probes, the team's steps slow down: eight in a row more than twice the
/// probe's team time start a new probe at once.
struct ParallelismTuner {
    let enabled: Bool
    let probe = 8
    /// The step the current probe began at.
    private(set) var probeStart = 0
    private(set) var period = 480, useTeam = true
    /// Medians of the last probe's steps on one core and on two.
    private(set) var single = Double.infinity, team = Double.infinity
    private var singleTimes: [Double] = [], teamTimes: [Double] = []
    private var slowTeamSteps = 0, probeNext = false

    init(enabled: Bool) { self.enabled = enabled }

    /// Whether this step runs on two cores.
    mutating func useTeam(step: Int) -> Bool {
        guard enabled else { return false }
        if probeNext || step - probeStart >= period { probeStart = step; probeNext = false }
        let phase = step - probeStart
        if phase == 0 { singleTimes = []; teamTimes = []; slowTeamSteps = 0 }
        if phase < probe { return false }
        if phase < 2 * probe { return true }
        if phase == 2 * probe {
            single = median(singleTimes) ?? .infinity; team = median(teamTimes) ?? .infinity
            useTeam = single > 0.75 * team
            // Two cores clearly faster (a quiet machine): probe again after a few epochs' worth.
            period = !useTeam ? 96 : team < 0.65 * single ? 1920 : 480
        }
        return useTeam
    }

    mutating func record(step: Int, seconds: Double, full: Bool) {
        guard enabled, full else { return }
        let phase = step - probeStart
        if phase < probe {
            singleTimes.append(seconds)
        } else if phase < 2 * probe {
            teamTimes.append(seconds)
        } else if useTeam && phase > 2 * probe {
            slowTeamSteps = seconds > 2 * team ? slowTeamSteps + 1 : 0
            if slowTeamSteps >= 8 { probeNext = true }
        }
    }
}
