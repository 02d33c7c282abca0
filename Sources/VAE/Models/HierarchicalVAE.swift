/// A hierarchical VAE with T stochastic levels and the Markov structure of the post:
///
///     q(z₁,…,z_T | x) = q(z₁|x) ∏_{t=2}^{T} q(z_t|z_{t−1})
///     p(x, z₁,…,z_T)  = p(z_T) p(x|z₁) ∏_{t=2}^{T} p(z_{t−1}|z_t)
///
/// Every conditional is a one-hidden-layer ReLU network: Gaussian for the latents, Bernoulli
/// logits for x. `HierarchicalVAE(inputSize: 784, hiddenSizes: [400, 200], latentSizes: [32, 16])`
/// is the protocol's 784-400-32, 32-200-16 encoder and 16-200-32, 32-400-784 decoder.
public final class HierarchicalVAE: Module {
    /// q(z₁|x), q(z₂|z₁), …
    public let encoders: [GaussianEncoder]
    /// p(z₁|z₂), p(z₂|z₃), … (T−1 of them)
    public let priors: [GaussianEncoder]
    /// p(x|z₁) as logits.
    public let decoder: MLP
    public let inputSize: Int, hiddenSizes: [Int], latentSizes: [Int]
    public var levels: Int { latentSizes.count }

    public init<G: RandomNumberGenerator>(inputSize: Int, hiddenSizes: [Int], latentSizes: [Int], using rng: inout G) {
        precondition(!latentSizes.isEmpty && hiddenSizes.count == latentSizes.count,
                     "HierarchicalVAE: one hidden size per level (\(hiddenSizes) vs \(latentSizes))")
        self.inputSize = inputSize; self.hiddenSizes = hiddenSizes; self.latentSizes = latentSizes
        let ins = [inputSize] + latentSizes.dropLast()
        encoders = (0..<latentSizes.count).map {
            GaussianEncoder(inputSize: ins[$0], hiddenSizes: [hiddenSizes[$0]], latentSize: latentSizes[$0], using: &rng)
        }
        priors = (1..<latentSizes.count).map {
            GaussianEncoder(inputSize: latentSizes[$0], hiddenSizes: [hiddenSizes[$0]], latentSize: latentSizes[$0 - 1], using: &rng)
        }
        decoder = MLP([latentSizes[0], hiddenSizes[0], inputSize], activation: .relu, using: &rng)
    }

    public var parameters: [Tensor] { namedParameters.map(\.1) }

    public var namedParameters: [(String, Tensor)] {
        func enc(_ e: GaussianEncoder, _ p: String) -> [(String, Tensor)] {
            e.trunk.enumerated().flatMap { $1.named("\(p).trunk[\($0)]") } + e.meanHead.named("\(p).meanHead")
                + e.logVarianceHead.named("\(p).logVarianceHead")
        }
        var out: [(String, Tensor)] = []
        for (t, e) in encoders.enumerated() { out += enc(e, "q(z\(t + 1)|\(t == 0 ? "x" : "z\(t)"))") }
        for (t, p) in priors.enumerated() { out += enc(p, "p(z\(t + 1)|z\(t + 2))") }
        for (i, l) in decoder.layers.enumerated() { out += l.named("p(x|z1).layers[\(i)]") }
        return out
    }

    /// Samples the whole inference chain z₁ ~ q(z₁|x), z₂ ~ q(z₂|z₁), …; returns each level's
    /// q and its sample.
    public func encode<G: RandomNumberGenerator>(_ x: Tensor, using rng: inout G) -> [(q: DiagonalGaussian, z: Tensor)] {
        var h = x
        var out: [(DiagonalGaussian, Tensor)] = []
        for e in encoders {
            let q = e(h)
            let z = q.sample(using: &rng)
            out.append((q, z))
            h = z
        }
        return out
    }

    /// p(x|z₁) pixel probabilities.
    public func decode(_ z1: Tensor) -> Tensor { decoder(z1).sigmoid() }

    /// Ancestral samples x ~ p(x|z₁), z₁ ~ p(z₁|z₂), …, z_T ~ N(0, I): returns probabilities.
    public func generate<G: RandomNumberGenerator>(count n: Int, using rng: inout G) -> Tensor {
        withoutGradients {
            var z = Tensor.randomNormal([n, latentSizes.last!], using: &rng)
            for p in priors.reversed() { z = p(z).sample(using: &rng) }
            return decode(z)
        }
    }

    /// Per-example terms of one sample of the chain: log p(x|z₁) and, per level, the KL term
    /// (closed form at the top level, log q − log p at the sample below it).
    func terms<G: RandomNumberGenerator>(_ x: Tensor, using rng: inout G) -> (rec: Tensor, kl: [Tensor], logp: Tensor, logq: Tensor) {
        let chain = encode(x, using: &rng)
        let rec = Bernoulli(logits: decoder(chain[0].z)).logProb(x)
        var kls: [Tensor] = []
        var logp = rec, logq: Tensor? = nil
        for t in 0..<levels {
            let (q, z) = chain[t]
            let lq = q.logProb(z)
            logq = logq.map { $0 + lq } ?? lq
            if t == levels - 1 {
                let lp = DiagonalGaussian.standardNormal(z.shape).logProb(z)
                logp = logp + lp
                kls.append(q.klToStandardNormal())
            } else {
                let lp = priors[t](chain[t + 1].z).logProb(z)
                logp = logp + lp
                kls.append(lq - lp)
            }
        }
        return (rec, kls, logp, logq!)
    }

    /// The ELBO on a batch (one sample of the chain), with the KL reported per level.
    public func elbo<G: RandomNumberGenerator>(_ x: Tensor, options: ObjectiveOptions = .init(), using rng: inout G) -> ELBO {
        let t = terms(x, using: &rng)
        return makeELBO(reconstruction: t.rec, klLevels: t.kl, options: options)
    }

    /// The importance-weighted bound with k samples of the chain, averaged over the batch.
    public func iwae<G: RandomNumberGenerator>(_ x: Tensor, samples k: Int, using rng: inout G) -> Float {
        withoutGradients {
            var total = 0.0
            let chunk = max(1, 4096 / k)
            var s = 0
            while s < x.rows {
                let xb = x.rows(s ..< min(s + chunk, x.rows))
                let xr = xb.rows(at: (0..<xb.rows).flatMap { Array(repeating: $0, count: k) })
                let t = terms(xr, using: &rng)
                let w = (t.logp - t.logq).scalars
                for i in 0..<xb.rows { total += Double(logMeanExp(Array(w[i * k ..< (i + 1) * k]))) }
                s += chunk
            }
            return Float(total / Double(x.rows))
        }
    }
}
