import CBLAS
import CKernels
import Glibc

// Each operation computes its forward value and, beside it, the rule that pushes the
// output's gradient back to its inputs (micrograd style). The loops run over unsafe
// buffers; matrix products go to OpenBLAS with transposes passed as flags.

// MARK: - Matrix products

/// C = op(A) op(B) with op = transpose when the flag is set; A, B are row-major.
@inline(__always)
func sgemm(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
           _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
           beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
}

/// Matrix product of 2-D tensors, `op(a) · op(b)`, where `op` transposes when asked.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.shape.count == 2 && b.shape.count == 2, "matmul: needs matrices, got \(a.shape) and \(b.shape)")
    let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (k2, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    precondition(k == k2, "matmul: inner dimensions differ, \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    var c = [Float](repeating: 0, count: m * n)
    c.withUnsafeMutableBufferPointer { cp in
        sgemm(transposeA, transposeB, m: m, n: n, k: k, a.scalars, lda: a.shape[1], b.scalars, ldb: b.shape[1],
              cp.baseAddress!, ldc: n)
    }
    return .result(c, shape: [m, n], op: "matmul", inputs: [a, b]) { out in
        let g = out.grad!
        if a.requiresGrad {  // dA = dC · op(B)ᵀ, laid out as A is
            var ga = [Float](repeating: 0, count: a.count)
            ga.withUnsafeMutableBufferPointer { gp in
                if transposeA {  // A is k×m: dA = op(B) · dCᵀ
                    sgemm(transposeB, true, m: k, n: m, k: n, b.scalars, lda: b.shape[1], g, ldb: n, gp.baseAddress!, ldc: m)
                } else {
                    sgemm(false, !transposeB, m: m, n: k, k: n, g, lda: n, b.scalars, ldb: b.shape[1], gp.baseAddress!, ldc: k)
                }
            }
            a.accumulate(ga)
        }
        if b.requiresGrad {  // dB = op(A)ᵀ · dC, laid out as B is
            var gb = [Float](repeating: 0, count: b.count)
            gb.withUnsafeMutableBufferPointer { gp in
                if transposeB {  // B is n×k: dB = dCᵀ · op(A)
                    sgemm(true, transposeA, m: n, n: k, k: m, g, lda: n, a.scalars, ldb: a.shape[1], gp.baseAddress!, ldc: k)
                } else {
                    sgemm(!transposeA, false, m: k, n: n, k: m, a.scalars, lda: a.shape[1], g, ldb: n, gp.baseAddress!, ldc: n)
                }
            }
            b.accumulate(gb)
        }
    }
}


/// An affine map `x Wᵀ + b` as in PyTorch's `nn.Linear` (weight is `out × in`), in one
/// product plus a bias pass, with `activation` fused into the same pass.
public func linear(_ x: Tensor, weight w: Tensor, bias b: Tensor, activation: Activation = .identity) -> Tensor {
    precondition(x.shape.count == 2 && w.shape.count == 2, "linear: x \(x.shape), weight \(w.shape)")
    let (m, k, n) = (x.shape[0], x.shape[1], w.shape[0])
    precondition(w.shape[1] == k, "linear: input has \(k) features but weight expects \(w.shape[1])")
    precondition(b.count == n, "linear: bias has \(b.count) entries, weight has \(n) outputs")
    var y = [Float](repeating: 0, count: m * n)
    y.withUnsafeMutableBufferPointer { yp in
        sgemm(false, true, m: m, n: n, k: k, x.scalars, lda: k, w.scalars, ldb: k, yp.baseAddress!, ldc: n)
        b.scalars.withUnsafeBufferPointer { bp in
            activation.applyWithBias(yp.baseAddress!, bias: bp.baseAddress!, rows: m, cols: n)
        }
    }
    return .result(y, shape: [m, n], op: "linear", inputs: [x, w, b]) { out in
        var g = out.grad!
        // Through the activation, using its output.
        g.withUnsafeMutableBufferPointer { gp in
            out.scalars.withUnsafeBufferPointer { yp in
                activation.backward(gp.baseAddress!, output: yp.baseAddress!, count: m * n)
            }
        }
        if x.requiresGrad {  // dx = dy · W
            var gx = [Float](repeating: 0, count: m * k)
            gx.withUnsafeMutableBufferPointer { p in
                sgemm(false, false, m: m, n: k, k: n, g, lda: n, w.scalars, ldb: k, p.baseAddress!, ldc: k)
            }
            x.accumulate(gx)
        }
        if w.requiresGrad {  // dW = dyᵀ · x
            var gw = [Float](repeating: 0, count: n * k)
            gw.withUnsafeMutableBufferPointer { p in
                sgemm(true, false, m: n, n: k, k: m, g, lda: n, x.scalars, ldb: k, p.baseAddress!, ldc: k)
            }
            w.accumulate(gw)
        }
        if b.requiresGrad {  // db = column sums of dy
            var gb = [Float](repeating: 0, count: n)
            for i in 0..<m { for j in 0..<n { gb[j] += g[i * n + j] } }
            b.accumulate(gb)
        }
    }
}

// MARK: - Activations

/// Pointwise nonlinearities, usable on their own or fused into `linear`.
public enum Activation: String, Sendable, Codable, CaseIterable {
    case identity, relu, sigmoid, tanh, softplus

    @inline(__always) func f(_ x: Float) -> Float {
        switch self {
        case .identity: return x
        case .relu: return x > 0 ? x : 0
        case .sigmoid: return stableSigmoid(x)
        case .tanh: return tanhf(x)
        case .softplus: return stableSoftplus(x)
        }
    }

    /// dy/dx written in terms of the output y (and for softplus, y gives x back).
    @inline(__always) func dfFromOutput(_ y: Float) -> Float {
        switch self {
        case .identity: return 1
        case .relu: return y > 0 ? 1 : 0
        case .sigmoid: return y * (1 - y)
        case .tanh: return 1 - y * y
        case .softplus: return 1 - expf(-y)  // sigmoid(x) = 1 - exp(-softplus(x))
        }
    }

    func applyWithBias(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        switch self {
        case .identity:
            for i in 0..<rows { let r = y + i * cols; for j in 0..<cols { r[j] += bias[j] } }
        case .relu:
            for i in 0..<rows { let r = y + i * cols; for j in 0..<cols { let v = r[j] + bias[j]; r[j] = v > 0 ? v : 0 } }
        default:
            for i in 0..<rows { let r = y + i * cols; for j in 0..<cols { r[j] = f(r[j] + bias[j]) } }
        }
    }

    func backward(_ g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        switch self {
        case .identity: return
        case .relu: for i in 0..<count where y[i] <= 0 { g[i] = 0 }
        default: for i in 0..<count { g[i] *= dfFromOutput(y[i]) }
        }
    }
}


/// 1 / (1 + e^{-x}) without overflow for large |x|.
@inline(__always) public func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
}

