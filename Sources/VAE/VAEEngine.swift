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
// Speed: `VAE.train` runs a fused, preallocated training step (Training/CompiledStep.swift) on two cores,
// bit-identical to one (`VAEEngine.setThreads(1)` or `TrainingOptions.threads = 1` for one;
// `VAEEngine.profileTraining = true` prints where a training run's time went). OpenBLAS's kernel
// set is chosen by timing (blas_kernels.c; `VAEEngine.blasKernelChoice`). `TrainingOptions.precision
// = .bf16` runs the step's products on bf16 inputs with float32 accumulation (oneDNN, a CPU with
// AVX512-BF16; `VAEEngine.bf16Unavailable` says what is missing elsewhere). bench/README.md has
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
