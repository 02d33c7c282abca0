import CKernels
import Glibc

/// The "compiled" training step of a `VAE`, what `jax.jit` does for the JAX version: the
/// forward and backward passes written out once, every buffer allocated up front and reused,
/// matrix products straight into preallocated memory with transposes as flags, bias + ReLU
/// fused into one pass, the loss fused with its gradient, Adam over one flat buffer.
/// Tests check its gradients against the tape's.
///
/// Two lanes share the work of a step. The batch is cut into two halves of rows: each lane
/// runs the forward pass and the input gradients (dx = dy W) of its own rows. Each weight
/// gradient (dW = dyᵀ x, a sum over the whole batch) is cut into two halves of output units:
/// each lane computes its half and applies Adam to it at once, while it is still in cache.
/// A step is a sequence of phases with a barrier between them:
///
///     phase 0:  forward pass of the lane's rows, dx of backward layer 0
///     phase p:  dW + Adam of backward layer p−1 (the lane's half), dx of backward layer p
///     (the input layer has no dx: its dW + Adam joins the last phase)
///
/// so a weight is updated only after both lanes have used it for their dx, and each dW sees
/// both lanes' dy. With two cores, a helper thread runs lane 1 (`LaneTeam`); with one, the
/// caller runs each phase for lane 0 and then lane 1. Both ways do the same arithmetic, so
/// one core and two give bit-identical results.
final class CompiledVAE {
    let D: Int, L: Int
    let encSizes: [Int]   // [D, h1, ..., hk]
    let decSizes: [Int]   // [L, hk, ..., h1, D]
    let maxBatch: Int
    // Flat parameter layout (own order: the two heads are stacked into one 2L×H matrix).
    let P, G, M, V: UnsafeMutablePointer<Float>
    let total: Int
    var encW: [Int] = [], encB: [Int] = []
    var headW = 0, headB = 0
    var decW: [Int] = [], decB: [Int] = []
    // The batch, activations and their gradients, maxBatch rows each.
    let input: UnsafeMutablePointer<Float>
    var encA: [UnsafeMutablePointer<Float>] = []   // outputs of trunk layers
    let heads, dHeads, eps, std, z, dz: UnsafeMutablePointer<Float>
    var decA: [UnsafeMutablePointer<Float>] = []   // outputs of decoder layers (last = logits)
    var dDec: [UnsafeMutablePointer<Float>] = []   // gradients w.r.t. decoder layer outputs
    var dEnc: [UnsafeMutablePointer<Float>] = []   // gradients w.r.t. trunk layer outputs
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
        let input: UnsafePointer<Float>          // x (all rows)
        let dy: UnsafeMutablePointer<Float>      // gradient w.r.t. the layer's output, after its activation
        let dx: UnsafeMutablePointer<Float>?     // gradient w.r.t. x, or nil for the data
        let mask: UnsafePointer<Float>?          // ReLU output that x came from (dx is zeroed where ≤ 0)
        let w: Int, b: Int, fanIn: Int, fanOut: Int
        let afterSampler: Bool                   // dy is dHeads: run the sampler's backward first
    }
    private(set) var backwardLayers: [BackwardLayer] = []
    /// The input layer has no dx, so its dW needs no barrier of its own: it joins the phase
    /// before (the last one).
    var phaseCount: Int { backwardLayers.count + (backwardLayers.last!.dx == nil ? 0 : 1) }

    /// Where a step's rows come from: `indices` into the rows of `data`, and, for dynamic
    /// binarization, one uniform threshold per pixel; and its noise: the uniform pairs that
    /// become ε (Box–Muller, computed by each lane for its rows).
    struct BatchSource {
        let data: UnsafePointer<Float>
        let indices: UnsafePointer<Int>
        let thresholds: UnsafePointer<Float>?
        let noiseUniforms: UnsafePointer<Double>
    }

    /// Inputs of the step being run (set by `step` before the lanes start).
    private struct StepInputs {
        var rows = 0, klWeight: Float = 1, freeBits: Float = 0
        var update: AdamStep? = nil
        var source: BatchSource? = nil
    }
    private var current = StepInputs()

    init(_ vae: VAE, maxBatch: Int) {
        D = vae.inputSize; L = vae.latentSize
        encSizes = [vae.inputSize] + vae.hiddenSizes
        decSizes = [vae.latentSize] + vae.hiddenSizes.reversed() + [vae.inputSize]
        self.maxBatch = maxBatch
        var off = 0
        for i in 0..<(encSizes.count - 1) {
            encW.append(off); off += encSizes[i] * encSizes[i + 1]
            encB.append(off); off += encSizes[i + 1]
        }
        let H = encSizes.last!
        headW = off; off += 2 * L * H
        headB = off; off += 2 * L
        for i in 0..<(decSizes.count - 1) {
            decW.append(off); off += decSizes[i] * decSizes[i + 1]
            decB.append(off); off += decSizes[i + 1]
        }
        total = off
        func buf<T: Numeric>(_ n: Int, _: T.Type = Float.self) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1)); p.initialize(repeating: 0, count: max(n, 1)); return p
        }
        P = buf(total); G = buf(total); M = buf(total); V = buf(total)
        input = buf(maxBatch * D)
        encA = encSizes.dropFirst().map { buf(maxBatch * $0) }
        dEnc = encSizes.dropFirst().map { buf(maxBatch * $0) }
        heads = buf(maxBatch * 2 * L); dHeads = buf(maxBatch * 2 * L)
        eps = buf(maxBatch * L); std = buf(maxBatch * L); z = buf(maxBatch * L); dz = buf(maxBatch * L)
        decA = decSizes.dropFirst().map { buf(maxBatch * $0) }
        dDec = decSizes.dropFirst().map { buf(maxBatch * $0) }
        laneColumnBCE = buf(2 * D); laneKL = buf(2 * L, Double.self); laneKLMask = buf(2 * L)
        laneGoesOn = .allocate(capacity: 2); laneGoesOn.initialize(repeating: false, count: 2)
        // Backward order: decoder from the logits down, the heads, the trunk from the top.
        let nd = decSizes.count - 1, nt = encSizes.count - 1
        for i in stride(from: nd - 1, through: 0, by: -1) {
            backwardLayers.append(BackwardLayer(
                input: i == 0 ? UnsafePointer(z) : UnsafePointer(decA[i - 1]), dy: dDec[i], dx: i == 0 ? dz : dDec[i - 1],
                mask: i == 0 ? nil : UnsafePointer(decA[i - 1]), w: decW[i], b: decB[i], fanIn: decSizes[i],
                fanOut: decSizes[i + 1], afterSampler: false))
        }
        backwardLayers.append(BackwardLayer(
            input: UnsafePointer(encA[nt - 1]), dy: dHeads, dx: dEnc[nt - 1], mask: UnsafePointer(encA[nt - 1]),
            w: headW, b: headB, fanIn: H, fanOut: 2 * L, afterSampler: true))
        for i in stride(from: nt - 1, through: 0, by: -1) {
            backwardLayers.append(BackwardLayer(
                input: i == 0 ? UnsafePointer(input) : UnsafePointer(encA[i - 1]), dy: dEnc[i], dx: i == 0 ? nil : dEnc[i - 1],
                mask: i == 0 ? nil : UnsafePointer(encA[i - 1]), w: encW[i], b: encB[i], fanIn: encSizes[i],
                fanOut: encSizes[i + 1], afterSampler: false))
        }
        load(from: vae)
    }

    deinit {
        for p in [P, G, M, V, input, heads, dHeads, eps, std, z, dz, laneColumnBCE, laneKLMask] + encA + dEnc + decA + dDec {
            p.deallocate()
        }
        laneKL.deallocate(); laneGoesOn.deallocate()
    }

    /// (tensor, flat offset) pairs in `namedParameters` order: how the model's tensors map into the flat buffer.
    func mapping(_ vae: VAE) -> [(Tensor, Int)] {
        var out: [(Tensor, Int)] = []
        for (i, l) in vae.encoder.trunk.enumerated() { out += [(l.weight, encW[i]), (l.bias, encB[i])] }
        out += [(vae.encoder.meanHead.weight, headW), (vae.encoder.meanHead.bias, headB),
                (vae.encoder.logVarianceHead.weight, headW + L * encSizes.last!), (vae.encoder.logVarianceHead.bias, headB + L)]
        for (i, l) in vae.decoder.layers.enumerated() { out += [(l.weight, decW[i]), (l.bias, decB[i])] }
        return out
    }

    func load(from vae: VAE) {
        for (t, o) in mapping(vae) { t.scalars.withUnsafeBufferPointer { (P + o).update(from: $0.baseAddress!, count: t.count) } }
    }

    func store(to vae: VAE) {
        for (t, o) in mapping(vae) { t.scalars = Array(UnsafeBufferPointer(start: P + o, count: t.count)) }
    }

    /// Flat gradient back in model layout (for tests).
    func gradients(of vae: VAE) -> [[Float]] {
        mapping(vae).map { (t, o) in Array(UnsafeBufferPointer(start: G + o, count: t.count)) }
    }

    /// Adam constants of the current step.
    struct AdamStep { var lr, beta1, beta2, epsilon, c1, c2: Float }

    /// Advances Adam's step count and returns the constants of the new step (PyTorch's defaults).
    func nextAdamStep(learningRate lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) -> AdamStep {
        adamStep += 1
        return AdamStep(lr: lr, beta1: beta1, beta2: beta2, epsilon: epsilon,
                        c1: 1 - powf(beta1, Float(adamStep)), c2: 1 - powf(beta2, Float(adamStep)))
    }

    // MARK: The step

    /// Forward + backward for `rows` rows and their noise (from `source`, or already in
    /// `input` and `eps`). Returns (Σ BCE, Σ KL) over the batch; gradients of
    /// Σ BCE + β·KL land in G, or, with `update`, Adam is applied to each parameter block as
    /// soon as its gradient is computed (leaving G zeroed). A non-finite loss returns
    /// before any update. With a `team`, its helper thread runs lane 1.
    func step(rows B: Int, klWeight beta: Float, freeBits: Float, update: AdamStep?, source: BatchSource? = nil,
              team: LaneTeam? = nil) -> (bce: Double, kl: Double) {
        precondition(B >= 1 && B <= maxBatch, "batch of \(B) rows for a step built for at most \(maxBatch)")
        current = StepInputs(rows: B, klWeight: beta, freeBits: freeBits, update: update, source: source)
        if let team {
            team.start()
            runLane(0, team)
        } else {
            for p in 0..<phaseCount { runPhase(p, lane: 0); runPhase(p, lane: 1) }
        }
        let (bce, kl) = lossTotals()
        if bce.isFinite && kl.isFinite { gradientIsZero = update != nil }
        return (bce, kl)
    }

    /// The step for a batch already in memory (tests).
    func forwardBackward(_ x: UnsafePointer<Float>, rows B: Int, klWeight beta: Float, freeBits: Float,
                         update: AdamStep? = nil, team: LaneTeam? = nil) -> (bce: Double, kl: Double) {
        input.update(from: x, count: B * D)
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
            backwardWeights(backwardLayers[p - 1], part: lane)
        }
        if p < backwardLayers.count { backwardInput(backwardLayers[p], lane: lane) }
        if p == backwardLayers.count - 1 && phaseCount == backwardLayers.count {
            backwardWeights(backwardLayers[p], part: lane)
        }
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

    /// Σ BCE and Σ KL over both lanes, in a fixed order.
    private func lossTotals() -> (Double, Double) {
        var bce = 0.0, kl = 0.0
        for j in 0..<(2 * D) { bce += Double(laneColumnBCE[j]) }
        for j in 0..<(2 * L) { kl += laneKL[j] }
        return (bce, kl)
    }

    /// After both forward passes: whether to go on (a finite loss), and the free-bits mask
    /// from the whole batch's KL per dimension. Each lane computes the same, into its own row.
    private func decide(lane: Int) {
        let (bce, kl) = lossTotals()
        laneGoesOn[lane] = bce.isFinite && kl.isFinite
        let mask = laneKLMask + lane * L, fb = current.freeBits
        for j in 0..<L {
            mask[j] = fb > 0 && (laneKL[j] + laneKL[L + j]) / Double(current.rows) < Double(fb) ? 0 : 1
        }
    }

    /// y = act(x Wᵀ + b) for `rows` rows.
    @inline(__always)
    private func dense(_ x: UnsafePointer<Float>, rows: Int, in k: Int, out n: Int, w: Int, b: Int,
                       relu: Bool, _ y: UnsafeMutablePointer<Float>) {
        sgemm(false, true, m: rows, n: n, k: k, x, lda: k, P + w, ldb: k, y, ldc: n)
        vae_add_bias(y, P + b, rows, n, n, relu ? 1 : 0)
    }

    private func forward(lane: Int) {
        let r = rows(of: lane), m = r.count, r0 = r.lowerBound
        let columnBCE = laneColumnBCE + lane * D, klDim = laneKL + lane * L
        columnBCE.update(repeating: 0, count: D)
        klDim.update(repeating: 0, count: L)
        guard m > 0 else { return }
        if let s = current.source {
            for i in r { (input + i * D).update(from: s.data + s.indices[i] * D, count: D) }
            if let u = s.thresholds { for k in (r0 * D)..<(r.upperBound * D) { input[k] = u[k] < input[k] ? 1 : 0 } }
            normals(fromUniformPairs: s.noiseUniforms, into: eps, range: (r0 * L)..<(r.upperBound * L))
        }
        // Encoder trunk and heads.
        var h = UnsafePointer(input + r0 * D)
        for i in 0..<(encSizes.count - 1) {
            let out = encA[i] + r0 * encSizes[i + 1]
            dense(h, rows: m, in: encSizes[i], out: encSizes[i + 1], w: encW[i], b: encB[i], relu: true, out)
            h = UnsafePointer(out)
        }
        let H = encSizes.last!, L2 = 2 * L
        dense(h, rows: m, in: H, out: L2, w: headW, b: headB, relu: false, heads + r0 * L2)
        // z = μ + σ ε, and the KL per dimension, summed over rows in order.
        for i in r {
            let mu = heads + i * L2, lv = mu + L
            for j in 0..<L {
                let s = expf(0.5 * lv[j])
                std[i * L + j] = s
                z[i * L + j] = mu[j] + s * eps[i * L + j]
                klDim[j] += Double(-0.5 * (1 + lv[j] - mu[j] * mu[j] - s * s))
            }
        }
        // Decoder, then the logits with the loss and dlogits fused into one pass over them.
        var d = UnsafePointer(z + r0 * L)
        let nd = decSizes.count - 1
        for i in 0..<(nd - 1) {
            let out = decA[i] + r0 * decSizes[i + 1]
            dense(d, rows: m, in: decSizes[i], out: decSizes[i + 1], w: decW[i], b: decB[i], relu: true, out)
            d = UnsafePointer(out)
        }
        let k = decSizes[nd - 1], logits = decA[nd - 1] + r0 * D
        sgemm(false, true, m: m, n: D, k: k, d, lda: k, P + decW[nd - 1], ldb: k, logits, ldc: D)
        vae_bias_bce_columns(logits, P + decB[nd - 1], input + r0 * D, dDec[nd - 1] + r0 * D, m, D, D, columnBCE)
    }

    /// dx = dy W for the lane's rows, back through the ReLU that produced x; for the heads,
    /// first dy itself from dz and the KL (the sampler's backward).
    private func backwardInput(_ l: BackwardLayer, lane: Int) {
        let r = rows(of: lane), m = r.count, r0 = r.lowerBound
        guard m > 0 else { return }
        if l.afterSampler { samplerBackward(r, lane: lane) }
        guard let dx = l.dx else { return }
        sgemm(false, false, m: m, n: l.fanIn, k: l.fanOut, l.dy + r0 * l.fanOut, lda: l.fanOut, P + l.w, ldb: l.fanIn,
              dx + r0 * l.fanIn, ldc: l.fanIn)
        if let mask = l.mask { reluMask(dx + r0 * l.fanIn, mask + r0 * l.fanIn, count: m * l.fanIn) }
    }

    /// Through the sampler and the KL: dμ = dz + β μ, dlogσ² = dz ε σ/2 + β (σ² − 1)/2.
    private func samplerBackward(_ r: Range<Int>, lane: Int) {
        let L2 = 2 * L, beta = current.klWeight, mask = laneKLMask + lane * L
        for i in r {
            let mu = heads + i * L2, dmu = dHeads + i * L2, dlv = dmu + L
            for j in 0..<L {
                let k = i * L + j, s = std[k], bw = beta * mask[j]
                dmu[j] = dz[k] + bw * mu[j]
                dlv[j] = dz[k] * eps[k] * s * 0.5 + bw * 0.5 * (s * s - 1)
            }
        }
    }

    /// dW = dyᵀ x and db = Σ dy over all rows for the part's output units into G; with an
    /// update, Adam on them right away. Adam leaves the gradient zeroed, so the next step's
    /// product adds into it (beta 1) and OpenBLAS skips its own zeroing pass over it.
    /// (Making the gradient a chunk at a time in a buffer that stays in L2 was tried: the
    /// repeated packing of x in each chunk's product cost more than the memory traffic saved.)
    private func backwardWeights(_ l: BackwardLayer, part: Int) {
        let o = outputs(of: part, fanOut: l.fanOut)
        guard !o.isEmpty else { return }
        let B = current.rows, n0 = o.lowerBound
        let gw = G + l.w + n0 * l.fanIn, gb = G + l.b + n0
        sgemm(true, false, m: o.count, n: l.fanIn, k: B, l.dy + n0, lda: l.fanOut, l.input, ldb: l.fanIn,
              beta: gradientIsZero ? 1 : 0, gw, ldc: l.fanIn)
        columnSums(l.dy + n0, rows: B, cols: o.count, ld: l.fanOut, into: gb)
        guard let u = current.update else { return }
        let ta = StepProfile.on ? now() : 0
        defer { if StepProfile.on { StepProfile.add(lane: part, adam: now() - ta) } }
        for (offset, count) in [(l.w + n0 * l.fanIn, o.count * l.fanIn), (l.b + n0, o.count)] {
            adamSIMD(P, G, M, V, range: offset..<(offset + count), lr: u.lr, beta1: u.beta1, beta2: u.beta2,
                     epsilon: u.epsilon, c1: u.c1, c2: u.c2, clearGradient: true)
        }
    }

    /// Names the first non-finite tensor of the last step (for the training error).
    func firstNonFinite(rows B: Int) -> String {
        func bad(_ p: UnsafePointer<Float>, _ n: Int) -> Bool { (0..<n).contains { !p[$0].isFinite } }
        if bad(P, total) { return "a parameter (the previous step's update overflowed)" }
        for i in 0..<(encSizes.count - 1) where bad(encA[i], B * encSizes[i + 1]) { return "encoder.trunk[\(i)] output" }
        if bad(heads, B * 2 * L) { return "encoder heads (mean / logVariance)" }
        if bad(z, B * L) { return "z (σ = exp(½ logVariance) overflowed)" }
        for i in 0..<(decSizes.count - 1) where bad(decA[i], B * decSizes[i + 1]) { return "decoder.layers[\(i)] output" }
        if bad(G, total) { return "a parameter gradient" }
        return "the loss"
    }
}

