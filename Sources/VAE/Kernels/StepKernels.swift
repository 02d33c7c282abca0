import CKernels
import Glibc

// Small fused passes of the compiled step that Swift vectorizes well. The loss and bias
// passes and Adam live in C (Sources/CKernels), where they vectorize.

typealias F8 = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }
@inline(__always) func store8(_ v: F8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self) }

/// Adam over a flat buffer (the C kernel, vectorized); with `clearGradient`, g is zeroed after use.
@inline(__always)
func adamSIMD(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
              _ v: UnsafeMutablePointer<Float>, range: Range<Int>, lr: Float, beta1: Float, beta2: Float,
              epsilon: Float, c1: Float, c2: Float, clearGradient: Bool = false) {
    let o = range.lowerBound
    vae_adam(p + o, g + o, m + o, v + o, range.count, lr, beta1, beta2, epsilon, c1, c2, clearGradient ? 1 : 0)
}

/// g[k] = 0 where a[k] ≤ 0 (the ReLU's backward, from its output).
@inline(__always)
func reluMask(_ g: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, count n: Int) {
    let zero = F8(repeating: 0)
    var k = 0
    while k + 8 <= n { store8(load8(g + k).replacing(with: zero, where: load8(a + k) .<= zero), g + k); k += 8 }
    while k < n { if a[k] <= 0 { g[k] = 0 }; k += 1 }
}

/// db[j] = Σ_i dy[i, j] (rows `ld` apart).
@inline(__always)
func columnSums(_ dy: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int, into db: UnsafeMutablePointer<Float>) {
    db.update(repeating: 0, count: cols)
    for r in 0..<rows {
        let row = dy + r * ld
        var j = 0
        while j + 8 <= cols { store8(load8(db + j) + load8(row + j), db + j); j += 8 }
        while j < cols { db[j] += row[j]; j += 1 }
    }
}