/// log(1 + e^x), stable for large |x|.
@inline(__always) public func stableSoftplus(_ x: Float) -> Float {
    x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x))
}

extension Tensor {
    func unary(_ name: String, _ f: (Float) -> Float, grad df: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let y = scalars.map(f)
        return .result(y, shape: shape, op: name, inputs: [self]) { out in
            let g = out.grad!
            var gx = [Float](repeating: 0, count: g.count)
            for i in 0..<g.count { gx[i] = g[i] * df(self.scalars[i], out.scalars[i]) }
            self.accumulate(gx)
        }
    }

    /// max(x, 0)
    public func relu() -> Tensor { unary("relu", { $0 > 0 ? $0 : 0 }, grad: { x, _ in x > 0 ? 1 : 0 }) }
    /// 1 / (1 + e^{-x})
    public func sigmoid() -> Tensor { unary("sigmoid", stableSigmoid, grad: { _, y in y * (1 - y) }) }
    /// tanh(x)
    public func tanh() -> Tensor { unary("tanh", { tanhf($0) }, grad: { _, y in 1 - y * y }) }
    /// log(1 + e^x)
    public func softplus() -> Tensor { unary("softplus", stableSoftplus, grad: { x, _ in stableSigmoid(x) }) }
    /// e^x
    public func exp() -> Tensor { unary("exp", expf, grad: { _, y in y }) }
    /// Natural logarithm.
    public func log() -> Tensor { unary("log", logf, grad: { x, _ in 1 / x }) }
    /// Square root.
    public func sqrt() -> Tensor { unary("sqrt", sqrtf, grad: { _, y in 0.5 / y }) }
    /// x²
    public func squared() -> Tensor { unary("square", { $0 * $0 }, grad: { x, _ in 2 * x }) }
    /// -x
    public static prefix func - (x: Tensor) -> Tensor { x.unary("neg", { -$0 }, grad: { _, _ in -1 }) }
    /// Applies an `Activation`.
    public func apply(_ a: Activation) -> Tensor {
        switch a {
        case .identity: return self
        case .relu: return relu()
        case .sigmoid: return sigmoid()
        case .tanh: return tanh()
        case .softplus: return softplus()
        }
    }
}

