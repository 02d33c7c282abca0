import CBLAS
import CKernels
import Glibc

/// OpenBLAS's kernel set, chosen once before the first product (see blas_kernels.c).
let blasKernels: String = vae_choose_blas_kernels().map { String(cString: $0) } ?? "fixed at build"

/// OpenBLAS thread count for the matrix products.
func openblasThreads(_ n: Int) { _ = blasKernels; openblas_set_num_threads(Int32(max(1, n))) }

/// The thread count OpenBLAS will use.
public var blasThreadCount: Int { Int(openblas_get_num_threads()) }

extension VAEEngine {
    /// The name of the OpenBLAS kernel set the engine runs on (for benchmark reports).
    public static var blasKernelSet: String { blasKernels }

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