extension VAE {
    /// The fused training loop behind `train(on:…)`.
    func trainCompiled<G: RandomNumberGenerator>(on data: Tensor, epochs: Int, batchSize: Int, learningRate: Float,
                                                 options: TrainingOptions, using rng: inout G) throws -> TrainingReport {
        guard data.rowWidth == inputSize else {
            throw TrainingError.badArguments("data rows have \(data.rowWidth) values, the model expects \(inputSize)")
        }
        // Two cores: a helper thread runs lane 1 of each step (see CompiledVAE), OpenBLAS runs
        // single-threaded inside each lane. The tuner falls back to one core while another
        // process holds the second (the lanes would wait for each other at every barrier).
        let savedThreads = blasThreadCount
        let engine = CompiledVAE(self, maxBatch: max(1, batchSize))
        let team = trainingThreads(options) >= 2 ? LaneTeam { [unowned engine] in engine.runLane(1, $0) } : nil
        openblasThreads(1)
        defer { openblasThreads(savedThreads); team?.stop() }
        var tuner = ParallelismTuner(enabled: team != nil)
        let D = inputSize
        let thresholds = options.dynamicBinarization ? UnsafeMutablePointer<Float>.allocate(capacity: max(1, batchSize) * D) : nil
        let noiseUniforms = UnsafeMutablePointer<Double>.allocate(capacity: max(1, batchSize) * latentSize + 1)
        defer { thresholds?.deallocate(); noiseUniforms.deallocate() }
        var globalStep = 0
        let report = try runEpochs(data: data, epochs: epochs, batchSize: batchSize, options: options, threads: team == nil ? 1 : 2,
                                   using: &rng, evaluate: { v, r in self.negativeELBO(on: v, using: &r) },
                                   endOfEpoch: { engine.store(to: self) }) { epoch, step, rows, beta, rng in
            let tb = StepProfile.on ? now() : 0
            let B = rows.count
            // The lanes gather their own rows and make their own noise; the random numbers are
            // drawn here, in order.
            if let thresholds { for k in 0..<(B * D) { thresholds[k] = rng.uniform() } }
            drawUniformPairs(forNormals: B * engine.L, into: noiseUniforms, using: &rng)
            let update = engine.nextAdamStep(learningRate: learningRate)
            let useTeam = tuner.useTeam(step: globalStep)
            let ts = now()
            if StepProfile.on { StepProfile.batch += ts - tb; StepProfile.steps[useTeam ? 1 : 0] += 1 }
            let (bce, kl) = data.scalars.withUnsafeBufferPointer { all in
                engine.step(rows: B, klWeight: beta, freeBits: options.freeBits, update: update,
                            source: CompiledVAE.BatchSource(data: all.baseAddress!, indices: rows.baseAddress!,
                                                            thresholds: thresholds.map { UnsafePointer($0) }, noiseUniforms: noiseUniforms),
                            team: useTeam ? team : nil)
            }
            let seconds = now() - ts
            if StepProfile.on { StepProfile.step += seconds }
            tuner.record(step: globalStep, seconds: seconds, full: B == batchSize)
            globalStep += 1
            guard bce.isFinite && kl.isFinite else {
                throw TrainingError.nonFinite(epoch: epoch, step: step, tensor: engine.firstNonFinite(rows: B))
            }
            return BatchSums(logLikelihood: -bce, klPerLevel: [kl])
        }
        StepProfile.report()
        if let (name, _) = namedParameters.first(where: { !$0.1.isFinite }) {
            throw TrainingError.nonFinite(epoch: epochs, step: (data.rows + batchSize - 1) / batchSize, tensor: name)
        }
        return report
    }
}
