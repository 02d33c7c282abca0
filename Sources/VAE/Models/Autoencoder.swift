/// A deterministic autoencoder: x → code → reconstruction, trained on binary cross-entropy.
/// Its code space has no prior, which is the post's point of contrast with the VAE.
public final class Autoencoder: Module {
    public let encoder: MLP
    /// code → logits.
    public let decoder: MLP

    public init<G: RandomNumberGenerator>(inputSize: Int, hiddenSize: Int, codeSize: Int, using rng: inout G) {
        encoder = MLP([inputSize, hiddenSize, codeSize], activation: .relu, using: &rng)
        decoder = MLP([codeSize, hiddenSize, inputSize], activation: .relu, using: &rng)
    }

    public var parameters: [Tensor] { namedParameters.map(\.1) }
    public var namedParameters: [(String, Tensor)] {
        encoder.layers.enumerated().flatMap { $1.named("encoder.layers[\($0)]") }
            + decoder.layers.enumerated().flatMap { $1.named("decoder.layers[\($0)]") }
    }

    /// The code of each row.
    public func encode(_ x: Tensor) -> Tensor { encoder(x) }
    /// Pixel probabilities from codes.
    public func decode(_ code: Tensor) -> Tensor { decoder(code).sigmoid() }
    /// Summed BCE per row.
    public func reconstructionLoss(_ x: Tensor) -> Tensor { decoder(encoder(x)).binaryCrossEntropy(logitsAgainst: x) }

    /// The objective as the other models have it: log p(x|code) = −BCE as the reconstruction
    /// term, no KL (one level of zeros). Training maximizes it; `negativeELBO(on:)` is the mean BCE.
    public func elbo<G: RandomNumberGenerator>(_ x: Tensor, options: ObjectiveOptions = .init(), using rng: inout G) -> ELBO {
        makeELBO(reconstruction: -reconstructionLoss(x), klLevels: [Tensor.zeros([x.rows])])
    }
}
