import Glibc

/// The variational autoencoder of Kingma & Welling with the PyTorch example's shape:
/// encoder x → ReLU hidden → (μ, log σ²); decoder z → ReLU hidden → Bernoulli logits.
public final class VAE: Module {
    public let encoder: GaussianEncoder
    /// z → logits of p(x|z).
    public let decoder: MLP
    public let inputSize: Int, latentSize: Int, hiddenSizes: [Int]

    /// A VAE `inputSize → hiddenSize → latentSize` and back (784-400-20 is the PyTorch example).
    public convenience init<G: RandomNumberGenerator>(inputSize: Int, hiddenSize: Int, latentSize: Int, using rng: inout G) {
        self.init(inputSize: inputSize, hiddenSizes: [hiddenSize], latentSize: latentSize, using: &rng)
    }

    /// A VAE with several hidden layers (the decoder mirrors the encoder).
    public init<G: RandomNumberGenerator>(inputSize: Int, hiddenSizes: [Int], latentSize: Int, using rng: inout G) {
        self.inputSize = inputSize; self.latentSize = latentSize; self.hiddenSizes = hiddenSizes
        encoder = GaussianEncoder(inputSize: inputSize, hiddenSizes: hiddenSizes, latentSize: latentSize, using: &rng)
        decoder = MLP([latentSize] + hiddenSizes.reversed() + [inputSize], activation: .relu, using: &rng)
    }

    public var parameters: [Tensor] { encoder.parameters + decoder.parameters }

    /// q(z|x).
    public func encode(_ x: Tensor) -> DiagonalGaussian { encoder(x) }

    /// p(x|z) as Bernoulli logits.
    public func likelihood(_ z: Tensor) -> Bernoulli { Bernoulli(logits: decoder(z)) }

    /// The decoder's pixel probabilities σ(logits) for each row of z, in [0, 1].
    public func decode(_ z: Tensor) -> Tensor { likelihood(z).probabilities }

    /// log p(x|z) for each row, shape `[batch]`. x and z have the same number of rows, or x has
    /// one row and is paired with every row of z (e.g. a grid of z for one image).
    public func logLikelihood(_ x: Tensor, given z: Tensor) -> Tensor {
        let xr = x.rows == 1 && z.rows > 1 ? x.rows(at: Array(repeating: 0, count: z.rows)) : x
        return likelihood(z).logProb(xr)
    }

    /// log p(x, z) = log p(x|z) + log N(z; 0, I) for each row of z (x broadcast as in
    /// `logLikelihood`): the unnormalized log posterior over z for a fixed x.
    public func logJoint(_ x: Tensor, _ z: Tensor) -> Tensor {
        logLikelihood(x, given: z) + DiagonalGaussian.standardNormal(z.shape).logProb(z)
    }

    /// Decodes a batch of latent points without recording gradients, e.g. a grid over a 2-D
    /// latent space for a figure; returns probabilities `[n, inputSize]`.
    public func generate(from z: Tensor) -> Tensor { withoutGradients { decode(z) } }

    /// Samples from the prior and decodes: `n` images (probabilities).
    public func generate<G: RandomNumberGenerator>(count n: Int, using rng: inout G) -> Tensor {
        generate(from: .randomNormal([n, latentSize], using: &rng))
    }

    /// The ELBO on a batch with one reparameterized sample per example. Gradients flow to the
    /// parameters through `elbo.loss`.
    public func elbo<G: RandomNumberGenerator>(_ x: Tensor, options: ObjectiveOptions = .init(), using rng: inout G) -> ELBO {
        let q = encode(x)
        let z = q.sample(using: &rng)
        let rec = logLikelihood(x, given: z)
        let klTerm = q.klToStandardNormal()
        let klLoss = options.freeBits > 0 ? freeBitsKL(q.klPerDimensionToStandardNormal(), lambda: options.freeBits) : nil
        return makeELBO(reconstruction: rec, klLevels: [klTerm], klLoss: klLoss, options: options)
    }

    /// The importance-weighted bound (Burda et al.) with k samples, averaged over the batch:
    /// mean_x log (1/k) Σ_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x). It is ≥ the ELBO on average and
    /// rises toward log p(x) as k grows. Computed without a tape, in chunks.
    public func iwae<G: RandomNumberGenerator>(_ x: Tensor, samples k: Int, using rng: inout G) -> Float {
        let w = logImportanceWeights(x, samples: k, using: &rng)
        var total = 0.0
        for i in 0..<x.rows { total += Double(logMeanExp(Array(w[i * k ..< (i + 1) * k]))) }
        return Float(total / Double(x.rows))
    }

    /// log p(x, z_i) − log q(z_i|x) for k samples per row, laid out row by row (`[rows·k]`).
    public func logImportanceWeights<G: RandomNumberGenerator>(_ x: Tensor, samples k: Int, using rng: inout G) -> [Float] {
        withoutGradients {
            var out: [Float] = []
            out.reserveCapacity(x.rows * k)
            let chunk = max(1, 4096 / k)
            var start = 0
            while start < x.rows {
                let xb = x.rows(start ..< min(start + chunk, x.rows))
                let q = encode(xb)
                // Repeat each row k times: [b·k, d].
                let idx = (0..<xb.rows).flatMap { Array(repeating: $0, count: k) }
                let xr = xb.rows(at: idx), mu = q.mean.rows(at: idx), lv = q.logVariance.rows(at: idx)
                let qr = DiagonalGaussian(mean: mu, logVariance: lv)
                let z = qr.sample(using: &rng)
                let logpxz = logLikelihood(xr, given: z)
                let logpz = DiagonalGaussian.standardNormal(z.shape).logProb(z)
                let logq = qr.logProb(z)
                for i in 0..<z.rows { out.append(logpxz.scalars[i] + logpz.scalars[i] - logq.scalars[i]) }
                start += chunk
            }
            return out
        }
    }
}

extension VAE {
    /// Parameters with readable names, in checkpoint order.
    public var namedParameters: [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        for (i, l) in encoder.trunk.enumerated() { out += l.named("encoder.trunk[\(i)]") }
        out += encoder.meanHead.named("encoder.meanHead") + encoder.logVarianceHead.named("encoder.logVarianceHead")
        for (i, l) in decoder.layers.enumerated() { out += l.named("decoder.layers[\(i)]") }
        return out
    }
}
