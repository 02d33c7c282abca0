import CKernels
import XCTest
@testable import VAE

/// The kernel choice's logic (blas_kernels.c) on given timings and cache texts: nothing is timed.
final class BLASKernelChoiceTests: XCTestCase {
    let key = "cpu=AMD EPYC;cores=2;openblas=0.3.21;probe=1"
    let runnable = ["Sandybridge", "Haswell", "Zen", "SkylakeX", "Cooperlake"]

    /// vae_blas_plan on Swift values: (source, kernels, note, timings).
    func plan(user: String?, cache: String?, key: String? = nil, runnable: [String]? = nil)
        -> (source: Int, kernels: String, note: String, timings: [String], step: String) {
        var out = vae_blas_choice()
        let names = (runnable ?? self.runnable).map { strdup($0) }
        defer { names.forEach { free($0) } }
        let pointers = names.map { UnsafePointer<CChar>($0) }
        let source = pointers.withUnsafeBufferPointer { p in
            vae_blas_plan(user, cache, key ?? self.key, p.baseAddress, Int32(p.count), &out)
        }
        let choice = BLASKernelChoice(out)
        return (Int(source), choice.kernels, choice.note ?? "", choice.timings.map { "\($0.name) \($0.seconds)" }, choice.stepSGEMM)
    }

    func cacheText(_ timings: [(String, Double)], key: String? = nil) -> String {
        var c = vae_blas_choice()
        c.count = Int32(timings.count)
        withUnsafeMutableBytes(of: &c.timings) { raw in
            let t = raw.bindMemory(to: vae_kernel_timing.self)
            for (i, (name, s)) in timings.enumerated() {
                withUnsafeMutableBytes(of: &t[i].name) { b in
                    for (j, ch) in name.utf8.enumerated() { b[j] = ch }
                    b[name.utf8.count] = 0
                }
                t[i].seconds = s
            }
        }
        var buf = [CChar](repeating: 0, count: 2048)
        XCTAssertEqual(vae_blas_format_cache(key ?? self.key, &c, &buf, buf.count), 1)
        return String(cString: buf)
    }

    func testTheFastestOfATableOfTimingsWins() {
        func fastest(_ t: [(String, Double)]) -> Int {
            var list = t.map { name, s in
                var k = vae_kernel_timing()
                withUnsafeMutableBytes(of: &k.name) { b in for (j, ch) in name.utf8.enumerated() { b[j] = ch } }
                k.seconds = s
                return k
            }
            return Int(vae_blas_fastest(&list, Int32(list.count)))
        }
        XCTAssertEqual(fastest([("Haswell", 2.06e-3), ("Zen", 2.07e-3), ("SkylakeX", 1.16e-3), ("Cooperlake", 1.15e-3)]), 3)
        // Zen 4: the AVX2 set was the faster one.
        XCTAssertEqual(fastest([("Haswell", 1.90e-3), ("SkylakeX", 2.01e-3), ("Cooperlake", 2.02e-3)]), 0)
        XCTAssertEqual(fastest([("Haswell", 1e-3), ("Zen", 1e-3)]), 0, "the first of equals")
        XCTAssertEqual(fastest([("Haswell", .nan), ("Zen", 0), ("SkylakeX", -1), ("Cooperlake", .infinity)]), -1)
        XCTAssertEqual(fastest([]), -1)
    }

    func testACacheFileGivesItsFastestSetAndRoundTrips() {
        let text = cacheText([("Haswell", 0.002060096), ("SkylakeX", 0.001157135), ("Cooperlake", 0.001147480)])
        XCTAssertEqual(text, """
            # lessons: OpenBLAS kernel sets timed on this machine (seconds per lane of the VAE training step's
            # matrix products, one thread, best of several). Delete this file to time them again.
            key cpu=AMD EPYC;cores=2;openblas=0.3.21;probe=1
            time Haswell 0.002060096
            time SkylakeX 0.001157135
            time Cooperlake 0.001147480

            """)
        let p = plan(user: nil, cache: text)
        XCTAssertEqual(p.source, VAE_KERNELS_CACHED)
        XCTAssertEqual(p.kernels, "Cooperlake")
        XCTAssertEqual(p.timings, ["Cooperlake 0.00114748", "SkylakeX 0.001157135", "Haswell 0.002060096"])
        XCTAssertEqual(p.note, "")
        XCTAssertEqual(p.step, "OpenBLAS")
    }

