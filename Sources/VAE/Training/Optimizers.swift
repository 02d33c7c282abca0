import Glibc

/// Something that updates parameters from their gradients.
public protocol Optimizer {
    /// Applies one update using each parameter's current `grad` (parameters without one are skipped).
    mutating func step()
}

/// Adam (Kingma & Ba), with PyTorch's defaults and its exact update order:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·m̂ / (√v̂ + ε).
public struct Adam: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public var beta1: Float, beta2: Float, epsilon: Float
    public private(set) var stepCount = 0
    private var m: [[Float]], v: [[Float]]

    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        m = parameters.map { [Float](repeating: 0, count: $0.count) }
        v = m
    }

    public mutating func step() {
        stepCount += 1
        let c1 = 1 - powf(beta1, Float(stepCount)), c2 = 1 - powf(beta2, Float(stepCount))
        for (k, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            adamUpdate(&p.scalars, g, &m[k], &v[k], lr: learningRate, beta1: beta1, beta2: beta2,
                       epsilon: epsilon, c1: c1, c2: c2)
        }
    }
}

/// One Adam pass over a parameter array (the vectorized kernel behind `adamSIMD`).
func adamUpdate(_ p: inout [Float], _ g: [Float], _ m: inout [Float], _ v: inout [Float], lr: Float,
                beta1: Float, beta2: Float, epsilon: Float, c1: Float, c2: Float) {
    let n = p.count
    p.withUnsafeMutableBufferPointer { pp in
        g.withUnsafeBufferPointer { gp in
            m.withUnsafeMutableBufferPointer { mp in
                v.withUnsafeMutableBufferPointer { vp in
                    adamSIMD(pp.baseAddress!, UnsafeMutablePointer(mutating: gp.baseAddress!), mp.baseAddress!, vp.baseAddress!, range: 0..<n,
                             lr: lr, beta1: beta1, beta2: beta2, epsilon: epsilon, c1: c1, c2: c2)
                }
            }
        }
    }
}
