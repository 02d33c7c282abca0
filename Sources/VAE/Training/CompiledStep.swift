import CKernels
import Glibc

/// The "compiled" training step of every model of the engine (`StepGraph` describes each), what
/// `jax.jit` does for the JAX version: the forward and backward passes written out once, every
/// buffer allocated up front and reused, matrix products straight into preallocated memory
/// with transposes as flags, bias + ReLU fused into one pass, the loss fused with its gradient,
/// Adam over one flat buffer. Tests check its gradients against the tape's for each model.
///
/// Two lanes share the work of a step. The batch is cut into two halves of rows: each lane
/// runs the forward pass and the input gradients (dx = dy W) of its own rows. Each weight
/// gradient (dW = dyᵀ x, a sum over the whole batch) is cut into two halves of output units:
/// each lane computes its half and applies Adam to it at once, while it is still in cache.
/// A step is three phases with a barrier between them:
///
///     phase 0:  forward pass of the lane's rows; dx of the backward layers before the first
///               sampler (the decoder and the prior networks)
///     phase 1:  the free-bits mask and the finite-loss check from both lanes' forward passes;
///               dW + Adam of phase 0's layers (the lane's half); dx of the other layers
///     phase 2:  dW + Adam of phase 1's layers
///
/// so a weight is updated only after both lanes have used it for their dx, and each dW sees
/// both lanes' dy. Everything between two products is row by row (the sampler's backward, the
/// KL terms' gradients, ReLU masks), so a lane needs only its own rows of a node's gradient,
/// and the backward order (`StepGraph.backwardOrder`), which each lane follows within a phase,
/// makes each node's gradient complete before the layer that produced it runs. (A barrier per
/// layer, as this step first had, gave the HVAE eight barriers a step; each costs a scheduler
/// quantum whenever the other lane's core is taken by another process.) With two cores, a helper thread runs lane 1
/// (`LaneTeam`); with one, the caller runs each phase for lane 0 and then lane 1. Both ways do
/// the same arithmetic, so one core and two give bit-identical results.
///
/// With `Precision.bf16` the products take bf16 copies of their inputs (bf16.c): Adam writes each
/// weight block's copy as it updates it, a layer converts the lane's rows of its input the first
/// time the forward pass reads that node, and the lane's rows of its output gradient before its
/// backward products. Everything else is the float32 step.
final class CompiledStep {
    let graph: StepGraph
    let D: Int
    let maxBatch: Int
    // Flat parameters, gradient and Adam moments; layer i's W at layerW[i] (fanOut × fanIn), b at layerB[i].
    let P, G, M, V: UnsafeMutablePointer<Float>
    let total: Int
    private(set) var layerW: [Int] = [], layerB: [Int] = []
    /// Each node's values and (but for x) its gradient, maxBatch rows.
    private(set) var value: [UnsafeMutablePointer<Float>] = []
    private(set) var grad: [UnsafeMutablePointer<Float>?] = []
    /// bf16 only: the weights' copy (P's layout), each layer input's values, each layer output's gradient.
    let P16: UnsafeMutablePointer<UInt16>?
    private var value16: [UnsafeMutablePointer<UInt16>?] = [], grad16: [UnsafeMutablePointer<UInt16>?] = []
    /// bf16 only: layer i is the first in forward order to read its input node, so it converts it.
    private var convertsInput: [Bool] = []
    /// Per level: the noise ε and σ of the last step, maxBatch × size; where the level's KL sits
    /// in a lane's row of per-dimension KL.
    private(set) var eps: [UnsafeMutablePointer<Float>] = [], std: [UnsafeMutablePointer<Float>] = []
    private var levelOffset: [Int] = []
    let latentTotal: Int
    /// What runs after a layer's forward product, or before its backward one.
    private enum Hook { case none, sample(Int), priorKL(Int) }
    private var hooks: [Hook] = []
    private var accumulates: [Bool] = []   // a level's z: several layers push into its gradient
    private var reluOutput: [Bool] = []
    // Per lane: the loss summed per pixel column, the KL per latent dimension, the free-bits
    // mask, and whether the step's loss was finite (each lane writes only its own row).
    let laneColumnBCE: UnsafeMutablePointer<Float>
    let laneKL: UnsafeMutablePointer<Double>
    let laneKLMask: UnsafeMutablePointer<Float>
    let laneGoesOn: UnsafeMutablePointer<Bool>
    var adamStep = 0
    /// True while every weight gradient is zero (fresh, or cleared by the fused Adam).
    var gradientIsZero = true

