/// Two ways to estimate ∇ E_{z~q}[f(z)] with respect to q's parameters.
public enum GradientEstimator: String, Sendable, CaseIterable {
    /// REINFORCE / likelihood ratio: f(z) ∇ log q(z), z drawn without a gradient path.
    case scoreFunction
    /// Pathwise: z = μ + σ ⊙ ε, then ∇ f(z) through the sample.
    case reparameterized
}

/// Per-sample gradient estimates of E_q[f(z)] for a diagonal Gaussian q with one row of
/// parameters: row i is the estimate from sample i.
public struct GradientSamples {
    /// ∂/∂μ estimates, `[samples, dims]`.
    public let mean: Tensor
    /// ∂/∂ log σ² estimates, `[samples, dims]`.
    public let logVariance: Tensor

    /// The averaged ∂/∂μ estimate per dimension.
    public var meanGradient: [Float] { columnMeans(mean) }
    /// The sample variance of the ∂/∂μ estimates per dimension.
    public var meanGradientVariance: [Float] { columnVariances(mean) }
    /// The averaged ∂/∂log σ² estimate per dimension.
    public var logVarianceGradient: [Float] { columnMeans(logVariance) }
    /// The sample variance of the ∂/∂log σ² estimates per dimension.
    public var logVarianceGradientVariance: [Float] { columnVariances(logVariance) }
    /// Total variance over all parameters (the trace of the estimator's covariance).
    public var totalVariance: Float { meanGradientVariance.reduce(0, +) + logVarianceGradientVariance.reduce(0, +) }
}

func columnMeans(_ t: Tensor) -> [Float] {
    let (n, d) = (t.rows, t.rowWidth)
    var m = [Double](repeating: 0, count: d)
    for i in 0..<n { for j in 0..<d { m[j] += Double(t.scalars[i * d + j]) } }
    return m.map { Float($0 / Double(n)) }
}

func columnVariances(_ t: Tensor) -> [Float] {
    let (n, d) = (t.rows, t.rowWidth)
    let m = columnMeans(t)
    var v = [Double](repeating: 0, count: d)
    for i in 0..<n { for j in 0..<d { let e = Double(t.scalars[i * d + j] - m[j]); v[j] += e * e } }
    return v.map { Float($0 / Double(max(n - 1, 1))) }
}

/// Draws `samples` single-sample gradient estimates of ∇_{μ, log σ²} E_{z~N(μ, σ²)}[f(z)].
///
/// `f` maps a batch of z, `[n, d]`, to one value per row, `[n]`, and must be built from tensor
/// ops (so the reparameterized estimator can differentiate it). With `baseline`, the score
/// function subtracts the mean of f over the samples (a standard variance reduction).
public func gradientSamples<G: RandomNumberGenerator>(
    of f: (Tensor) -> Tensor, mean mu: [Float], logVariance lv: [Float], estimator: GradientEstimator,
    samples n: Int, baseline: Bool = false, using rng: inout G
) -> GradientSamples {
    let d = mu.count
    precondition(lv.count == d, "gradientSamples: mean and logVariance sizes differ")
    let sigma = lv.map { expf(0.5 * $0) }
    let eps = Tensor.randomNormal([n, d], using: &rng)
    var z = [Float](repeating: 0, count: n * d)
    for i in 0..<n { for j in 0..<d { z[i * d + j] = mu[j] + sigma[j] * eps.scalars[i * d + j] } }
    var gMu = [Float](repeating: 0, count: n * d), gLv = gMu
    switch estimator {
    case .reparameterized:
        // Rows are independent, so d(sum f)/dz row i is sample i's own pathwise gradient.
        let zt = Tensor(z, shape: [n, d], requiresGrad: true)
        f(zt).sum().backward()
        let g = zt.grad!
        for k in 0..<(n * d) {
            let j = k % d
            gMu[k] = g[k]
            gLv[k] = g[k] * eps.scalars[k] * sigma[j] * 0.5  // dz/dlogσ² = ε σ / 2
        }
    case .scoreFunction:
        let fz = withoutGradients { f(Tensor(z, shape: [n, d])) }.scalars
        let b: Float = baseline ? fz.reduce(0, +) / Float(n) : 0
        for i in 0..<n {
            for j in 0..<d {
                let k = i * d + j, e = eps.scalars[k]
                gMu[k] = (fz[i] - b) * e / sigma[j]          // ∂ log q/∂μ = (z − μ)/σ² = ε/σ
                gLv[k] = (fz[i] - b) * 0.5 * (e * e - 1)     // ∂ log q/∂ log σ² = ½((z−μ)²/σ² − 1)
            }
        }
    }
    return GradientSamples(mean: Tensor(gMu, shape: [n, d]), logVariance: Tensor(gLv, shape: [n, d]))
}

import Glibc