// MARK: - Elementwise binary ops with broadcasting

/// How an operand maps onto the output: same shape, one value, a row vector repeated
/// down the rows, or a column vector repeated across the columns.
enum Broadcast: Equatable { case full, scalar, row, column }

func broadcastShape(_ a: Tensor, _ b: Tensor) -> ([Int], Broadcast, Broadcast) {
    if a.shape == b.shape { return (a.shape, .full, .full) }
    if b.count == 1 && a.count >= 1 && b.shape.count <= a.shape.count { return (a.shape, .full, .scalar) }
    if a.count == 1 && a.shape.count <= b.shape.count { return (b.shape, .scalar, .full) }
    func fits(_ small: Tensor, _ big: Tensor) -> Broadcast? {
        guard big.shape.count == 2 else { return nil }
        let (m, n) = (big.shape[0], big.shape[1])
        if small.shape == [n] || small.shape == [1, n] { return .row }
        if small.shape == [m, 1] { return .column }
        return nil
    }
    if let kb = fits(b, a) { return (a.shape, .full, kb) }
    if let ka = fits(a, b) { return (b.shape, ka, .full) }
    preconditionFailure("cannot broadcast shapes \(a.shape) and \(b.shape)")
}

@inline(__always) func bindex(_ k: Broadcast, _ i: Int, _ cols: Int) -> Int {
    switch k {
    case .full: return i
    case .scalar: return 0
    case .row: return i % cols
    case .column: return i / cols
    }
}

extension Tensor {
    static func binary(_ a: Tensor, _ b: Tensor, _ name: String, _ f: (Float, Float) -> Float,
                       da: @escaping (Float, Float) -> Float, db: @escaping (Float, Float) -> Float) -> Tensor {
        let (shape, ka, kb) = broadcastShape(a, b)
        let n = shape.reduce(1, *)
        let cols = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : max(n, 1)
        var y = [Float](repeating: 0, count: n)
        if ka == .full && kb == .full {
            for i in 0..<n { y[i] = f(a.scalars[i], b.scalars[i]) }
        } else {
            for i in 0..<n { y[i] = f(a.scalars[bindex(ka, i, cols)], b.scalars[bindex(kb, i, cols)]) }
        }
        return .result(y, shape: shape, op: name, inputs: [a, b]) { out in
            let g = out.grad!
            if a.requiresGrad {
                var ga = [Float](repeating: 0, count: a.count)
                for i in 0..<n {
                    let ia = bindex(ka, i, cols)
                    ga[ia] += g[i] * da(a.scalars[ia], b.scalars[bindex(kb, i, cols)])
                }
                a.accumulate(ga)
            }
            if b.requiresGrad {
                var gb = [Float](repeating: 0, count: b.count)
                for i in 0..<n {
                    let ib = bindex(kb, i, cols)
                    gb[ib] += g[i] * db(a.scalars[bindex(ka, i, cols)], b.scalars[ib])
                }
                b.accumulate(gb)
            }
        }
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, "add", +, da: { _, _ in 1 }, db: { _, _ in 1 }) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, "sub", -, da: { _, _ in 1 }, db: { _, _ in -1 }) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, "mul", *, da: { _, y in y }, db: { x, _ in x }) }
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, "div", /, da: { _, y in 1 / y }, db: { x, y in -x / (y * y) })
    }
    public static func + (a: Tensor, s: Float) -> Tensor { a + Tensor(s) }
    public static func + (s: Float, a: Tensor) -> Tensor { Tensor(s) + a }
    public static func - (a: Tensor, s: Float) -> Tensor { a - Tensor(s) }
    public static func - (s: Float, a: Tensor) -> Tensor { Tensor(s) - a }
    public static func * (a: Tensor, s: Float) -> Tensor { a * Tensor(s) }
    public static func * (s: Float, a: Tensor) -> Tensor { Tensor(s) * a }
    public static func / (a: Tensor, s: Float) -> Tensor { a / Tensor(s) }
}

// MARK: - Shape and reductions

