// # The VAE engine
//
// Float32 tensors with reverse-mode autodiff on OpenBLAS; autoencoder, VAE and hierarchical
// VAE; ELBO and IWAE; Fashion-MNIST and toy 2-D data. Lesson cells use it like this:
//
// ```swift
// import VAE
// var rng = SeededGenerator(seed: 1)
// let data = try FashionMNIST.load(split: .train, limit: 10_000)   // .images [n, 784] in [0,1], .labels
// let vae = VAE(inputSize: 784, hiddenSize: 400, latentSize: 2, using: &rng)
// let report = try vae.train(on: data.images, epochs: 5, batchSize: 128, learningRate: 1e-3, using: &rng)
// print(report)                                   // one line per epoch: -ELBO, reconstruction, KL, samples/s
// let x = data.images.rows(0..<16)
// let q = vae.encode(x)                           // DiagonalGaussian: q.mean, q.logVariance  ([16, 2])
// let z = q.sample(using: &rng)                   // μ + σ ⊙ ε, differentiable in μ and σ
// let xHat = vae.decode(z)                        // pixel probabilities in [0,1]
// let elbo = vae.elbo(x, using: &rng)             // elbo.reconstruction, elbo.kl, elbo.value (nats/example)
// let iwae = vae.iwae(x, samples: 100, using: &rng)   // log p(x) estimate (≥ ELBO on average)
// let logPxz = vae.logLikelihood(x.rows(0..<1), given: zGrid)  // log p(x|z) for one x at many z
// let logJoint = vae.logJoint(x.rows(0..<1), zGrid)            // log p(x|z) + log p(z): unnormalized posterior
// let images = vae.generate(count: 16, using: &rng)            // decode z ~ N(0, I)
// ```
//
// Tensors: `Tensor([Float], shape:)`, `Tensor(rows: [[Double]])`, `.scalars`, `.shape`, `.row(i)`,
// `.rows(range)`, `.doubles` ([[Double]] for plots), `.item`. Ops: `+ - * /` with row/column
// broadcasting, `matmul(a, b, transposeA:, transposeB:)`, `linear`, `.relu() .sigmoid() .tanh()
// .softplus() .exp() .log() .squared()`, `.sum() .sum(axis:) .mean() .logSumExp()`.
// Gradients: give leaves `requiresGrad: true`, build a scalar, call `.backward()`, read `.grad`;
// `withoutGradients { ... }` records no tape.
//
// Distributions: `DiagonalGaussian(mean:logVariance:)` with `sample(using:)`, `sample(noise:)`,
// `logProb`, `kl(q)` (to N(0, I)) and `kl(q, p)` in closed form; `Bernoulli(logits:)` with a stable
// `logProb`; `binaryCrossEntropy(probabilities:targets:)` as in the PyTorch example.
//
// Models: `VAE`, `HierarchicalVAE(inputSize:hiddenSizes:latentSizes:)` (KL per level in
// `elbo.klPerLevel` and `EpochMetrics.klPerLevel`), `Autoencoder`. Training options
// (`TrainingOptions`): KL warm-up epochs, free bits, dynamic binarization, validation data,
// per-epoch callbacks. `activeUnits(means:)` counts active latent dimensions.
//
// Gradient estimators: `gradientSamples(of: f, mean:, logVariance:, estimator: .scoreFunction /
// .reparameterized, samples:, using:)` gives per-sample gradient estimates, their mean and variance.
// Data: `FashionMNIST.load(split:limit:directory:)` (Debian's dataset-fashion-mnist, or
// FASHION_MNIST_DIR), `FashionMNIST.binarize`, `SyntheticData.gaussianMixture`, `.twoMoons`.
// Checkpoints: `Checkpoint.save(model, to:note:)`, `Checkpoint.load(into:from:)` (versioned, CRC-32).
//
// Speed: `VAE.train` runs a fused, preallocated training step (CompiledVAE.swift) on two cores,
// bit-identical to one (`VAEEngine.setThreads(1)` or `TrainingOptions.threads = 1` for one;
// `VAEEngine.profileTraining = true` prints where a training run's time went). OpenBLAS's kernel
// set is chosen by timing (blas_kernels.c; `VAEEngine.blasKernelChoice`). bench/README.md has
// the measurements.
// A 10k-image, 2-D-latent VAE trains for 5 epochs in a few seconds.

import Glibc
import Synchronization

public enum VAEEngine {
    public static let version = "1.0.0"

    /// The engine's thread budget: the cores a training run may use (the compiled step's two
    /// lanes at most; OpenBLAS's threads on the tape) and OpenBLAS's threads for other products.
    /// The caller decides it (a runner that runs several programs at once gives each its
    /// share); the engine reads no environment for it. Until set: the online cores.
    public static var threads: Int { threadBudget.load(ordering: .relaxed) }

    /// Sets the thread budget (at least 1) and OpenBLAS's thread count to it.
    public static func setThreads(_ n: Int) {
        threadBudget.store(max(1, n), ordering: .relaxed)
        openblasThreads(n)
    }

    /// Whether the compiled training step times its parts and prints them on stderr after a
    /// run (`vae-bench --profile`).
    public static var profileTraining: Bool {
        get { StepProfile.on }
        set { StepProfile.on = newValue }
    }
}

private let threadBudget = Atomic<Int>(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))

/// An encoder that maps x to the diagonal Gaussian q(z|x) = N(μ(x), diag σ²(x)):
/// a ReLU trunk, then two linear heads for μ and log σ².
public final class GaussianEncoder: Module {
    public let trunk: [Linear]
    public let meanHead: Linear
    public let logVarianceHead: Linear

    public init<G: RandomNumberGenerator>(inputSize: Int, hiddenSizes: [Int], latentSize: Int, using rng: inout G) {
        let sizes = [inputSize] + hiddenSizes
        trunk = zip(sizes, sizes.dropFirst()).map { Linear($0, $1, using: &rng) }
        meanHead = Linear(sizes.last!, latentSize, using: &rng)
        logVarianceHead = Linear(sizes.last!, latentSize, using: &rng)
    }

    public var parameters: [Tensor] { trunk.flatMap(\.parameters) + meanHead.parameters + logVarianceHead.parameters }

    public func callAsFunction(_ x: Tensor) -> DiagonalGaussian {
        var h = x
        for layer in trunk { h = layer(h, activation: .relu) }
        return DiagonalGaussian(mean: meanHead(h), logVariance: logVarianceHead(h))
    }
}

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
