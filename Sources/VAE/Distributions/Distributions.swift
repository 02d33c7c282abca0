import Glibc

let log2pi = Float(Glibc.log(2 * Double.pi))

/// A Gaussian with diagonal covariance, one per row: `N(mean, diag(exp(logVariance)))`.
/// This is what an encoder returns for q(z|x).
public struct DiagonalGaussian {
    /// μ, shape `[batch, dims]`.
    public let mean: Tensor
    /// log σ², same shape as `mean`.
    public let logVariance: Tensor

    public init(mean: Tensor, logVariance: Tensor) {
        precondition(mean.shape == logVariance.shape, "DiagonalGaussian: mean \(mean.shape) vs logVariance \(logVariance.shape)")
        self.mean = mean
        self.logVariance = logVariance
    }

    /// N(0, I) with the given shape.
    public static func standardNormal(_ shape: [Int]) -> DiagonalGaussian {
        DiagonalGaussian(mean: .zeros(shape), logVariance: .zeros(shape))
    }

    /// σ = exp(½ log σ²).
    public var standardDeviation: Tensor { (logVariance * 0.5).exp() }

    /// The reparameterized draw z = μ + σ ⊙ ε with ε ~ N(0, I): differentiable in μ and σ.
    public func sample<G: RandomNumberGenerator>(using rng: inout G) -> Tensor {
        sample(noise: .randomNormal(mean.shape, using: &rng))
    }

    /// z = μ + σ ⊙ ε for a given ε (so a lesson can show the same ε through two paths).
    public func sample(noise eps: Tensor) -> Tensor { mean + standardDeviation * eps }

    /// A draw with no gradient path (the "plain" sampler the score-function estimator needs).
    public func sampleWithoutGradient<G: RandomNumberGenerator>(using rng: inout G) -> Tensor {
        withoutGradients { sample(using: &rng) }.detached()
    }

    /// log N(z; μ, σ²) summed over dimensions: one value per row, shape `[batch]`.
    public func logProb(_ z: Tensor) -> Tensor {
        let d = z - mean
        let perDim = (d.squared() * (-logVariance).exp() + logVariance + log2pi) * -0.5
        return perDim.rowSums()
    }

    /// KL(self ‖ N(0, I)) per row in closed form: −½ Σ (1 + log σ² − μ² − σ²). Shape `[batch]`.
    public func klToStandardNormal() -> Tensor { klPerDimensionToStandardNormal().rowSums() }

    /// KL(self ‖ N(0, I)) for each row and dimension, shape `[batch, dims]` (for free bits and active units).
    public func klPerDimensionToStandardNormal() -> Tensor {
        (1 + logVariance - mean.squared() - logVariance.exp()) * -0.5
    }

    /// KL(self ‖ p) per row for another diagonal Gaussian p, in closed form:
    /// ½ Σ (log σp² − log σq² + (σq² + (μq − μp)²)/σp² − 1).
    public func kl(to p: DiagonalGaussian) -> Tensor {
        let d = mean - p.mean
        let perDim = (p.logVariance - logVariance + (logVariance.exp() + d.squared()) * (-p.logVariance).exp() - 1) * 0.5
        return perDim.rowSums()
    }
}

/// KL(q ‖ N(0, I)) per row, in closed form.
public func kl(_ q: DiagonalGaussian) -> Tensor { q.klToStandardNormal() }
/// KL(q ‖ p) per row, in closed form.
public func kl(_ q: DiagonalGaussian, _ p: DiagonalGaussian) -> Tensor { q.kl(to: p) }

/// Independent Bernoulli variables given by their logits, one row per example: the decoder's
/// p(x|z) for (binarized or continuous) pixels.
public struct Bernoulli {
    /// Logits l, so that p = σ(l).
    public let logits: Tensor
    public init(logits: Tensor) { self.logits = logits }

    /// Probabilities σ(l).
    public var probabilities: Tensor { logits.sigmoid() }

    /// log p(x) = −BCE(l, x) summed over the row, stable for large logits. Also used for
    /// continuous x ∈ [0,1], as the PyTorch VAE example does. Shape `[batch]`.
    public func logProb(_ x: Tensor) -> Tensor { -logits.binaryCrossEntropy(logitsAgainst: x) }

    /// A 0/1 draw.
    public func sample<G: RandomNumberGenerator>(using rng: inout G) -> Tensor {
        let p = withoutGradients { probabilities }
        return Tensor(p.scalars.map { rng.uniform() < $0 ? 1 : 0 }, shape: p.shape)
    }
}

/// Binary cross-entropy between probabilities `p` and targets `x` in [0,1], summed over each
/// row, written as the PyTorch example's `F.binary_cross_entropy(recon_x, x, reduction='sum')`
/// with its clamp of log at −100. Prefer `Bernoulli(logits:)`: it is exact for large logits.
public func binaryCrossEntropy(probabilities p: Tensor, targets x: Tensor) -> Tensor {
    let lp = p.log().clamped(min: -100), l1p = (1 - p).log().clamped(min: -100)
    return -(x * lp + (1 - x) * l1p).rowSums()
}

extension Tensor {
    /// Sums each row: `[batch, d]` → `[batch]`; a vector is already one value per row.
    public func rowSums() -> Tensor { shape.count == 2 ? sum(axis: 1) : self }

    /// max(x, min), with gradient 0 where clamped.
    public func clamped(min lo: Float) -> Tensor {
        unary("clamp", { Swift.max($0, lo) }, grad: { x, _ in x >= lo ? 1 : 0 })
    }
}
