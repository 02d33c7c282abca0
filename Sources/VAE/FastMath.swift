// Vectorized exp and log1p for the fused loss pass. glibc's expf/log1pf are scalar calls;
// on a 128×784 batch they would cost as much as the matrix products.

typealias F8 = SIMD8<Float>

/// e^x for x ≤ 0 (x < −87 gives 0), relative error about 2e-7.
@inline(__always)
func expNonPositive(_ x: F8) -> F8 {
    let xc = x.replacing(with: F8(repeating: -87), where: x .< -87)
    let log2e: Float = 1.442_695_04, ln2hi: Float = 0.693_145_751_953_125, ln2lo: Float = 1.428_606_765_330_187e-06
    let n = (xc * log2e).rounded(.toNearestOrEven)
    var r = xc - n * ln2hi
    r = r - n * ln2lo
    // exp(r) on |r| ≤ ln2/2: Taylor to degree 7 (Horner).
    var p = F8(repeating: 1.0 / 5040)
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let ni = SIMD8<Int32>(truncatingIfNeeded: SIMD8<Int32>(n)) &+ 127
    let scale = unsafeBitCast(ni &<< 23, to: F8.self)
    return (p * scale).replacing(with: 0, where: x .< -87)
}

/// log(1 + e) for e in [0, 1], via log y = 2 atanh((y−1)/(y+1)), |t| ≤ 1/3. Error about 1e-7.
@inline(__always)
func log1pUnit(_ e: F8) -> F8 {
    let t = e / (e + 2)
    let t2 = t * t
    var s = F8(repeating: 1.0 / 17)
    s = s * t2 + 1.0 / 15
    s = s * t2 + 1.0 / 13
    s = s * t2 + 1.0 / 11
    s = s * t2 + 1.0 / 9
    s = s * t2 + 1.0 / 7
    s = s * t2 + 1.0 / 5
    s = s * t2 + 1.0 / 3
    s = s * t2 + 1
    return 2 * t * s
}

/// The fused Bernoulli loss: for logits l and targets x (n values), returns Σ BCE(l, x) and
/// writes dBCE/dl = σ(l) − x into `grad`.
@inline(__always)
func bceWithLogitsAndGradient(_ l: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ grad: UnsafeMutablePointer<Float>,
                              count n: Int) -> Double {
    var acc = F8(repeating: 0)
    var total = 0.0
    var i = 0
    var blocks = 0
    while i + 8 <= n {
        let lv = UnsafeRawPointer(l + i).loadUnaligned(as: F8.self)
        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: F8.self)
        let a = lv.replacing(with: -lv, where: lv .< 0)  // |l|
        let e = expNonPositive(-a)  // e^{−|l|} in (0, 1]
        let inv = 1 / (1 + e)
        let sig = (e * inv).replacing(with: inv, where: lv .>= 0)
        UnsafeMutableRawPointer(grad + i).storeBytes(of: sig - xv, as: F8.self)
        let pos = lv.replacing(with: 0, where: lv .< 0)
        acc += pos - lv * xv + log1pUnit(e)
        i += 8
        blocks += 1
        if blocks == 64 { total += Double(acc.sum()); acc = .zero; blocks = 0 }  // keep float sums short
    }
    total += Double(acc.sum())
    while i < n {
        let v = l[i], a = abs(v), e = expf(-a)
        grad[i] = (v >= 0 ? 1 / (1 + e) : e / (1 + e)) - x[i]
        total += Double(max(v, 0) - v * x[i] + log1pf(e))
        i += 1
    }
    return total
}

import Glibc
