import CBLAS
import Glibc

/// A row-major, contiguous `Float32` array with a shape, and (when it takes part in a
/// computation that needs gradients) a node on the autodiff tape.
///
/// `Tensor` is a reference type, like micrograd's `Value` or a PyTorch tensor: a model's
/// parameters are tensors that the optimizer updates in place.
///
/// ```swift
/// let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
/// x.shape        // [2, 3]
/// x.row(1)       // [4, 5, 6]
/// x.doubles      // [[1, 2, 3], [4, 5, 6]] for plotting
/// ```
public final class Tensor {
    /// The extent of each dimension; `[]` is a scalar.
    public let shape: [Int]
    /// The elements in row-major order.
    public var scalars: [Float]
    /// The gradient of the last `backward()` with respect to this tensor (same layout as
    /// `scalars`), or `nil` if none flowed here.
    public var grad: [Float]?
    /// Whether gradients should flow to this tensor (parameters, or inputs you differentiate).
    public var requiresGrad: Bool

    // Tape: the tensors this one was computed from, and how to push its gradient to them.
    var parents: [Tensor] = []
    var backwardFn: ((Tensor) -> Void)?
    /// The name of the operation that produced this tensor ("leaf" for inputs), for errors.
    public internal(set) var op: String = "leaf"

    /// A tensor from its elements in row-major order and its shape.
    public init(_ scalars: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(scalars.count == shape.reduce(1, *),
                     "Tensor: \(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
        self.requiresGrad = requiresGrad
    }

    /// A rank-1 tensor.
    public convenience init(_ scalars: [Float]) { self.init(scalars, shape: [scalars.count]) }

    /// A scalar tensor.
    public convenience init(_ scalar: Float) { self.init([scalar], shape: []) }

    /// A matrix from rows of equal length.
    public convenience init(rows: [[Float]]) {
        let cols = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == cols }, "Tensor(rows:): ragged rows")
        self.init(rows.flatMap { $0 }, shape: [rows.count, cols])
    }

    /// A matrix from rows of `Double`s (what plotting code usually has).
    public convenience init(rows: [[Double]]) {
        self.init(rows: rows.map { $0.map(Float.init) })
    }

    /// All zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor([Float](repeating: 0, count: shape.reduce(1, *)), shape: shape)
    }

    /// All ones.
    public static func ones(_ shape: [Int]) -> Tensor {
        Tensor([Float](repeating: 1, count: shape.reduce(1, *)), shape: shape)
    }

    /// Standard normal entries drawn from `rng`.
    public static func randomNormal<G: RandomNumberGenerator>(_ shape: [Int], using rng: inout G) -> Tensor {
        let n = shape.reduce(1, *)
        var v = [Float](repeating: 0, count: n)
        fillNormal(&v, using: &rng)
        return Tensor(v, shape: shape)
    }

    /// Uniform entries in `range` drawn from `rng`.
    public static func randomUniform<G: RandomNumberGenerator>(_ shape: [Int], in range: ClosedRange<Float> = 0...1,
                                                              using rng: inout G) -> Tensor {
        let n = shape.reduce(1, *)
        let w = range.upperBound - range.lowerBound
        return Tensor((0..<n).map { _ in range.lowerBound + w * rng.uniform() }, shape: shape)
    }

    /// Number of elements.
    public var count: Int { scalars.count }
    /// Number of rows (first dimension; 1 for a scalar).
    public var rows: Int { shape.isEmpty ? 1 : shape[0] }
    /// Elements per row (product of the other dimensions).
    public var columns: Int { rowWidth }
    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(scalars.count == 1, "item: tensor of shape \(shape) has \(scalars.count) elements")
        return scalars[0]
    }

    /// Row `i` of a matrix (or element `i` of a vector, as a one-element array).
    public func row(_ i: Int) -> [Float] {
        let c = rowWidth
        precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
        return Array(scalars[i * c ..< (i + 1) * c])
    }

    /// The rows `range` as a new tensor (no gradient).
    public func rows(_ range: Range<Int>) -> Tensor {
        let c = rowWidth
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) out of range 0..<\(rows)")
        var s = shape
        if s.isEmpty { s = [1] }
        s[0] = range.count
        return Tensor(Array(scalars[range.lowerBound * c ..< range.upperBound * c]), shape: s)
    }

    /// The rows at `indices` as a new tensor (no gradient).
    public func rows(at indices: [Int]) -> Tensor {
        let c = rowWidth
        var out = [Float](repeating: 0, count: indices.count * c)
        for (k, i) in indices.enumerated() {
            precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
            for j in 0..<c { out[k * c + j] = scalars[i * c + j] }
        }
        var s = shape
        s[0] = indices.count
        return Tensor(out, shape: s)
    }

    /// Elements per row: 1 for vectors and scalars.
    var rowWidth: Int { shape.count >= 2 ? shape.dropFirst().reduce(1, *) : 1 }

    /// The tensor as rows of `Double`s, for plotting (a vector becomes one column).
    public var doubles: [[Double]] {
        let c = rowWidth
        return (0..<rows).map { i in (0..<c).map { Double(scalars[i * c + $0]) } }
    }

    /// The gradient as a tensor of the same shape, if any.
    public var gradient: Tensor? { grad.map { Tensor($0, shape: shape) } }

    /// A copy that is cut off from the tape (a constant).
    public func detached() -> Tensor { Tensor(scalars, shape: shape) }

    /// True when no element is NaN or infinite.
    public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        func fmt(_ x: Float) -> String {
            let s = String(format4: x)
            return s
        }
        if shape.isEmpty { return "Tensor(\(fmt(scalars[0])))" }
        if shape.count == 1 {
            let shown = scalars.prefix(8).map(fmt).joined(separator: ", ")
            return "Tensor([\(shown)\(scalars.count > 8 ? ", …" : "")], shape: \(shape))"
        }
        let c = rowWidth
        var lines: [String] = []
        for i in 0..<min(rows, 6) {
            let r = scalars[i * c ..< i * c + min(c, 8)].map(fmt).joined(separator: ", ")
            lines.append("  [\(r)\(c > 8 ? ", …" : "")]")
        }
        if rows > 6 { lines.append("  …") }
        return "Tensor(shape: \(shape),\n" + lines.joined(separator: "\n") + ")"
    }
}