    /// One dense layer as the backward pass sees it.
    struct BackwardLayer {
        let layer: Int
        let input: UnsafePointer<Float>          // x (all rows)
        let dy: UnsafeMutablePointer<Float>      // gradient w.r.t. the layer's output, after its activation
        let dx: UnsafeMutablePointer<Float>?     // gradient w.r.t. x, or nil for the data
        let accumulate: Bool                     // dx adds to what other layers pushed there
        let mask: UnsafePointer<Float>?          // ReLU output that x came from (dx is zeroed where ≤ 0)
        let input16: UnsafePointer<UInt16>?      // bf16: x's copy
        let dy16: UnsafeMutablePointer<UInt16>?  // bf16: dy's copy
        let w: Int, b: Int, fanIn: Int, fanOut: Int
    }
    private(set) var backwardLayers: [BackwardLayer] = []
    /// The phase of each backward layer's dx (its dW + Adam comes one phase later): 0 for the
    /// layers before the first sampler's backward, which needs the free-bits mask decided from
    /// both lanes' forward passes, 1 for the rest. Everything inside a phase is row by row or a
    /// lane's own half of a dW, so a phase needs no barrier inside it.
    private(set) var phaseOf: [Int] = []
    var phaseCount: Int { (phaseOf.max() ?? 0) + 2 }

    /// Where a step's rows come from: `indices` into the rows of `data`, and, for dynamic
    /// binarization, one uniform threshold per pixel; and its noise: per level, the uniform
    /// pairs that become ε (Box–Muller, computed by each lane for its rows), one block after
    /// the other (`noiseUniformCount`).
    struct BatchSource {
        let data: UnsafePointer<Float>
        let indices: UnsafePointer<Int>
        let thresholds: UnsafePointer<Float>?
        let noiseUniforms: UnsafePointer<Double>
    }

    /// Inputs of the step being run (set by `step` before the lanes start).
    private struct StepInputs {
        var rows = 0, klWeight: Float = 1, freeBits: Float = 0
        /// Adam zeroes each weight gradient it has used, so that the next step's product adds
        /// into zeros (OpenBLAS then skips its own zeroing pass); oneDNN's sgemm and the bf16
        /// matmul overwrite with beta 0 without reading the output, so there it does not.
        var adamClearsGradient = true
        var update: AdamStep? = nil
        var source: BatchSource? = nil
    }
    private var current = StepInputs()

