import CBLAS
import Glibc

/// OpenBLAS thread count for the matrix products.
func openblasThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

/// The thread count OpenBLAS will use.
public var blasThreadCount: Int { Int(openblas_get_num_threads()) }

import Dispatch

/// Matrix products split into independent column or row blocks, each a single-threaded
/// OpenBLAS call, handed out dynamically to the cores by Dispatch. Unlike OpenBLAS's own
/// threading (a fixed split and a barrier per call), a core that is busy with another process
/// does not hold up the whole product: the free core takes the next block.
struct ParallelGEMM {
    /// Blocks per product (more blocks balance better, fewer run each call more efficiently).
    var chunks: Int
    var enabled: Bool { chunks > 1 }

    static func fromEnvironment(threads: Int) -> ParallelGEMM {
        if let e = getenv("VAE_GEMM_CHUNKS"), let n = Int(String(cString: e)) { return ParallelGEMM(chunks: max(1, n)) }
        return ParallelGEMM(chunks: threads > 1 ? 4 * threads : 1)
    }

    /// C = op(A) op(B) (beta 0), row-major. `then(m0, mm, n0, nn)` runs on each finished block
    /// C[m0 ..< m0+mm, n0 ..< n0+nn] on the thread that computed it, while it is still in cache
    /// (bias + activation in the forward pass, the Adam update of a weight block in the backward).
    func callAsFunction(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
                        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                        beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int,
                        then: ((_ m0: Int, _ mm: Int, _ n0: Int, _ nn: Int) -> Void)? = nil) {
        let t0 = StepProfile.on ? now() : 0
        defer { if StepProfile.on { StepProfile.gemm += now() - t0 } }
        // Blocks of at least 2^21 multiply-adds: OpenBLAS switches to a different kernel for
        // small products (about 100³), and a block must be summed exactly as the whole product
        // would be, so that one core and two give the same numbers.
        let work = m * n * k
        let chunks = min(self.chunks, work >> 21)
        guard chunks >= 2 else {
            sgemm(transA, transB, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
            then?(0, m, 0, n)
            return
        }
        if n >= m {  // split the columns of C (rows of B's op)
            let step = ((n + chunks - 1) / chunks + 15) / 16 * 16
            let parts = (n + step - 1) / step
            DispatchQueue.concurrentPerform(iterations: parts) { i in
                let n0 = i * step, nn = min(step, n - n0)
                sgemm(transA, transB, m: m, n: nn, k: k, a, lda: lda, transB ? b + n0 * ldb : b + n0, ldb: ldb,
                      beta: beta, c + n0, ldc: ldc)
                then?(0, m, n0, nn)
            }
        } else {  // split the rows of C
            let step = ((m + chunks - 1) / chunks + 15) / 16 * 16
            let parts = (m + step - 1) / step
            DispatchQueue.concurrentPerform(iterations: parts) { i in
                let m0 = i * step, mm = min(step, m - m0)
                sgemm(transA, transB, m: mm, n: n, k: k, transA ? a + m0 : a + m0 * lda, lda: lda, b, ldb: ldb,
                      beta: beta, c + m0 * ldc, ldc: ldc)
                then?(m0, mm, 0, n)
            }
        }
    }
}

/// Wall-clock time per phase of the compiled step (VAE_PROFILE=1 prints it after training).
enum StepProfile {
    nonisolated(unsafe) static let on: Bool = getenv("VAE_PROFILE") != nil
    nonisolated(unsafe) static var gemm = 0.0, step = 0.0, adam = 0.0, batch = 0.0
    static func report() {
        guard on else { return }
        let rest = step - gemm
        fputs("profile: batch+noise \(batch) s, forward+backward \(step) s (gemm \(gemm) s, other \(rest) s), adam \(adam) s\n", stderr)
    }
}

extension VAEEngine {
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
