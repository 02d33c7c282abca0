import CKernels
import Glibc

// Vectorized exp and log1p for the fused loss pass. glibc's expf/log1pf are scalar calls;
// on a 128×784 batch they would cost as much as the matrix products.

typealias F8 = SIMD8<Float>

/// e^x for x ≤ 0 (x < −87 gives 0), relative error about 2e-7.
@inline(__always)
func expNonPositive(_ x: F8) -> F8 {
    let xc = x.replacing(with: F8(repeating: -87), where: x .< -87)
    let log2e: Float = 1.442_695_04, ln2hi: Float = 0.693_145_751_953_125, ln2lo: Float = 1.428_606_765_330_187e-06
    // Round to nearest with the 1.5·2²³ trick: the integer lands in the low mantissa bits.
    let shifter = F8(repeating: 0x1.8p23)
    let biased = xc * log2e + shifter
    let n = biased - shifter
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
    let ni = unsafeBitCast(biased, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127
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

/// y[i, :] = max(y[i, :] + b, 0) (or without the max).
@inline(__always)
func addBias(_ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int? = nil, relu: Bool) {
    let zero = F8(repeating: 0)
    let stride = ld ?? cols
    for r in 0..<rows {
        let row = y + r * stride
        var j = 0
        while j + 8 <= cols {
            var v = load8(row + j) + load8(b + j)
            if relu { v = v.replacing(with: zero, where: v .< zero) }
            store8(v, row + j)
            j += 8
        }
        while j < cols { let v = row[j] + b[j]; row[j] = relu ? max(v, 0) : v; j += 1 }
    }
}

/// g[k] = 0 where a[k] ≤ 0 (the ReLU's backward, from its output).
@inline(__always)
func reluMask(_ g: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, count n: Int) {
    let zero = F8(repeating: 0)
    var k = 0
    while k + 8 <= n { store8(load8(g + k).replacing(with: zero, where: load8(a + k) .<= zero), g + k); k += 8 }
    while k < n { if a[k] <= 0 { g[k] = 0 }; k += 1 }
}

/// reluMask on a block of `rows × cols` with row stride `ld`.
@inline(__always)
func reluMask(_ g: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int) {
    for r in 0..<rows { reluMask(g + r * ld, a + r * ld, count: cols) }
}

/// The fused Bernoulli loss on a block (`rows × cols`, row stride `ld`): writes σ(l) − x into
/// `grad` and adds each column's BCE, row by row in order, into `columnSums`.
@inline(__always)
func bceWithLogitsColumns(_ l: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ grad: UnsafeMutablePointer<Float>,
                          rows: Int, cols: Int, ld: Int, columnSums cs: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let lr = l + r * ld, xr = x + r * ld, gr = grad + r * ld
        var j = 0
        while j + 8 <= cols {
            let lv = load8(lr + j), xv = load8(xr + j)
            let a = lv.replacing(with: -lv, where: lv .< 0)
            let e = expNonPositive(-a)
            let inv = 1 / (1 + e)
            let sig = (e * inv).replacing(with: inv, where: lv .>= 0)
            store8(sig - xv, gr + j)
            let pos = lv.replacing(with: 0, where: lv .< 0)
            store8(load8(cs + j) + (pos - lv * xv + log1pUnit(e)), cs + j)
            j += 8
        }
        while j < cols {
            let v = lr[j], e = expf(-abs(v))
            gr[j] = (v >= 0 ? 1 / (1 + e) : e / (1 + e)) - xr[j]
            cs[j] += max(v, 0) - v * xr[j] + log1pf(e)
            j += 1
        }
    }
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
