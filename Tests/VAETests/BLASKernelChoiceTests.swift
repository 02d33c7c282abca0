import CKernels
import XCTest
@testable import VAE

/// The kernel choice's logic (blas_kernels.c) on given timings and cache texts: nothing is timed.
final class BLASKernelChoiceTests: XCTestCase {
    let key = "cpu=AMD EPYC;cores=2;openblas=0.3.21;probe=1"
    let runnable = ["Sandybridge", "Haswell", "Zen", "SkylakeX", "Cooperlake"]

    /// vae_blas_plan on Swift values: (source, kernels, note, timings).
    func plan(user: String?, cache: String?, key: String? = nil, runnable: [String]? = nil)
        -> (source: Int, kernels: String, note: String, timings: [String]) {
        var out = vae_blas_choice()
        let names = (runnable ?? self.runnable).map { strdup($0) }
        defer { names.forEach { free($0) } }
        let pointers = names.map { UnsafePointer<CChar>($0) }
        let source = pointers.withUnsafeBufferPointer { p in
            vae_blas_plan(user, cache, key ?? self.key, p.baseAddress, Int32(p.count), &out)
        }
        let choice = BLASKernelChoice(out)
        return (Int(source), choice.kernels, choice.note ?? "", choice.timings.map { "\($0.name) \($0.seconds)" })
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
        }
    }
}
