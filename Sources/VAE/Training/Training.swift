import Glibc

/// Options of a training run.
public struct TrainingOptions {
    /// The KL term's weight β in the loss −E_q[log p(x|z)] + β·KL (1: the ELBO; above 1 a
    /// β-VAE, below 1 closer to an autoencoder: a point on the rate–distortion curve).
    public var beta: Float = 1
    /// KL warm-up: the KL weight rises linearly from 0 to `beta` over this many epochs (0: `beta` throughout).
    public var klWarmupEpochs: Int = 0
    /// Free bits λ in nats per latent dimension (0: off). The VAE's objective has them; the HVAE's
    /// and the autoencoder's do not (on the compiled step as on the tape).
    public var freeBits: Float = 0
    /// Resample binary pixels from the intensities each time a batch is drawn.
    public var dynamicBinarization = false
    /// Print a progress line on stderr (only when stderr is a terminal).
    public var showProgress = true
    /// Optional held-out data evaluated (−ELBO) after each epoch.
    public var validationData: Tensor? = nil
    /// Called before each epoch with its number (1-based); a benchmark uses it to take turns.
    public var beforeEpoch: ((Int) -> Void)? = nil
    /// Called after each epoch with its metrics (e.g. to print or plot as training goes).
    public var afterEpoch: ((EpochMetrics) -> Void)? = nil
    /// Cores this run may use; nil: the engine's budget (`VAEEngine.threads`). One core and two
    /// give bit-identical results.
    public var threads: Int? = nil
    /// The number format of the training step's matrix products (see `Precision`).
    public var precision: Precision = .float32

    public init(klWarmupEpochs: Int = 0, freeBits: Float = 0, dynamicBinarization: Bool = false,
                showProgress: Bool = true, validationData: Tensor? = nil, threads: Int? = nil, beta: Float = 1) {
        self.beta = beta; self.klWarmupEpochs = klWarmupEpochs; self.freeBits = freeBits
        self.dynamicBinarization = dynamicBinarization; self.showProgress = showProgress
        self.validationData = validationData; self.threads = threads
    }
}

/// The number format of the compiled training step's matrix products.
public enum Precision: String, Sendable, CaseIterable {
    /// float32 everywhere.
    case float32
    /// Mixed precision: the products take bf16 inputs (8 bits of mantissa) and accumulate and
    /// return float32; the weights Adam updates, its moments, the activations and the loss stay
    /// float32 (`VAEEngine.bf16Unavailable` says what this machine lacks, if anything). Evaluation and the
    /// tape run in float32.
    case bf16
}

/// What one epoch did, in nats per example (means over the epoch's batches).
public struct EpochMetrics: Sendable, CustomStringConvertible {
    public let epoch: Int
    /// Mean −ELBO (the loss the PyTorch example prints, with β = 1).
    public let negativeELBO: Float
    /// Mean E_q[log p(x|z)].
    public let reconstruction: Float
    /// Mean KL.
    public let kl: Float
    /// Mean KL per stochastic level (z1 first).
    public let klPerLevel: [Float]
    /// KL weight at the end of the epoch (`TrainingOptions.beta` times the warm-up's factor).
    public let klWeight: Float
    /// −ELBO on the validation data, if given.
    public let validationNegativeELBO: Float?
    public let seconds: Double
    public let samplesPerSecond: Double

    public var description: String {
        var s = "epoch \(epoch): -ELBO \(String(format4: negativeELBO)) (reconstruction \(String(format4: reconstruction)), KL \(String(format4: kl)))"
        if let v = validationNegativeELBO { s += ", validation -ELBO \(String(format4: v))" }
        s += ", \(Int(samplesPerSecond.rounded())) samples/s"
        return s
    }
}

/// Per-epoch metrics of a training run.
public struct TrainingReport: Sendable, CustomStringConvertible {
    public internal(set) var epochs: [EpochMetrics] = []
    /// Cores the training step used (1 or 2; see `VAEEngine.setThreads`).
    public internal(set) var threads = 1
    /// The median wall time of one full-batch training step (the compiled step only, else nil):
    /// the step's steady speed, which a few interrupted steps do not move.
    public internal(set) var medianStepSeconds: Double? = nil
    public var final: EpochMetrics? { epochs.last }
    /// Total training time in seconds.
    public var seconds: Double { epochs.reduce(0) { $0 + $1.seconds } }
    public var description: String { epochs.map(\.description).joined(separator: "\n") }
}

