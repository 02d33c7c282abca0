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
