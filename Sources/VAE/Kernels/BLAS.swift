import CBLAS
import CKernels
import Glibc

/// OpenBLAS thread count for the matrix products.
func openblasThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

/// The thread count OpenBLAS will use.
var blasThreadCount: Int { Int(openblas_get_num_threads()) }

/// How the engine chose OpenBLAS's kernel set (blas_kernels.c does it when the library loads).
public struct BLASKernelChoice: Sendable, CustomStringConvertible {
    public enum Source: Sendable, Equatable {
        /// OpenBLAS was built for one CPU: there is nothing to choose.
        case fixedAtBuild
        /// The user's `OPENBLAS_CORETYPE`.
        case user
        /// The fastest set of this machine's cache file.
        case cached
        /// Timed now (the first run on this machine, or its cache file was unusable).
        case probed
        /// OpenBLAS's own pick (nothing else this CPU can run, or the probe failed).
        case openBLASDefault
    }
    /// The set in use ("Cooperlake", "Haswell", ...).
    public let kernels: String
    public let source: Source
    /// Seconds of one lane's matrix products of a VAE training step with each set timed, fastest first.
    public let timings: [(name: String, seconds: Double)]
    /// The machine's cache file, if there is a cache folder.
    public let cachePath: String?
    /// Why a cache file was not used or could not be written, if so.
    public let note: String?

    init(_ c: vae_blas_choice) {
        var c = c
        func string<T>(_ field: inout T) -> String {
            withUnsafeBytes(of: &field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        kernels = string(&c.kernels)
        source = switch Int(c.source) {
        case VAE_KERNELS_USER: .user
        case VAE_KERNELS_CACHED: .cached
        case VAE_KERNELS_PROBED: .probed
        case VAE_KERNELS_DEFAULT: .openBLASDefault
        default: .fixedAtBuild
        }
        var list: [(name: String, seconds: Double)] = []
        withUnsafeBytes(of: &c.timings) { (raw: UnsafeRawBufferPointer) in
            let t = raw.bindMemory(to: vae_kernel_timing.self)
            for i in 0..<Int(c.count) {
                var name = t[i].name
                list.append((string(&name), t[i].seconds))
            }
        }
        timings = list.sorted { $0.seconds < $1.seconds }
        let path = string(&c.cache_path), why = string(&c.note)
        cachePath = path.isEmpty ? nil : path
        note = why.isEmpty ? nil : why
    }

    /// "Cooperlake (probed now: Cooperlake 0.93 ms, SkylakeX 0.95 ms, ... per lane step; cached in …)".
    public var description: String {
        let times = timings.map { "\($0.name) \(String(format4: Float($0.seconds * 1000))) ms" }.joined(separator: ", ")
        var why: String
        switch source {
        case .fixedAtBuild: why = "OpenBLAS built for one CPU"
        case .user: why = "the user's OPENBLAS_CORETYPE"
        case .cached: why = "cached in \(cachePath ?? "?"): \(times) per lane step"
        case .probed: why = "probed now: \(times) per lane step" + (cachePath.map { "; cached in \($0)" } ?? "")
        case .openBLASDefault: why = "OpenBLAS's own pick"
        }
        if let note { why += "; \(note)" }
        return "\(kernels) (\(why))"
    }

    /// The choice made when the engine loaded.
    static let current = BLASKernelChoice(vae_blas_kernel_choice().pointee)
}

extension VAEEngine {
    /// The name of the OpenBLAS kernel set the engine runs on (for benchmark reports).
    public static var blasKernelSet: String { BLASKernelChoice.current.kernels }

    /// The kernel set with how it was chosen and the probe's timings.
    public static var blasKernelChoice: BLASKernelChoice { .current }

    /// A matrix product's shape: C (m×n) = op(A) op(B) with inner size k.
    public struct GEMMShape: Sendable {
        public var m, n, k: Int, transposeA: Bool, transposeB: Bool
        public init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
            self.m = m; self.n = n; self.k = k; self.transposeA = transposeA; self.transposeB = transposeB
        }
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    /// The matrix products of one training step of an MLP VAE (784-400-20: `VAEShapes(batch: 128)`).
    public static func trainingStepShapes(batch b: Int, input d: Int = 784, hidden h: Int = 400, latent l: Int = 20) -> [GEMMShape] {
        [GEMMShape(m: b, n: h, k: d, transposeB: true), GEMMShape(m: b, n: 2 * l, k: h, transposeB: true),
         GEMMShape(m: b, n: h, k: l, transposeB: true), GEMMShape(m: b, n: d, k: h, transposeB: true),
         GEMMShape(m: b, n: h, k: d), GEMMShape(m: d, n: h, k: b, transposeA: true),
         GEMMShape(m: b, n: l, k: h), GEMMShape(m: h, n: l, k: b, transposeA: true),
         GEMMShape(m: b, n: h, k: 2 * l), GEMMShape(m: 2 * l, n: h, k: b, transposeA: true),
         GEMMShape(m: h, n: d, k: b, transposeA: true)]
    }

    /// Best GFLOP/s (over `rounds` timed rounds) of OpenBLAS sgemm on `shapes` with `threads`
    /// threads: the peak a training step made of these products could reach. One thread is timed
    /// by its own CPU clock, so time spent preempted by other processes does not count.
    public static func sgemmThroughput(_ shapes: [GEMMShape], threads: Int, rounds: Int = 20) -> Double {
        let saved = blasThreadCount
        openblasThreads(threads)
        defer { openblasThreads(saved) }
        let size = shapes.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max() ?? 1
        var rng = SeededGenerator(seed: 0)
        let a = UnsafeMutablePointer<Float>.allocate(capacity: size), b = UnsafeMutablePointer<Float>.allocate(capacity: size)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: size)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for i in 0..<size { a[i] = rng.uniform(); b[i] = rng.uniform() }
        let flops = shapes.reduce(0) { $0 + $1.flops }
        var best = 0.0
        func clock() -> Double {
            guard threads == 1 else { return now() }
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
        }
        for _ in 0..<rounds {
            let t0 = clock()
            for _ in 0..<10 {
                for s in shapes {
                    sgemm(s.transposeA, s.transposeB, m: s.m, n: s.n, k: s.k, a, lda: s.transposeA ? s.m : s.k,
                          b, ldb: s.transposeB ? s.k : s.n, c, ldc: s.n)
                }
            }
            best = max(best, 10 * flops / (clock() - t0) / 1e9)
        }
        return best
    }
}
