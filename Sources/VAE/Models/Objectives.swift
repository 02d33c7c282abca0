import Glibc

/// The evidence lower bound on a batch, E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)), with its two
/// terms kept apart. The numbers are means over the batch, in nats per example.
public struct ELBO: CustomStringConvertible {
    /// E_q[log p(x|z)], estimated with one reparameterized sample per example.
    public let reconstruction: Float
    /// KL(q ‖ p) (for a hierarchical model, the sum over levels).
    public let kl: Float
    /// KL per stochastic level, z1 first (one entry for a plain VAE).
    public let klPerLevel: [Float]
    /// reconstruction − kl.
    public var value: Float { reconstruction - kl }
    /// The training objective as a scalar on the tape: Σ_batch (−reconstruction + β·KL),
    /// the summed loss of the PyTorch example. Call `loss.backward()`.
    public let loss: Tensor
    /// Per-example ELBO, shape `[batch]`.
    public let perExample: Tensor

    public var description: String {
        "ELBO \(String(format4: value)) = reconstruction \(String(format4: reconstruction)) − KL \(String(format4: kl))"
    }
}

/// Options of the objective during training.
public struct ObjectiveOptions: Sendable {
    /// Weight β on the KL term (1 is the true ELBO).
    public var klWeight: Float = 1
    /// Free bits λ (nats per latent dimension, averaged over the batch): dimensions whose KL is
    /// below λ get no KL gradient, which keeps them from collapsing early. 0 turns it off.
    public var freeBits: Float = 0
    public init(klWeight: Float = 1, freeBits: Float = 0) { self.klWeight = klWeight; self.freeBits = freeBits }
}

/// KL per dimension (batch `[B, d]`) with free bits applied: Σ_d max(λ, mean_b KL_bd), as a
/// per-batch total spread evenly over the rows so that it sums like the plain KL.
func freeBitsKL(_ perDim: Tensor, lambda: Float) -> Tensor {
    let b = Float(perDim.rows)
    let meanPerDim = perDim.mean(axis: 0)  // [d]
    let clampedMean = meanPerDim.clamped(min: lambda)
    return clampedMean.sum() * b
}

/// Builds an `ELBO` from per-example log-likelihoods and KL terms.
func makeELBO(reconstruction rec: Tensor, klLevels: [Tensor], klLoss: Tensor? = nil, options: ObjectiveOptions = .init()) -> ELBO {
    let klTotal = klLevels.dropFirst().reduce(klLevels[0], +)
    let perExample = withoutGradients { rec - klTotal }
    let b = Float(rec.count)
    let loss = -rec.sum() + (klLoss ?? klTotal.sum()) * options.klWeight
    return ELBO(reconstruction: rec.scalars.reduce(0, +) / b,
                kl: klTotal.scalars.reduce(0, +) / b,
                klPerLevel: klLevels.map { $0.scalars.reduce(0, +) / b },
                loss: loss, perExample: perExample)
}

/// log (1/k) Σ_i exp(w_i) for a row of log-weights, computed stably (in Double).
public func logMeanExp(_ w: [Float]) -> Float {
    guard let mx = w.max(), mx.isFinite else { return w.max() ?? -.infinity }
    var s = 0.0
    for v in w { s += Glibc.exp(Double(v - mx)) }
    return mx + Float(Glibc.log(s / Double(w.count)))
}

/// Counts active latent units: dimensions whose posterior mean varies across the data,
/// Cov_x(E_q[z_d]) > `threshold` (0.01 in Burda et al.).
public func activeUnits(means: Tensor, threshold: Float = 0.01) -> Int {
    let (n, d) = (means.rows, means.rowWidth)
    guard n > 1 else { return 0 }
    var count = 0
    for j in 0..<d {
        var mean = 0.0, sq = 0.0
        for i in 0..<n { mean += Double(means.scalars[i * d + j]) }
        mean /= Double(n)
        for i in 0..<n { let v = Double(means.scalars[i * d + j]) - mean; sq += v * v }
        if sq / Double(n - 1) > Double(threshold) { count += 1 }
    }
    return count
}
