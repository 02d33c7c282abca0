// The course's shared models, defined once.
//
// Several lessons use the same trained models (lesson 1 trains the 2-D and 16-D VAEs, lessons 2
// to 5 load them). They share them through the model cache, which works only if every lesson asks
// with the same key and would train with the same seed, data and settings. Before this file each
// lesson carried its own copy of that recipe and the copies had to be kept equal by hand; now a
// model's key, seed, architecture, data and training options live here and nowhere else.

import VAE

/// A model loaded from (or trained into) the model cache, with its training curve.
public struct TrainedModel<Model> {
    /// The trained model.
    public let model: Model
    /// The training loss after each epoch, in nats per image: the −ELBO for a VAE or an HVAE
    /// (the KL at full weight, whatever weighting trained it), the reconstruction loss for an
    /// autoencoder.
    public let losses: [Double]
}

/// Trains `model` with `train` the first time `key` is asked for, stores its parameters and
/// training curve as a checkpoint in the model cache, and on every later call (from this lesson,
/// another lesson or a later build) loads them into `model` instead.
///
/// The key must name everything that changes the result; `model` must be freshly initialised
/// the same way each time (same architecture and seed), since training starts from it.
public func trainedOnce<M: Checkpointable>(_ key: String, _ model: M,
                                           _ train: (M) throws -> TrainingReport) throws -> TrainedModel<M> {
    let path = try cachedFile(key) { path in
        let report = try train(model)
        // The curve travels in the checkpoint's note, so a cached model still has its losses.
        let losses = report.epochs.map { String($0.negativeELBO) }.joined(separator: " ")
        try Checkpoint.save(model, to: path, note: losses)
    }
    let note = try Checkpoint.load(into: model, from: path)
    return TrainedModel(model: model, losses: note.split(separator: " ").compactMap { Double($0) })
}

/// The recipe the course's models share: the data they train on and how long.
public enum CourseModel {
    /// Training images: the first 10,000 of Fashion-MNIST's training split.
    public static let trainingImages = 10_000
    /// Epochs each course model trains for unless a lesson asks otherwise.
    public static let epochs = 10
    /// Hidden units of the one-level models' encoder and decoder (784 → 256 → d → 256 → 784).
    public static let hiddenSize = 256

    nonisolated(unsafe) private static var loaded: FashionMNIST?

    /// The course's training images (loaded once per lesson program, and only when a model has
    /// to be trained or a cell asks).
    public static func trainingSet() throws -> FashionMNIST {
        if let t = loaded { return t }
        let t = try FashionMNIST.load(split: .train, limit: trainingImages)
        loaded = t
        return t
    }

    /// The one place a course model's cache key is spelled: the kind, the architecture, the
    /// training set size, the epochs, and any option that is not the default.
    static func key(_ kind: String, _ architecture: String, epochs: Int, options: String = "") -> String {
        "course-\(kind)-784-\(architecture)-n\(trainingImages / 1_000)k-e\(epochs)" + options
    }

    static let quiet = TrainingOptions(showProgress: false)
}

/// The course's VAE with a `d`-dimensional code (784 → 256 → d, and back), trained on
/// `CourseModel.trainingSet()` with seed 1000 + d. Lessons that ask for the same settings share
/// one trained model. `beta` weighs the KL term of the loss (1: the ELBO), `warmup` epochs of KL
/// warm-up and `freeBits` nats per unit change the training too; each non-default one is part of
/// the cache key, so the default model keeps the key lesson 1 trains it under.
///
///     let vae16 = try courseVAE(latent: 16).model
///     let betaVAE = try courseVAE(latent: 2, beta: 4)
public func courseVAE(latent d: Int, epochs: Int = CourseModel.epochs, beta: Float = 1, warmup: Int = 0,
                      freeBits: Float = 0, afterEpoch: ((VAE, EpochMetrics) -> Void)? = nil) throws -> TrainedModel<VAE> {
    var rng = SeededGenerator(seed: 1_000 + UInt64(d))
    let model = VAE(inputSize: 784, hiddenSize: CourseModel.hiddenSize, latentSize: d, using: &rng)
    let options = (beta == 1 ? "" : "-b\(beta)") + (warmup == 0 ? "" : "-w\(warmup)") + (freeBits == 0 ? "" : "-fb\(freeBits)")
    return try trainedOnce(CourseModel.key("vae", "\(CourseModel.hiddenSize)-\(d)", epochs: epochs, options: options), model) {
        var o = TrainingOptions(klWarmupEpochs: warmup, freeBits: freeBits, showProgress: false, beta: beta)
        // Runs only when the model is trained, not when it is loaded: whatever it records must be
        // cached by the caller under a key that names the same settings.
        if let afterEpoch { o.afterEpoch = { afterEpoch(model, $0) } }
        return try $0.train(on: CourseModel.trainingSet().images, epochs: epochs, options: o, using: &rng)
    }
}

/// The course's autoencoder with a `d`-dimensional code (the VAE's layers without the variance
/// head), seed 2000 + d. Its losses are reconstruction losses (binary cross-entropy per image).
public func courseAutoencoder(code d: Int, epochs: Int = CourseModel.epochs) throws -> TrainedModel<Autoencoder> {
    var rng = SeededGenerator(seed: 2_000 + UInt64(d))
    let model = Autoencoder(inputSize: 784, hiddenSize: CourseModel.hiddenSize, codeSize: d, using: &rng)
    return try trainedOnce(CourseModel.key("ae", "\(CourseModel.hiddenSize)-\(d)", epochs: epochs), model) {
        try $0.train(on: CourseModel.trainingSet().images, epochs: epochs, options: CourseModel.quiet, using: &rng)
    }
}

/// The course's two-level hierarchical VAE: 784 → 256 → `latentSizes[0]` (level 1), then
/// → 64 → `latentSizes[1]` (level 2), the decoder mirroring it; seed 3000. `warmup` epochs of KL
/// warm-up (0: off) and `freeBits` nats per unit (0: off) are part of the key.
public func courseHVAE(latentSizes: [Int] = [16, 8], warmup: Int = 0, freeBits: Float = 0,
                       epochs: Int = CourseModel.epochs) throws -> TrainedModel<HierarchicalVAE> {
    precondition(latentSizes.count == 2, "courseHVAE: two levels, got latentSizes \(latentSizes)")
    var rng = SeededGenerator(seed: 3_000)
    let hidden = [CourseModel.hiddenSize, 64]
    let model = HierarchicalVAE(inputSize: 784, hiddenSizes: hidden, latentSizes: latentSizes, using: &rng)
    let architecture = "\(hidden[0])-\(latentSizes[0])-\(hidden[1])-\(latentSizes[1])"
    let options = "-w\(warmup)" + (freeBits == 0 ? "" : "-fb\(freeBits)")
    return try trainedOnce(CourseModel.key("hvae", architecture, epochs: epochs, options: options), model) {
        let o = TrainingOptions(klWarmupEpochs: warmup, freeBits: freeBits, showProgress: false)
        return try $0.train(on: CourseModel.trainingSet().images, epochs: epochs, options: o, using: &rng)
    }
}
