/// A model as the compiled training step (`CompiledStep`) sees it: activations ("nodes", node 0
/// is the data x) joined by dense layers, Gaussian latent levels, and Bernoulli logits for x.
/// Each model of the engine describes itself once in these terms (`stepGraph`); the step then
/// needs no code of its own per model.
struct StepGraph {
    /// y = act(x Wᵀ + b). W and b are the model's tensors stacked by output rows, so that a
    /// Gaussian's two heads (μ and log σ²) are one layer of 2L outputs and one product.
    struct Layer {
        let input: Int, output: Int, relu: Bool
        let parts: [(weight: Tensor, bias: Tensor)]
        var fanIn: Int { parts[0].weight.shape[1] }
        var fanOut: Int { parts.reduce(0) { $0 + $1.weight.shape[0] } }
    }

    /// A Gaussian latent level: `heads` holds [μ | log σ²] (2·size wide), `z` = μ + σ ε. Its KL
    /// term is closed form against N(0, I) (`priorHeads` nil) or, against a prior network's
    /// Gaussian p(z | the level above) whose heads are the node `priorHeads`, log q(z) − log p(z)
    /// at the sample, as the tape computes it.
    struct Level {
        let heads: Int, z: Int, size: Int
        let priorHeads: Int?
    }

    private(set) var widths: [Int] = []
    private(set) var names: [String] = []
    /// In forward order: a level's heads come before its z is used, a prior network's input z
    /// before the prior network.
    private(set) var layers: [Layer] = []
    private(set) var levels: [Level] = []
    private(set) var logits = -1
    /// Layer indices in an order in which every consumer of a node comes before the layer that
    /// produces it (so a node's gradient is complete when its producer's turn comes).
    var backwardOrder: [Int] = []
    /// Whether `TrainingOptions.freeBits` applies (the VAE's objective has free bits on its
    /// level; the others' tape objectives have none, and the step matches the tape).
    var freeBits = false

    init(inputSize: Int) { _ = node(inputSize, "x") }

    mutating func node(_ width: Int, _ name: String) -> Int {
        widths.append(width); names.append(name)
        return widths.count - 1
    }

    /// Adds a layer from `input` to a new node; returns the node.
    @discardableResult
    mutating func dense(_ input: Int, _ parts: [Linear], relu: Bool, name: String) -> Int {
        let out = node(parts.reduce(0) { $0 + $1.weight.shape[0] }, name)
        layers.append(Layer(input: input, output: out, relu: relu, parts: parts.map { ($0.weight, $0.bias) }))
        return out
    }

    /// A Gaussian encoder's trunk and heads from `input`, and the level's sample; returns z.
    mutating func gaussianLevel(_ e: GaussianEncoder, from input: Int, name: String) -> Int {
        var h = input
        for (i, l) in e.trunk.enumerated() { h = dense(h, [l], relu: true, name: "\(name).trunk[\(i)] output") }
        let heads = dense(h, [e.meanHead, e.logVarianceHead], relu: false, name: "\(name) heads (mean / logVariance)")
        let size = e.meanHead.weight.shape[0]
        let z = node(size, "\(name) sample (σ = exp(½ logVariance) overflowed?)")
        levels.append(Level(heads: heads, z: z, size: size, priorHeads: nil))
        return z
    }

    /// A prior network p(z_level | input) whose heads the level's KL term uses.
    mutating func priorNetwork(_ p: GaussianEncoder, from input: Int, forLevel t: Int, name: String) {
        var h = input
        for (i, l) in p.trunk.enumerated() { h = dense(h, [l], relu: true, name: "\(name).trunk[\(i)] output") }
        let heads = dense(h, [p.meanHead, p.logVarianceHead], relu: false, name: "\(name) heads (mean / logVariance)")
        let l = levels[t]
        levels[t] = Level(heads: l.heads, z: l.z, size: l.size, priorHeads: heads)
    }

    /// An MLP decoder from `input` to the Bernoulli logits of x.
    mutating func bernoulliDecoder(_ d: MLP, from input: Int, name: String) {
        var h = input
        for (i, l) in d.layers.enumerated() {
            let last = i == d.layers.count - 1
            h = dense(h, [l], relu: !last, name: last ? "\(name) logits" : "\(name).layers[\(i)] output")
        }
        logits = h
        precondition(widths[logits] == widths[0], "the decoder's logits must be as wide as x")
    }

    /// The level whose heads node is `n`, and whether `n` is that level's own heads (q) or its prior's.
    func level(withHeads n: Int) -> (index: Int, isPrior: Bool)? {
        for (t, l) in levels.enumerated() {
            if l.heads == n { return (t, false) }
            if l.priorHeads == n { return (t, true) }
        }
        return nil
    }

    /// How many layers read each node (a level's z may feed the decoder, the next level and a prior network).
    var consumers: [Int] {
        var c = [Int](repeating: 0, count: widths.count)
        for l in layers { c[l.input] += 1 }
        return c
    }
}

extension VAE {
    /// x → trunk → heads → z → decoder → logits, KL closed form, free bits.
    var stepGraph: StepGraph {
        var g = StepGraph(inputSize: inputSize)
        let z = g.gaussianLevel(encoder, from: 0, name: "encoder")
        g.bernoulliDecoder(decoder, from: z, name: "decoder")
        g.freeBits = true
        // Decoder from the logits down, then the encoder from its heads down.
        g.backwardOrder = Array((0..<g.layers.count).reversed())
        return g
    }
}

extension HierarchicalVAE {
    /// q(z₁|x), q(z₂|z₁), …, then the priors p(z_t|z_{t+1}), then p(x|z₁). Backward: the decoder,
    /// the priors (their gradients need only forward values; they push into z₂…z_T), then the
    /// encoder levels from the top (level t+1 pushes into z_t before level t's heads need it).
    var stepGraph: StepGraph {
        var g = StepGraph(inputSize: inputSize)
        var h = 0
        var encoderLayers: [Range<Int>] = []
        var zs: [Int] = []
        for (t, e) in encoders.enumerated() {
            let first = g.layers.count
            h = g.gaussianLevel(e, from: h, name: "q(z\(t + 1)|\(t == 0 ? "x" : "z\(t)"))")
            encoderLayers.append(first..<g.layers.count)
            zs.append(h)
        }
        let priorStart = g.layers.count
        for (t, p) in priors.enumerated() { g.priorNetwork(p, from: zs[t + 1], forLevel: t, name: "p(z\(t + 1)|z\(t + 2))") }
        let decoderStart = g.layers.count
        g.bernoulliDecoder(decoder, from: zs[0], name: "p(x|z1)")
        g.backwardOrder = Array((decoderStart..<g.layers.count).reversed()) + Array((priorStart..<decoderStart).reversed())
            + encoderLayers.reversed().flatMap { $0.reversed() }
        return g
    }
}

extension Autoencoder {
    /// x → encoder → code → decoder → logits; no latent level, no KL.
    var stepGraph: StepGraph {
        var g = StepGraph(inputSize: encoder.layers[0].weight.shape[1])
        var h = 0
        for (i, l) in encoder.layers.enumerated() {
            let last = i == encoder.layers.count - 1
            h = g.dense(h, [l], relu: !last, name: last ? "encoder code" : "encoder.layers[\(i)] output")
        }
        g.bernoulliDecoder(decoder, from: h, name: "decoder")
        g.backwardOrder = Array((0..<g.layers.count).reversed())
        return g
    }
}