    init(graph: StepGraph, maxBatch: Int, precision: Precision = .float32) {
        self.graph = graph
        D = graph.widths[0]
        self.maxBatch = maxBatch
        var off = 0
        for l in graph.layers {
            layerW.append(off); off += l.fanIn * l.fanOut
            layerB.append(off); off += l.fanOut
        }
        total = off
        func buf<T: Numeric>(_ n: Int, _: T.Type = Float.self) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1)); p.initialize(repeating: 0, count: max(n, 1)); return p
        }
        P = buf(total); G = buf(total); M = buf(total); V = buf(total)
        let bf16 = precision == .bf16
        P16 = bf16 ? buf(total, UInt16.self) : nil
        let layerInputs = Set(graph.layers.map(\.input)), layerOutputs = Set(graph.layers.map(\.output))
        let zNodes = Set(graph.levels.map(\.z))
        let consumers = graph.consumers
        for (n, w) in graph.widths.enumerated() {
            value.append(buf(maxBatch * w))
            grad.append(n == 0 ? nil : buf(maxBatch * w))
            value16.append(bf16 && layerInputs.contains(n) ? buf(maxBatch * w, UInt16.self) : nil)
            grad16.append(bf16 && layerOutputs.contains(n) ? buf(maxBatch * w, UInt16.self) : nil)
            precondition(zNodes.contains(n) || consumers[n] <= 1, "StepGraph: node \(graph.names[n]) feeds \(consumers[n]) layers")
        }
        accumulates = graph.widths.indices.map { zNodes.contains($0) }
        reluOutput = [Bool](repeating: false, count: graph.widths.count)
        for l in graph.layers where l.relu { reluOutput[l.output] = true }
        var seen = Set<Int>()
        convertsInput = graph.layers.map { seen.insert($0.input).inserted }
        var lo = 0
        for l in graph.levels {
            eps.append(buf(maxBatch * l.size)); std.append(buf(maxBatch * l.size))
            levelOffset.append(lo); lo += l.size
        }
        latentTotal = lo
        hooks = graph.layers.map { l in
            guard let (t, isPrior) = graph.level(withHeads: l.output) else { return .none }
            return isPrior ? .priorKL(t) : .sample(t)
        }
        laneColumnBCE = buf(2 * D); laneKL = buf(2 * max(1, latentTotal), Double.self); laneKLMask = buf(2 * max(1, latentTotal))
        laneGoesOn = .allocate(capacity: 2); laneGoesOn.initialize(repeating: false, count: 2)
        for i in graph.backwardOrder {
            let l = graph.layers[i]
            backwardLayers.append(BackwardLayer(
                layer: i, input: UnsafePointer(value[l.input]), dy: grad[l.output]!, dx: grad[l.input],
                accumulate: accumulates[l.input], mask: reluOutput[l.input] ? UnsafePointer(value[l.input]) : nil,
                input16: value16[l.input].map { UnsafePointer($0) }, dy16: grad16[l.output],
                w: layerW[i], b: layerB[i], fanIn: l.fanIn, fanOut: l.fanOut))
        }
        precondition(backwardLayers.count == graph.layers.count, "StepGraph: the backward order must list every layer once")
        var phase = 0
        for l in backwardLayers {
            if case .sample = hooks[l.layer] { phase = 1 }
            phaseOf.append(phase)
        }
        load()
    }

    deinit {
        for p in [P, G, M, V, laneColumnBCE, laneKLMask] + value + grad.compactMap({ $0 }) + eps + std { p.deallocate() }
        for p in [P16] + value16 + grad16 { p?.deallocate() }
        laneKL.deallocate(); laneGoesOn.deallocate()
    }

    /// (tensor, flat offset) pairs: where each of the model's tensors lives in the flat buffer.
    var mapping: [(Tensor, Int)] {
        var out: [(Tensor, Int)] = []
        for (i, l) in graph.layers.enumerated() {
            var row = 0
            for (w, b) in l.parts {
                out += [(w, layerW[i] + row * l.fanIn), (b, layerB[i] + row)]
                row += w.shape[0]
            }
        }
        return out
    }

    func load() {
        for (t, o) in mapping { t.scalars.withUnsafeBufferPointer { (P + o).update(from: $0.baseAddress!, count: t.count) } }
        if let P16 { toBF16(P, P16, count: total) }
    }

    func store() {
        for (t, o) in mapping { t.scalars = Array(UnsafeBufferPointer(start: P + o, count: t.count)) }
    }

    /// The flat gradient back in the layout of `parameters` (for tests).
    func gradients(of parameters: [Tensor]) -> [[Float]] {
        var offset: [ObjectIdentifier: Int] = [:]
        for (t, o) in mapping { offset[ObjectIdentifier(t)] = o }
        return parameters.map { t in Array(UnsafeBufferPointer(start: G + offset[ObjectIdentifier(t)]!, count: t.count)) }
    }

    /// Uniforms the noise of a `rows`-row step takes: per level, a pair per two normals.
    func noiseUniformCount(rows B: Int) -> Int { graph.levels.reduce(0) { $0 + 2 * ((B * $1.size + 1) / 2) } }

    /// Adam constants of the current step.
    struct AdamStep { var lr, beta1, beta2, epsilon, c1, c2: Float }

    /// Advances Adam's step count and returns the constants of the new step (PyTorch's defaults).
    func nextAdamStep(learningRate lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) -> AdamStep {
        adamStep += 1
        return AdamStep(lr: lr, beta1: beta1, beta2: beta2, epsilon: epsilon,
                        c1: 1 - powf(beta1, Float(adamStep)), c2: 1 - powf(beta2, Float(adamStep)))
    }

    // MARK: The step

    /// Forward + backward for `rows` rows and their noise (from `source`, or already in the
    /// x node and `eps`). Returns Σ BCE and Σ KL per level over the batch; gradients of
    /// Σ BCE + β·Σ KL land in G, or, with `update`, Adam is applied to each parameter block as
    /// soon as its gradient is computed (leaving G zeroed). A non-finite loss returns before
    /// any update. With a `team`, its helper thread runs lane 1.
    func step(rows B: Int, klWeight beta: Float, freeBits: Float, update: AdamStep?, source: BatchSource? = nil,
              team: LaneTeam? = nil) -> (bce: Double, kl: [Double]) {
        precondition(B >= 1 && B <= maxBatch, "batch of \(B) rows for a step built for at most \(maxBatch)")
        current = StepInputs(rows: B, klWeight: beta, freeBits: graph.freeBits ? freeBits : 0,
                             adamClearsGradient: P16 == nil && vae_step_sgemm_is_onednn() == 0, update: update, source: source)
        if let team {
            team.start()
            runLane(0, team)
        } else {
            for p in 0..<phaseCount { runPhase(p, lane: 0); runPhase(p, lane: 1) }
        }
        let (bce, kl) = lossTotals()
        if bce.isFinite && kl.allSatisfy(\.isFinite) { gradientIsZero = update != nil && current.adamClearsGradient }
        return (bce, kl)
    }

    /// The step for a batch already in memory (tests).
    func forwardBackward(_ x: UnsafePointer<Float>, rows B: Int, klWeight beta: Float, freeBits: Float = 0,
                         update: AdamStep? = nil, team: LaneTeam? = nil) -> (bce: Double, kl: [Double]) {
        value[0].update(from: x, count: B * D)
        return step(rows: B, klWeight: beta, freeBits: freeBits, update: update, team: team)
    }

    /// All phases of one lane, with the team's barrier after each (the last one is the join).
    func runLane(_ lane: Int, _ team: LaneTeam) {
        for p in 0..<phaseCount {
            if StepProfile.on {
                let t0 = now()
                runPhase(p, lane: lane)
                let t1 = now()
                team.barrier(lane: lane)
                StepProfile.add(lane: lane, compute: t1 - t0, wait: now() - t1, phase: p)
            } else {
                runPhase(p, lane: lane)
                team.barrier(lane: lane)
            }
        }
    }

    private func runPhase(_ p: Int, lane: Int) {
        if p == 0 {
            forward(lane: lane)
        } else {
            if p == 1 { decide(lane: lane) }
            guard laneGoesOn[lane] else { return }
            for (i, l) in backwardLayers.enumerated() where phaseOf[i] == p - 1 { backwardWeights(l, part: lane) }
        }
        for (i, l) in backwardLayers.enumerated() where phaseOf[i] == p { backwardInput(l, lane: lane) }
    }

    /// Lane 0 takes the first half of the rows (rounded up), lane 1 the rest.
    private func rows(of lane: Int) -> Range<Int> {
        let h = (current.rows + 1) / 2
        return lane == 0 ? 0..<h : h..<current.rows
    }

    /// The lane's share of a layer's output units for dW: halves, the first a multiple of 8.
    private func outputs(of part: Int, fanOut n: Int) -> Range<Int> {
        let split = min(n, ((n + 1) / 2 + 7) / 8 * 8)
        return part == 0 ? 0..<split : split..<n
    }

    /// Σ BCE and Σ KL per level over both lanes, in a fixed order.
    private func lossTotals() -> (Double, [Double]) {
        var bce = 0.0
        for j in 0..<(2 * D) { bce += Double(laneColumnBCE[j]) }
        let kl = graph.levels.indices.map { t -> Double in
            var s = 0.0
            for lane in 0..<2 {
                for j in 0..<graph.levels[t].size { s += laneKL[lane * latentTotal + levelOffset[t] + j] }
            }
            return s
        }
        return (bce, kl)
    }

    /// After both forward passes: whether to go on (a finite loss), and the free-bits mask
    /// from the whole batch's KL per dimension. Each lane computes the same, into its own row.
    private func decide(lane: Int) {
        let (bce, kl) = lossTotals()
        laneGoesOn[lane] = bce.isFinite && kl.allSatisfy(\.isFinite)
        let mask = laneKLMask + lane * latentTotal, fb = current.freeBits
        for j in 0..<latentTotal {
            mask[j] = fb > 0 && (laneKL[j] + laneKL[latentTotal + j]) / Double(current.rows) < Double(fb) ? 0 : 1
        }
    }

    private func forward(lane: Int) {
        let r = rows(of: lane), m = r.count, r0 = r.lowerBound
        let columnBCE = laneColumnBCE + lane * D, klDim = laneKL + lane * latentTotal
        columnBCE.update(repeating: 0, count: D)
        klDim.update(repeating: 0, count: latentTotal)
        guard m > 0 else { return }
        let input = value[0]
        if let s = current.source {
            for i in r { (input + i * D).update(from: s.data + s.indices[i] * D, count: D) }
            if let u = s.thresholds { for k in (r0 * D)..<(r.upperBound * D) { input[k] = u[k] < input[k] ? 1 : 0 } }
            var u = s.noiseUniforms
            for (t, l) in graph.levels.enumerated() {
                normals(fromUniformPairs: u, into: eps[t], range: (r0 * l.size)..<(r.upperBound * l.size))
                u += 2 * ((current.rows * l.size + 1) / 2)
            }
        }
        for l in graph.levels { grad[l.z]!.advanced(by: r0 * l.size).update(repeating: 0, count: m * l.size) }
        for (i, l) in graph.layers.enumerated() {
            let k = l.fanIn, n = l.fanOut
            let x = UnsafePointer(value[l.input] + r0 * k), y = value[l.output] + r0 * n
            if let P16, let x16 = value16[l.input].map({ $0 + r0 * k }) {
                if convertsInput[i] { toBF16(x, x16, count: m * k) }
                stepGEMM16(false, true, m: m, n: n, k: k, x16, lda: k, P16 + layerW[i], ldb: k, y, ldc: n)
            } else {
                stepGEMM(false, true, m: m, n: n, k: k, x, lda: k, P + layerW[i], ldb: k, y, ldc: n)
            }
            if l.output == graph.logits {
                // The logits with the loss and dlogits fused into one pass over them.
                vae_bias_bce_columns(y, P + layerB[i], input + r0 * D, grad[l.output]! + r0 * D, m, D, D, columnBCE)
            } else {
                vae_add_bias(y, P + layerB[i], m, n, n, l.relu ? 1 : 0)
            }
            switch hooks[i] {
            case .none: break
            case .sample(let t): sample(level: t, rows: r, klDim: klDim + levelOffset[t])
            case .priorKL(let t): priorKL(level: t, rows: r, klDim: klDim + levelOffset[t])
            }
        }
    }

    /// z = μ + σ ε; against N(0, I), the KL per dimension in closed form, summed over rows in order.
    private func sample(level t: Int, rows r: Range<Int>, klDim: UnsafeMutablePointer<Double>) {
        let lv = graph.levels[t], L = lv.size, L2 = 2 * L
        let heads = value[lv.heads], z = value[lv.z], e = eps[t], sd = std[t]
        let closedForm = lv.priorHeads == nil
        for i in r {
            let mu = heads + i * L2, logVar = mu + L
            for j in 0..<L {
                let s = expf(0.5 * logVar[j])
                sd[i * L + j] = s
                z[i * L + j] = mu[j] + s * e[i * L + j]
                if closedForm { klDim[j] += Double(-0.5 * (1 + logVar[j] - mu[j] * mu[j] - s * s)) }
            }
        }
    }

    /// log q(z) − log p(z) at the level's sample per dimension (the prior's heads just computed),
    /// summed over rows in order: the tape's `q.logProb(z) − p.logProb(z)`.
    private func priorKL(level t: Int, rows r: Range<Int>, klDim: UnsafeMutablePointer<Double>) {
        let lv = graph.levels[t], L = lv.size, L2 = 2 * L
        let q = value[lv.heads], p = value[lv.priorHeads!], z = value[lv.z]
        let log2pi = Float(Glibc.log(2 * Double.pi))
        for i in r {
            let mq = q + i * L2, lq = mq + L, mp = p + i * L2, lp = mp + L, zi = z + i * L
            for j in 0..<L {
                let dq = zi[j] - mq[j], dp = zi[j] - mp[j]
                let logQ = (dq * dq * expf(-lq[j]) + lq[j] + log2pi) * -0.5
                let logP = (dp * dp * expf(-lp[j]) + lp[j] + log2pi) * -0.5
                klDim[j] += Double(logQ - logP)
            }
        }
    }

    /// Before a heads layer's backward product: its dy from the KL terms and the sampler.
    private func headsBackward(_ hook: Hook, rows r: Range<Int>, lane: Int) {
        let beta = current.klWeight
        switch hook {
        case .none: return
        case .sample(let t):
            // Through the sampler: dμ = dz, dlogσ² = dz ε σ/2, plus, against N(0, I), the KL's
            // own β μ and β (σ² − 1)/2 (the prior network's hook wrote the other KL's part).
            let lv = graph.levels[t], L = lv.size, L2 = 2 * L
            let heads = value[lv.heads], dHeads = grad[lv.heads]!, dz = grad[lv.z]!, e = eps[t], sd = std[t]
            let mask = laneKLMask + lane * latentTotal + levelOffset[t]
            if lv.priorHeads == nil {
                for i in r {
                    let mu = heads + i * L2, dmu = dHeads + i * L2, dlv = dmu + L
                    for j in 0..<L {
                        let k = i * L + j, s = sd[k], bw = beta * mask[j]
                        dmu[j] = dz[k] + bw * mu[j]
                        dlv[j] = dz[k] * e[k] * s * 0.5 + bw * 0.5 * (s * s - 1)
                    }
                }
            } else {
                for i in r {
                    let dmu = dHeads + i * L2, dlv = dmu + L
                    for j in 0..<L {
                        let k = i * L + j
                        dmu[j] += dz[k]
                        dlv[j] += dz[k] * e[k] * sd[k] * 0.5
                    }
                }
            }
        case .priorKL(let t):
            // β (log q(z) − log p(z)) with z, q's and p's parameters all free; dz adds to what
            // the layers above pushed into it.
            let lv = graph.levels[t], L = lv.size, L2 = 2 * L
            let q = value[lv.heads], p = value[lv.priorHeads!], z = value[lv.z]
            let dq = grad[lv.heads]!, dp = grad[lv.priorHeads!]!, dz = grad[lv.z]!
            for i in r {
                let mq = q + i * L2, lq = mq + L, mp = p + i * L2, lp = mp + L
                let gmq = dq + i * L2, glq = gmq + L, gmp = dp + i * L2, glp = gmp + L
                for j in 0..<L {
                    let k = i * L + j
                    let iq = expf(-lq[j]), ip = expf(-lp[j]), a = z[k] - mq[j], b = z[k] - mp[j]
                    gmq[j] = beta * a * iq
                    glq[j] = beta * (0.5 * a * a * iq - 0.5)
                    gmp[j] = -beta * b * ip
                    glp[j] = -beta * (0.5 * b * b * ip - 0.5)
                    dz[k] += beta * (b * ip - a * iq)
                }
            }
        }
    }

    /// dx = dy W for the lane's rows, back through the ReLU that produced x; for a heads layer,
    /// first dy itself from dz and the KL terms.
    private func backwardInput(_ l: BackwardLayer, lane: Int) {
        let r = rows(of: lane), m = r.count, r0 = r.lowerBound
        guard m > 0 else { return }
        headsBackward(hooks[l.layer], rows: r, lane: lane)
        if let dy16 = l.dy16 { toBF16(l.dy + r0 * l.fanOut, dy16 + r0 * l.fanOut, count: m * l.fanOut) }
        guard let dx = l.dx else { return }
        if let P16, let dy16 = l.dy16 {
            stepGEMM16(false, false, m: m, n: l.fanIn, k: l.fanOut, dy16 + r0 * l.fanOut, lda: l.fanOut, P16 + l.w, ldb: l.fanIn,
                       accumulate: l.accumulate, dx + r0 * l.fanIn, ldc: l.fanIn)
        } else {
            stepGEMM(false, false, m: m, n: l.fanIn, k: l.fanOut, l.dy + r0 * l.fanOut, lda: l.fanOut, P + l.w, ldb: l.fanIn,
                     beta: l.accumulate ? 1 : 0, dx + r0 * l.fanIn, ldc: l.fanIn)
        }
        if let mask = l.mask { reluMask(dx + r0 * l.fanIn, mask + r0 * l.fanIn, count: m * l.fanIn) }
    }

    /// dW = dyᵀ x and db = Σ dy over all rows for the part's output units into G; with an
    /// update, Adam on them right away. On OpenBLAS, Adam leaves the gradient zeroed, so the next
    /// step's product adds into it (beta 1) and OpenBLAS skips its own zeroing pass over it.
    /// (Making the gradient a chunk at a time in a buffer that stays in L2 was tried: the
    /// repeated packing of x in each chunk's product cost more than the memory traffic saved.)
    private func backwardWeights(_ l: BackwardLayer, part: Int) {
        let o = outputs(of: part, fanOut: l.fanOut)
        guard !o.isEmpty else { return }
        let B = current.rows, n0 = o.lowerBound
        let gw = G + l.w + n0 * l.fanIn, gb = G + l.b + n0
        if let dy16 = l.dy16, let x16 = l.input16 {
            stepGEMM16(true, false, m: o.count, n: l.fanIn, k: B, dy16 + n0, lda: l.fanOut, x16, ldb: l.fanIn, gw, ldc: l.fanIn)
        } else {
            stepGEMM(true, false, m: o.count, n: l.fanIn, k: B, l.dy + n0, lda: l.fanOut, l.input, ldb: l.fanIn,
                     beta: gradientIsZero ? 1 : 0, gw, ldc: l.fanIn)
        }
        columnSums(l.dy + n0, rows: B, cols: o.count, ld: l.fanOut, into: gb)
        guard let u = current.update else { return }
        let ta = StepProfile.on ? now() : 0
        defer { if StepProfile.on { StepProfile.add(lane: part, adam: now() - ta) } }
        let weights = l.w + n0 * l.fanIn, weightCount = o.count * l.fanIn
        if let P16 {
            vae_adam_bf16(P + weights, G + weights, M + weights, V + weights, P16 + weights, weightCount,
                          u.lr, u.beta1, u.beta2, u.epsilon, u.c1, u.c2)
        } else {
            adamSIMD(P, G, M, V, range: weights..<(weights + weightCount), lr: u.lr, beta1: u.beta1, beta2: u.beta2,
                     epsilon: u.epsilon, c1: u.c1, c2: u.c2, clearGradient: current.adamClearsGradient)
        }
        adamSIMD(P, G, M, V, range: (l.b + n0)..<(l.b + n0 + o.count), lr: u.lr, beta1: u.beta1, beta2: u.beta2,
                 epsilon: u.epsilon, c1: u.c1, c2: u.c2, clearGradient: true)
    }

    /// Names the first non-finite tensor of the last step (for the training error).
    func firstNonFinite(rows B: Int) -> String {
        func bad(_ p: UnsafePointer<Float>, _ n: Int) -> Bool { (0..<n).contains { !p[$0].isFinite } }
        if bad(P, total) { return "a parameter (the previous step's update overflowed)" }
        for l in graph.layers {
            if bad(value[l.output], B * graph.widths[l.output]) { return graph.names[l.output] }
            if let t = graph.levels.firstIndex(where: { $0.heads == l.output }), bad(value[graph.levels[t].z], B * graph.levels[t].size) {
                return graph.names[graph.levels[t].z]
            }
        }
        if bad(G, total) { return "a parameter gradient" }
        return "the loss"
    }
}