/// Training failures.
public enum TrainingError: Error, CustomStringConvertible {
    /// A NaN or infinity appeared: which epoch and step, and in which tensor.
    case nonFinite(epoch: Int, step: Int, tensor: String)
    case badArguments(String)
    /// The run asked for something this machine or model cannot do (bf16 without oneDNN, say).
    case unsupported(String)

    public var description: String {
        switch self {
        case let .nonFinite(epoch, step, tensor):
            return "training diverged: \(tensor) became NaN or infinite at epoch \(epoch), step \(step) (try a smaller learning rate)"
        case let .badArguments(s): return "training: \(s)"
        case let .unsupported(s): return "training: \(s)"
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count), or nil for none.
func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let s = values.sorted(), n = s.count
    return (s[(n - 1) / 2] + s[n / 2]) / 2
}

/// Wall-clock seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// A progress line on stderr, only when stderr is a terminal.
struct Progress {
    let enabled: Bool
    init(_ wanted: Bool) { enabled = wanted && isatty(2) == 1 }
    func update(_ text: String) {
        guard enabled else { return }
        let line = "\r\u{1B}[K" + text
        _ = line.withCString { fputs($0, stderr) }
    }
    func finish() { if enabled { _ = fputs("\r\u{1B}[K", stderr) } }
}

/// β at a global step of a warm-up of `warmupSteps` (1 when there is none).
@inline(__always) func warmupWeight(step: Int, warmupSteps: Int) -> Float {
    warmupSteps <= 0 ? 1 : min(1, Float(step + 1) / Float(warmupSteps))
}

/// What a training step reports about its minibatch: sums over its rows.
struct BatchSums {
    var logLikelihood: Double   // Σ log p(x|z)
    var klPerLevel: [Double]    // Σ KL, per stochastic level (z1 first)
}

/// The epoch loop every training loop shares: argument checks, a shuffle by seed each epoch,
/// the KL warm-up weight, a progress line on a terminal, per-epoch metrics, validation and the
/// callbacks. `step` trains on one minibatch, given its row indices into `data` and the KL
/// weight β; `endOfEpoch` runs after an epoch's steps, before validation.
func runEpochs<G: RandomNumberGenerator>(
    data: Tensor, epochs: Int, batchSize: Int, options: TrainingOptions, threads: Int, using rng: inout G,
    evaluate: ((Tensor, inout G) -> Float)?, endOfEpoch: () -> Void = {},
    step: (_ epoch: Int, _ step: Int, _ rows: UnsafeBufferPointer<Int>, _ klWeight: Float, _ rng: inout G) throws -> BatchSums
) throws -> TrainingReport {
    guard epochs >= 0, batchSize > 0, data.rows > 0 else {
        throw TrainingError.badArguments("need epochs ≥ 0, batchSize > 0 and some data (got \(epochs), \(batchSize), \(data.rows) rows)")
    }
    let n = data.rows
    let stepsPerEpoch = (n + batchSize - 1) / batchSize
    let warmup = options.klWarmupEpochs * stepsPerEpoch
    var order = Array(0..<n)
    var report = TrainingReport()
    report.threads = threads
    let progress = Progress(options.showProgress)
    defer { progress.finish() }
    var globalStep = 0
    for epoch in 1...max(epochs, 1) where epochs > 0 {
        options.beforeEpoch?(epoch)
        let t0 = now()
        order.seededShuffle(using: &rng)
        var sumLogLikelihood = 0.0, sumLevels: [Double] = []
        var beta = options.beta
        for s in 0..<stepsPerEpoch {
            let rows = s * batchSize ..< min((s + 1) * batchSize, n)
            beta = options.beta * warmupWeight(step: globalStep, warmupSteps: warmup)
            let sums = try order.withUnsafeBufferPointer { try step(epoch, s + 1, UnsafeBufferPointer(rebasing: $0[rows]), beta, &rng) }
            sumLogLikelihood += sums.logLikelihood
            if sumLevels.isEmpty { sumLevels = Array(repeating: 0, count: sums.klPerLevel.count) }
            for (k, v) in sums.klPerLevel.enumerated() { sumLevels[k] += v }
            globalStep += 1
            if s % 10 == 0 {
                let perRow = (sums.klPerLevel.reduce(0, +) - sums.logLikelihood) / Double(rows.count)
                progress.update("epoch \(epoch)/\(epochs) step \(s + 1)/\(stepsPerEpoch) -ELBO \(String(format4: Float(perRow)))")
            }
        }
        let dt = now() - t0
        endOfEpoch()
        var val: Float? = nil
        if let v = options.validationData, let evaluate { val = evaluate(v, &rng) }
        let kl = sumLevels.reduce(0, +)
        report.epochs.append(EpochMetrics(
            epoch: epoch, negativeELBO: Float((kl - sumLogLikelihood) / Double(n)), reconstruction: Float(sumLogLikelihood / Double(n)),
            kl: Float(kl / Double(n)), klPerLevel: sumLevels.map { Float($0 / Double(n)) }, klWeight: beta,
            validationNegativeELBO: val, seconds: dt, samplesPerSecond: Double(n) / dt))
        options.afterEpoch?(report.epochs.last!)
    }
    return report
}

/// The tape-based training loop shared by every model: `objective` builds the ELBO of a batch,
/// Adam on the summed loss, non-finite checks.
func trainWithTape<G: RandomNumberGenerator>(
    parameters named: [(String, Tensor)], data: Tensor, epochs: Int, batchSize: Int, learningRate: Float,
    options: TrainingOptions, using rng: inout G,
    objective: (Tensor, ObjectiveOptions, inout G) -> ELBO,
    evaluate: ((Tensor, inout G) -> Float)? = nil
) throws -> TrainingReport {
    guard options.precision == .float32 else {
        throw TrainingError.unsupported("the tape trains in float32 only; bf16 runs on the compiled step (train(on:…), not trainOnTape)")
    }
    let params = named.map(\.1)
    var adam = Adam(parameters: params, learningRate: learningRate)
    let savedThreads = blasThreadCount
    let threads = trainingThreads(options)
    openblasThreads(threads)
    defer { openblasThreads(savedThreads) }
    return try runEpochs(data: data, epochs: epochs, batchSize: batchSize, options: options, threads: threads,
                         using: &rng, evaluate: evaluate) { epoch, step, rows, beta, rng in
        var x = data.rows(at: Array(rows))
        if options.dynamicBinarization { x = FashionMNIST.binarize(x, using: &rng) }
        let e = objective(x, ObjectiveOptions(klWeight: beta, freeBits: options.freeBits), &rng)
        guard e.loss.item.isFinite else {
            throw TrainingError.nonFinite(epoch: epoch, step: step, tensor: "the loss (reconstruction \(e.reconstruction), KL \(e.kl))")
        }
        for p in params { p.grad = nil }
        e.loss.backward()
        for (name, p) in named where !(p.grad?.allSatisfy { $0.isFinite } ?? true) {
            throw TrainingError.nonFinite(epoch: epoch, step: step, tensor: "the gradient of \(name)")
        }
        adam.step()
        let b = Double(rows.count)
        return BatchSums(logLikelihood: Double(e.reconstruction) * b, klPerLevel: e.klPerLevel.map { Double($0) * b })
    }
}

extension Linear {
    func named(_ prefix: String) -> [(String, Tensor)] { [("\(prefix).weight", weight), ("\(prefix).bias", bias)] }
}

/// The mean over a data set of a per-example mean computed batch by batch (each batch's mean
/// weighted by its rows), so evaluation memory stays bounded by `batchSize`.
func datasetMean(_ data: Tensor, batchSize: Int, _ batchMean: (Tensor) -> Float) -> Float {
    var total = 0.0, s = 0
    while s < data.rows {
        let x = data.rows(s ..< min(s + batchSize, data.rows))
        total += Double(batchMean(x)) * Double(x.rows)
        s += batchSize
    }
    return Float(total / Double(data.rows))
}