    /// oneDNN's sgemm, where installed, is a candidate for the step's products only: the fastest
    /// OpenBLAS set is still chosen for everything else.
    func testOneDNNRunsTheStepWhenFasterAndOpenBLASKeepsItsFastestSet() {
        let runnable = self.runnable + ["oneDNN-2.6.3"]
        let faster = plan(user: nil, cache: cacheText([("Haswell", 2.0e-3), ("oneDNN-2.6.3", 0.91e-3), ("Cooperlake", 1.05e-3)]),
                          runnable: runnable)
        XCTAssertEqual(faster.source, VAE_KERNELS_CACHED)
        XCTAssertEqual(faster.kernels, "Cooperlake")
        XCTAssertEqual(faster.step, "oneDNN-2.6.3")
        let slower = plan(user: nil, cache: cacheText([("Haswell", 2.0e-3), ("oneDNN-2.6.3", 1.2e-3), ("Cooperlake", 1.05e-3)]),
                          runnable: runnable)
        XCTAssertEqual(slower.kernels, "Cooperlake")
        XCTAssertEqual(slower.step, "OpenBLAS")
        // oneDNN uninstalled (or another version) since the probe: the file is foreign.
        let gone = plan(user: nil, cache: cacheText([("Cooperlake", 1.05e-3), ("oneDNN-2.6.3", 0.91e-3)]))
        XCTAssertEqual(gone.source, VAE_KERNELS_PROBED)
        XCTAssertEqual(gone.note, "the cache file was not used: a kernel set this CPU cannot run (oneDNN-2.6.3)")
        // Only oneDNN timed: no OpenBLAS set to choose, so a new probe.
        let only = plan(user: nil, cache: cacheText([("oneDNN-2.6.3", 0.91e-3)]), runnable: runnable)
        XCTAssertEqual(only.source, VAE_KERNELS_PROBED)
        XCTAssertEqual(only.note, "the cache file was not used: no OpenBLAS kernel set timed")
    }

    func testTheUsersVariableWinsOverTheCache() {
        let p = plan(user: "Haswell", cache: cacheText([("Haswell", 2e-3), ("Cooperlake", 1e-3)]))
        XCTAssertEqual(p.source, VAE_KERNELS_USER)
        XCTAssertEqual(p.kernels, "Haswell")
        XCTAssertEqual(p.timings, [])
        // An empty variable is no choice.
        XCTAssertEqual(plan(user: "", cache: cacheText([("Zen", 1e-3)])).kernels, "Zen")
    }

    func testACorruptOrForeignCacheFileMeansANewProbe() {
        let cases: [(String, String)] = [
            ("garbage", "an unreadable line \"garbage\""),
            ("", "no key line"),
            ("key \(key)\n", "no timings"),
            ("key \(key)\ntime Haswell fast\n", "an unreadable line \"time Haswell fast\""),
            ("key \(key)\ntime Haswell 0.002 extra\n", "an unreadable line \"time Haswell 0.002 extra\""),
            ("key \(key)\ntime Haswell -0.002\n", "an unreadable line \"time Haswell -0.002\""),
            ("key \(key)\ntime Haswell nan\n", "an unreadable line \"time Haswell nan\""),
            ("time Haswell 0.002\n", "no key line"),
            (String(repeating: "x", count: 600), "a line of 600 bytes"),
            (cacheText([("Haswell", 2e-3)], key: "cpu=Intel Xeon;cores=8;openblas=0.3.21;probe=1"),
             "made on another machine (cpu=Intel Xeon;cores=8;openblas=0.3.21;probe=1)"),
            (cacheText([("SapphireRapids", 1e-3)]), "a kernel set this CPU cannot run (SapphireRapids)"),
        ]
        for (text, reason) in cases {
            let p = plan(user: nil, cache: text)
            XCTAssertEqual(p.source, VAE_KERNELS_PROBED, text)
            XCTAssertEqual(p.note, "the cache file was not used: " + reason, text)
            XCTAssertEqual(p.timings, [], text)
        }
        // No file at all: a probe, with nothing to explain.
        let none = plan(user: nil, cache: nil)
        XCTAssertEqual(none.source, VAE_KERNELS_PROBED)
        XCTAssertEqual(none.note, "")
    }

    func testTheChoiceAtLoadIsReported() {
        let c = VAEEngine.blasKernelChoice
        XCTAssertFalse(c.kernels.isEmpty)
        // Tests run with the environment as it is; where OPENBLAS_CORETYPE is set it must have won.
        if let user = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !user.isEmpty {
            XCTAssertEqual(c.source, .user)
            XCTAssertEqual(c.kernels.lowercased(), user.lowercased())
            XCTAssertEqual(c.description, "\(c.kernels) (the user's OPENBLAS_CORETYPE)")
            XCTAssertEqual(c.stepSGEMM, "OpenBLAS")
        }
    }
}

