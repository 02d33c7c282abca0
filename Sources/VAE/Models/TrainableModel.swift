/// What the engine's models share: named parameters and the ELBO of a batch on the tape.
/// Training (on the compiled step or the tape) and evaluation are written once, here, for
/// `VAE`, `HierarchicalVAE` and `Autoencoder` alike.
public protocol TrainableModel: Module {
    /// Parameters with readable names, in checkpoint order.
    var namedParameters: [(String, Tensor)] { get }
    /// The ELBO of a batch with one sample per example; gradients flow through `loss`.
    func elbo<G: RandomNumberGenerator>(_ x: Tensor, options: ObjectiveOptions, using rng: inout G) -> ELBO
}

/// A model with an importance-weighted bound (the latent-variable models).
public protocol ImportanceWeightedModel: TrainableModel {
    /// The IWAE bound with k samples, averaged over the batch.
    func iwae<G: RandomNumberGenerator>(_ x: Tensor, samples k: Int, using rng: inout G) -> Float
}

/// The engine's models describe themselves to the compiled step (StepGraph.swift).
protocol CompiledTrainable: TrainableModel {
    var stepGraph: StepGraph { get }
}

extension VAE: ImportanceWeightedModel, CompiledTrainable {}
extension HierarchicalVAE: ImportanceWeightedModel, CompiledTrainable {}
extension Autoencoder: TrainableModel, CompiledTrainable {}

extension TrainableModel {
    /// Trains with Adam on the summed −ELBO (the PyTorch example's loss; β-weighted KL, warm-up
    /// and free bits as `options` say), minibatches drawn by shuffling with `rng`. Runs the
    /// compiled (fused, preallocated, two-lane) training step (CompiledStep.swift).
    @discardableResult
    public func train<G: RandomNumberGenerator>(on data: Tensor, epochs: Int, batchSize: Int = 128,
                                                learningRate: Float = 1e-3, options: TrainingOptions = .init(),
                                                using rng: inout G) throws -> TrainingReport {
        guard let graph = (self as? any CompiledTrainable)?.stepGraph else {
            return try trainOnTape(on: data, epochs: epochs, batchSize: batchSize, learningRate: learningRate,
                                   options: options, using: &rng)
        }
        return try trainCompiled(self, graph: graph, on: data, epochs: epochs, batchSize: batchSize,
                                 learningRate: learningRate, options: options, using: &rng)
    }

    /// The same training on the autodiff tape (slower; the reference the compiled step is tested against).
    @discardableResult
    public func trainOnTape<G: RandomNumberGenerator>(on data: Tensor, epochs: Int, batchSize: Int = 128,
                                                      learningRate: Float = 1e-3, options: TrainingOptions = .init(),
                                                      using rng: inout G) throws -> TrainingReport {
        try trainWithTape(parameters: namedParameters, data: data, epochs: epochs, batchSize: batchSize,
                          learningRate: learningRate, options: options, using: &rng,
                          objective: { x, o, r in self.elbo(x, options: o, using: &r) },
                          evaluate: { v, r in self.negativeELBO(on: v, using: &r) })
    }

    /// Mean −ELBO over a data set (one sample per example), evaluated in batches without a tape.
    public func negativeELBO<G: RandomNumberGenerator>(on data: Tensor, batchSize: Int = 1000, using rng: inout G) -> Float {
        withoutGradients { datasetMean(data, batchSize: batchSize) { -elbo($0, options: .init(), using: &rng).value } }
    }
}

extension ImportanceWeightedModel {
    /// Mean IWAE bound over a data set.
    public func iwae<G: RandomNumberGenerator>(on data: Tensor, samples k: Int, batchSize: Int = 500, using rng: inout G) -> Float {
        datasetMean(data, batchSize: batchSize) { iwae($0, samples: k, using: &rng) }
    }
}