extension Tensor {
    /// The same elements with another shape (one dimension may be -1).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let k = s.firstIndex(of: -1) {
            let rest = s.enumerated().filter { $0.offset != k }.map(\.element).reduce(1, *)
            s[k] = count / max(rest, 1)
        }
        precondition(s.reduce(1, *) == count, "reshaped: \(shape) has \(count) elements, \(newShape) does not")
        return .result(scalars, shape: s, op: "reshape", inputs: [self]) { out in self.accumulate(out.grad!) }
    }

    /// Sum of all elements (a scalar).
    public func sum() -> Tensor {
        var s: Float = 0
        for v in scalars { s += v }
        return .result([s], shape: [], op: "sum", inputs: [self]) { out in
            self.accumulate([Float](repeating: out.grad![0], count: self.count))
        }
    }

    /// Mean of all elements (a scalar).
    public func mean() -> Tensor { sum() / Float(max(count, 1)) }

    /// Sums a matrix along `axis` (0: down the columns → `[cols]`, 1: along each row → `[rows]`).
    public func sum(axis: Int) -> Tensor {
        precondition(shape.count == 2 && (axis == 0 || axis == 1), "sum(axis:) needs a matrix and axis 0 or 1")
        let (m, n) = (shape[0], shape[1])
        var y = [Float](repeating: 0, count: axis == 0 ? n : m)
        for i in 0..<m { for j in 0..<n { y[axis == 0 ? j : i] += scalars[i * n + j] } }
        return .result(y, shape: [axis == 0 ? n : m], op: "sum(axis: \(axis))", inputs: [self]) { out in
            let g = out.grad!
            var gx = [Float](repeating: 0, count: m * n)
            for i in 0..<m { for j in 0..<n { gx[i * n + j] = g[axis == 0 ? j : i] } }
            self.accumulate(gx)
        }
    }

    /// Mean of a matrix along `axis`.
    public func mean(axis: Int) -> Tensor { sum(axis: axis) / Float(shape[axis]) }

    /// log Σ_j exp(x_ij) along each row (axis 1) of a matrix, computed stably by
    /// subtracting the row maximum first. Returns `[rows]`.
    public func logSumExp(axis: Int = 1) -> Tensor {
        precondition(shape.count == 2 && axis == 1, "logSumExp: needs a matrix, along axis 1")
        let (m, n) = (shape[0], shape[1])
        var y = [Float](repeating: 0, count: m)
        for i in 0..<m {
            var mx = -Float.infinity
            for j in 0..<n { mx = Swift.max(mx, scalars[i * n + j]) }
            if !mx.isFinite { y[i] = mx; continue }
            var s: Double = 0
            for j in 0..<n { s += Double(expf(scalars[i * n + j] - mx)) }
            y[i] = mx + Float(Glibc.log(s))
        }
        return .result(y, shape: [m], op: "logSumExp", inputs: [self]) { out in
            let g = out.grad!
            var gx = [Float](repeating: 0, count: m * n)
            for i in 0..<m { for j in 0..<n { gx[i * n + j] = g[i] * expf(self.scalars[i * n + j] - y[i]) } }
            self.accumulate(gx)
        }
    }

    /// log (1/n) Σ_j exp(x_ij): the stable log-mean-exp behind the IWAE bound.
    public func logMeanExp(axis: Int = 1) -> Tensor { logSumExp(axis: axis) - Float(Glibc.log(Double(shape[1]))) }
}


// MARK: - Losses

extension Tensor {
    /// Binary cross-entropy of targets `x ∈ [0,1]` under Bernoulli logits `self`, summed
    /// over each row: Σ_j max(l,0) − l·x + log(1 + e^{−|l|}). Stable for any logit; the
    /// gradient σ(l) − x is computed in the same pass. Returns `[rows]`.
    public func binaryCrossEntropy(logitsAgainst targets: Tensor) -> Tensor {
        precondition(shape == targets.shape, "binaryCrossEntropy: logits \(shape) vs targets \(targets.shape)")
        let m = rows, n = rowWidth
        var y = [Float](repeating: 0, count: m)
        // The vectorized kernel computes the loss and σ(l) − x together; keep the latter for backward.
        var dl = [Float](repeating: 0, count: m * n)
        scalars.withUnsafeBufferPointer { l in
            targets.scalars.withUnsafeBufferPointer { x in
                dl.withUnsafeMutableBufferPointer { g in
                    for i in 0..<m {
                        y[i] = Float(vae_bce(l.baseAddress! + i * n, x.baseAddress! + i * n, g.baseAddress! + i * n, n))
                    }
                }
            }
        }
        return .result(y, shape: [m], op: "binaryCrossEntropy", inputs: [self]) { out in
            let g = out.grad!
            for i in 0..<m { for j in 0..<n { dl[i * n + j] *= g[i] } }
            self.accumulate(dl)
        }
    }
}