/// The products a model's training step runs, from its step graph (what the sgemm bound is measured on).
final class StepShapeTests: XCTestCase {
    func testStepShapesAndFLOPsPerModel() {
        var rng = SeededGenerator(seed: 1)
        let vae = VAE(inputSize: 784, hiddenSize: 400, latentSize: 20, using: &rng)
        // 784·400 + 400·40 + 20·400 + 400·784 multiply-adds forward, the same for dW, and dx for
        // every layer but the first: 1.64 M multiply-adds.
        XCTAssertEqual(VAEEngine.trainingFLOPsPerSample(of: vae), 3_280_000)
        let shapes = VAEEngine.trainingStepShapes(of: vae, batch: 128)
        XCTAssertEqual(shapes.count, 11)
        XCTAssertEqual(shapes.map { "\($0.m)x\($0.n)x\($0.k)\($0.transposeA ? "T" : "")\($0.transposeB ? "t" : "")" },
                       ["128x400x784t", "400x784x128T",                 // x → hidden: no dx for the data
                        "128x40x400t", "128x400x40", "40x400x128T",     // the two heads, one product
                        "128x400x20t", "128x20x400", "400x20x128T",
                        "128x784x400t", "128x400x784", "784x400x128T"])
        let hvae = HierarchicalVAE(inputSize: 784, hiddenSizes: [400, 200], latentSizes: [32, 16], using: &rng)
        XCTAssertEqual(VAEEngine.trainingFLOPsPerSample(of: hvae), 3_539_200)
        let ae = Autoencoder(inputSize: 784, hiddenSize: 400, codeSize: 20, using: &rng)
        // 784·400 + 400·20 + 20·400 + 400·784 = 643 200 multiply-adds forward and for dW, 329 600 for dx.
        XCTAssertEqual(VAEEngine.trainingFLOPsPerSample(of: ae), 3_232_000)
    }
}

/// The choice between one core and two while training runs, on given step times.
final class ParallelismTunerTests: XCTestCase {
    /// Runs `steps` steps from `first`, each taking `seconds(step, onTeam)`; returns the steps run on two cores.
    func run(_ tuner: inout ParallelismTuner, _ steps: Range<Int>, _ seconds: (Int, Bool) -> Double) -> [Int] {
        var team: [Int] = []
        for s in steps {
            let t = tuner.useTeam(step: s)
            if t { team.append(s) }
            tuner.record(step: s, seconds: seconds(s, t), full: true)
        }
        return team
    }

    func testProbesChooseTheFasterWayAndASlowdownProbesAgainAtOnce() {
        var tuner = ParallelismTuner(enabled: true)
        // A quiet machine: two cores take half the time; steps 0–7 probe one core, 8–15 two.
        XCTAssertEqual(run(&tuner, 0..<100) { _, team in team ? 1.0 : 2.0 }, Array(8..<100))
        XCTAssertEqual(tuner.period, 1920, "two cores clearly faster: the next probe is far off")
        // Other work starts: the team's steps take 2.5 (one core would take 1.2). Eight slow steps
        // in a row (100–107), then a probe from step 108: one core 108–115, two 116–123, then one core.
        let team = run(&tuner, 100..<140) { _, team in team ? 2.5 : 1.2 }
        XCTAssertEqual(team, Array(100..<108) + Array(116..<124))
        XCTAssertEqual(tuner.probeStart, 108)
        XCTAssertEqual(tuner.useTeam, false)
        XCTAssertEqual(tuner.period, 96, "on one core, probe again soon")
        // A disabled tuner (one core asked for) never uses the team.
        var off = ParallelismTuner(enabled: false)
        XCTAssertEqual(run(&off, 0..<20) { _, _ in 1 }, [])
    }

    /// A loaded machine's quiet moments: two of the eight team probe steps are fast (0.5), the
    /// rest slow (3.0); one core takes 1.2 throughout. The median, not the fastest step, decides.
    func testTheMedianOfTheProbeStepsDecides() {
        var tuner = ParallelismTuner(enabled: true)
        let team = run(&tuner, 0..<40) { s, team in team ? (s % 4 == 0 ? 0.5 : 3.0) : 1.2 }
        XCTAssertEqual(team, Array(8..<16))
        XCTAssertEqual(tuner.team, 3.0)
        XCTAssertEqual(tuner.single, 1.2)
    }

    func testOccasionalSlowStepsDoNotTriggerAProbe() {
        var tuner = ParallelismTuner(enabled: true)
        // Every seventh team step is slow (a page fault, a preemption): never eight in a row.
        let team = run(&tuner, 0..<400) { s, team in team ? (s % 7 == 0 ? 5.0 : 1.0) : 2.0 }
        XCTAssertEqual(team, Array(8..<400))
        XCTAssertEqual(tuner.probeStart, 0)
    }
}
