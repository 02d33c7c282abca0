import Glibc

/// Something with trainable parameters.
public protocol Module: AnyObject {
    /// The trainable tensors, in a fixed order (checkpoints rely on it).
    var parameters: [Tensor] { get }
}

extension Module {
    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    /// Clears every parameter's gradient.
    public func zeroGradients() { for p in parameters { p.grad = nil } }
}

/// A fully connected layer `y = x Wᵀ + b` with PyTorch's default initialization:
/// W and b uniform in ±1/√in (kaiming-uniform with a = √5).
public final class Linear: Module {
    /// `outputSize × inputSize`, as in PyTorch.
    public let weight: Tensor
    /// `outputSize`
    public let bias: Tensor
    public var inputSize: Int { weight.shape[1] }
    public var outputSize: Int { weight.shape[0] }

    public init<G: RandomNumberGenerator>(_ inputSize: Int, _ outputSize: Int, using rng: inout G) {
        let bound = 1 / Float(inputSize).squareRoot()
        weight = .randomUniform([outputSize, inputSize], in: -bound...bound, using: &rng)
        bias = .randomUniform([outputSize], in: -bound...bound, using: &rng)
        weight.requiresGrad = true
        bias.requiresGrad = true
    }

    public var parameters: [Tensor] { [weight, bias] }

    /// `activation(x Wᵀ + b)`, with the activation fused into the bias pass.
    public func callAsFunction(_ x: Tensor, activation: Activation = .identity) -> Tensor {
        linear(x, weight: weight, bias: bias, activation: activation)
    }
}

/// A multilayer perceptron: `sizes = [784, 400, 20]` is 784→400→20, with `activation`
/// after every layer but the last, which gets `outputActivation`.
public final class MLP: Module {
    public let layers: [Linear]
    public let activation: Activation
    public let outputActivation: Activation

    public init<G: RandomNumberGenerator>(_ sizes: [Int], activation: Activation = .relu,
                                          outputActivation: Activation = .identity, using rng: inout G) {
        precondition(sizes.count >= 2, "MLP needs at least an input and an output size, got \(sizes)")
        layers = zip(sizes, sizes.dropFirst()).map { Linear($0, $1, using: &rng) }
        self.activation = activation
        self.outputActivation = outputActivation
    }

    public var parameters: [Tensor] { layers.flatMap(\.parameters) }
    public var sizes: [Int] { [layers[0].inputSize] + layers.map(\.outputSize) }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h, activation: i == layers.count - 1 ? outputActivation : activation)
        }
        return h
    }
}