extension String {
    /// Four significant decimals without Foundation.
    init(format4 x: Float) {
        if !x.isFinite { self = "\(x)"; return }
        let r = (Double(x) * 10_000).rounded() / 10_000
        self = "\(r)"
    }
}

// MARK: - Autodiff bookkeeping

/// The thread-specific slot behind `gradientRecording`: empty (the default of every thread)
/// means recording, any value means off.
private let tapeOffKey: pthread_key_t = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key, nil)
    precondition(rc == 0, "pthread_key_create: \(rc)")
    return key
}()

/// Whether operations on this thread record the tape. `withoutGradients` turns it off for
/// evaluation, on its own thread only: a model evaluated on one thread while another trains
/// on the tape must not switch the trainer's tape off (one shared flag did).
var gradientRecording: Bool {
    get { pthread_getspecific(tapeOffKey) == nil }
    set { pthread_setspecific(tapeOffKey, newValue ? nil : UnsafeRawPointer(bitPattern: 1)) }
}

/// Runs `body` without recording the tape: no backward closures, no parent links,
/// so evaluation allocates only the values it computes.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    let saved = gradientRecording
    gradientRecording = false
    defer { gradientRecording = saved }
    return try body()
}

extension Tensor {
    /// Builds the result of an op: links it to its inputs and keeps its backward rule when
    /// gradients are being recorded and some input needs them.
    static func result(_ scalars: [Float], shape: [Int], op: String, inputs: [Tensor],
                       backward: @escaping (Tensor) -> Void) -> Tensor {
        let out = Tensor(scalars, shape: shape)
        out.op = op
        if gradientRecording && inputs.contains(where: { $0.requiresGrad }) {
            out.requiresGrad = true
            out.parents = inputs
            out.backwardFn = backward
        }
        return out
    }

    /// Adds `g` into this tensor's gradient (allocating it at zero first).
    func accumulate(_ g: [Float]) {
        guard requiresGrad else { return }
        if grad == nil { grad = g; return }
        grad!.withUnsafeMutableBufferPointer { d in
            g.withUnsafeBufferPointer { s in
                for i in 0..<d.count { d[i] += s[i] }
            }
        }
    }

    /// Reverse-mode sweep: seeds this tensor's gradient with ones (or `seed`) and pushes
    /// gradients back through the tape in reverse topological order.
    public func backward(seed: [Float]? = nil) {
        precondition(seed != nil || scalars.count == 1,
                     "backward(): call it on a scalar (shape \(shape)) or pass a seed")
        var order: [Tensor] = []
        var seen = Set<ObjectIdentifier>()
        // Iterative depth-first post-order, so deep tapes do not overflow the stack.
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            if seen.contains(ObjectIdentifier(t)) { continue }
            seen.insert(ObjectIdentifier(t))
            stack.append((t, true))
            for p in t.parents where p.requiresGrad && !seen.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }
        grad = seed ?? [Float](repeating: 1, count: scalars.count)
        for t in order.reversed() {
            guard let fn = t.backwardFn, t.grad != nil else { continue }
            fn(t)
        }
    }

    /// Clears the gradient.
    public func zeroGrad() { grad = nil }
}
