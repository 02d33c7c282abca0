import Dispatch
import Glibc

/// The "compiled" training step of a `VAE`, what `jax.jit` does for the JAX version: the
/// forward and backward passes written out once, every buffer allocated up front and reused,
/// matrix products straight into preallocated memory with transposes as flags, bias + ReLU
/// fused into one pass, the loss fused with its gradient, Adam over one flat buffer.
/// Tests check its gradients against the tape's.
final class CompiledVAE {
    let D: Int, L: Int
    let encSizes: [Int]   // [D, h1, ..., hk]
    let decSizes: [Int]   // [L, hk, ..., h1, D]
    let maxBatch: Int
    // Flat parameter layout (own order: the two heads are stacked into one 2L×H matrix).
    var P, G, M, V: UnsafeMutablePointer<Float>
    let total: Int
    var encW: [Int] = [], encB: [Int] = []
    var headW = 0, headB = 0
    var decW: [Int] = [], decB: [Int] = []
    // Activations and their gradients, maxBatch rows each.
    var encA: [UnsafeMutablePointer<Float>] = []   // outputs of trunk layers
    var heads, dHeads, eps, std, z, dz: UnsafeMutablePointer<Float>
    var decA: [UnsafeMutablePointer<Float>] = []   // outputs of decoder layers (last = logits)
    var dDec: [UnsafeMutablePointer<Float>] = []   // gradients w.r.t. decoder layer outputs
    var dEnc: [UnsafeMutablePointer<Float>] = []   // gradients w.r.t. trunk layer outputs
    var klMask: [Float]
    /// Per-pixel-column sums of the loss (see forwardBackward).
    var bceColumnSums: UnsafeMutablePointer<Float>
    var adamStep = 0
    /// Block-parallel products (BLAS itself then runs on one thread during training).
    var gemm = ParallelGEMM.fromEnvironment(threads: blasThreadCount)
    /// False for a worker that shares another's parameters and Adam state.
    private var ownsParameters = true
    /// Threads for the Adam pass (VAE_ADAM_THREADS overrides; default 2 when BLAS has 2+).
    var adamThreads: Int = {
        if let e = getenv("VAE_ADAM_THREADS"), let n = Int(String(cString: e)) { return max(1, n) }
        return min(2, max(1, blasThreadCount))
    }()

    /// A second worker for data-parallel steps: same layout, the leader's parameters and Adam
    /// moments, its own gradient and activation buffers.
    convenience init(sharing leader: CompiledVAE, vae: VAE, maxBatch: Int) {
        self.init(vae, maxBatch: maxBatch, loadParameters: false)
        for p in [P, M, V] { p.deallocate() }
        P = leader.P; M = leader.M; V = leader.V
        ownsParameters = false
    }

    init(_ vae: VAE, maxBatch: Int, loadParameters: Bool = true) {
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
        func buf(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1)); p.initialize(repeating: 0, count: max(n, 1)); return p
        }
        P = buf(total); G = buf(total); M = buf(total); V = buf(total)
        encA = encSizes.dropFirst().map { buf(maxBatch * $0) }
        dEnc = encSizes.dropFirst().map { buf(maxBatch * $0) }
        heads = buf(maxBatch * 2 * L); dHeads = buf(maxBatch * 2 * L)
        eps = buf(maxBatch * L); std = buf(maxBatch * L); z = buf(maxBatch * L); dz = buf(maxBatch * L)
        decA = decSizes.dropFirst().map { buf(maxBatch * $0) }
        dDec = decSizes.dropFirst().map { buf(maxBatch * $0) }
        klMask = [Float](repeating: 1, count: L)
        bceColumnSums = buf(D)
        if loadParameters { load(from: vae) }
    }

    deinit {
        if ownsParameters { for p in [P, M, V] { p.deallocate() } }
        for p in [G, heads, dHeads, eps, std, z, dz, bceColumnSums] + encA + dEnc + decA + dDec { p.deallocate() }
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

    /// y = act(x Wᵀ + b) for `rows` rows.
    @inline(__always)
    private func dense(_ x: UnsafePointer<Float>, rows: Int, in k: Int, out n: Int, w: Int, b: Int,
                       relu: Bool, _ y: UnsafeMutablePointer<Float>) {
        let bias = P + b
        gemm(false, true, m: rows, n: n, k: k, x, lda: k, P + w, ldb: k, y, ldc: n) { m0, mm, n0, nn in
            addBias(y + m0 * n + n0, bias + n0, rows: mm, cols: nn, ld: n, relu: relu)
        }
    }

    /// Adam constants of the current step.
    struct AdamStep { var lr, beta1, beta2, epsilon, c1, c2: Float }

    /// Adam on the block rows m0..<m0+mm, columns n0..<n0+nn of the `ld`-wide matrix at `offset`.
    @inline(__always)
    private func adamBlock(_ u: AdamStep, offset: Int, ld: Int, _ m0: Int, _ mm: Int, _ n0: Int, _ nn: Int) {
        for r in m0..<(m0 + mm) {
            let o = offset + r * ld + n0
            adamSIMD(P, G, M, V, range: o..<(o + nn), lr: u.lr, beta1: u.beta1, beta2: u.beta2, epsilon: u.epsilon,
                     c1: u.c1, c2: u.c2, clearGradient: true)
        }
    }

    /// Backward of `dense`: given dy (already masked by the activation), writes dW and db into
    /// G, and dx (if wanted) into `dx`.
    @inline(__always)
    private func denseBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, rows: Int, in k: Int, out n: Int,
                               w: Int, b: Int, dx: UnsafeMutablePointer<Float>?, maskBy relu: UnsafePointer<Float>? = nil,
                               update: AdamStep?) {
        // dx = dy W first: it needs W before this step's update. Each block goes back through the
        // ReLU below (zero where its output `relu` was ≤ 0) while it is in cache.
        if let dx {
            gemm(false, false, m: rows, n: k, k: n, dy, lda: n, P + w, ldb: k, dx, ldc: k) { m0, mm, n0, nn in
                if let relu { reluMask(dx + m0 * k + n0, relu + m0 * k + n0, rows: mm, cols: nn, ld: k) }
            }
        }
        // dW = dyᵀ x, each block updated by Adam while it is still in cache. Adam leaves the
        // block zeroed, so the next step accumulates into it (beta 1) and OpenBLAS skips its
        // separate zeroing pass over C.
        if let u = update {
            gemm(true, false, m: n, n: k, k: rows, dy, lda: n, x, ldb: k, beta: gradientIsZero ? 1 : 0, G + w, ldc: k) { m0, mm, n0, nn in
                self.adamBlock(u, offset: w, ld: k, m0, mm, n0, nn)
            }
        } else {
            gemm(true, false, m: n, n: k, k: rows, dy, lda: n, x, ldb: k, G + w, ldc: k)
        }
        columnSums(dy, rows: rows, cols: n, into: G + b)
        if let u = update { adamBlock(u, offset: b, ld: n, 0, 1, 0, n) }
    }

    /// True while every weight gradient block is zero (fresh, or cleared by the fused Adam).
    var gradientIsZero = true

    /// Forward + backward for a batch `x` (`rows × D`) with noise already in `eps`.
    /// Returns (Σ BCE, Σ KL) over the batch; gradients of Σ BCE + β·KL land in G. With `update`,
    /// Adam is applied to each parameter block as soon as its gradient is computed (every
    /// parameter's own old value has been used by then). A non-finite loss returns before any
    /// update.
    func forwardBackward(_ x: UnsafePointer<Float>, rows B: Int, klWeight beta: Float, freeBits: Float,
                         update: AdamStep? = nil) -> (bce: Double, kl: Double) {
        // Encoder trunk.
        var h: UnsafePointer<Float> = x
        for i in 0..<(encSizes.count - 1) {
            dense(h, rows: B, in: encSizes[i], out: encSizes[i + 1], w: encW[i], b: encB[i], relu: true, encA[i])
            h = UnsafePointer(encA[i])
        }
        let H = encSizes.last!, L2 = 2 * L
        dense(h, rows: B, in: H, out: L2, w: headW, b: headB, relu: false, heads)
        // z = μ + σ ε, and KL per element.
        var kl = 0.0
        var klDim = [Double](repeating: 0, count: L)
        for i in 0..<B {
            let mu = heads + i * L2, lv = mu + L
            for j in 0..<L {
                let s = expf(0.5 * lv[j])
                std[i * L + j] = s
                z[i * L + j] = mu[j] + s * eps[i * L + j]
                klDim[j] += Double(-0.5 * (1 + lv[j] - mu[j] * mu[j] - s * s))
            }
        }
        for j in 0..<L { kl += klDim[j] }
        if freeBits > 0 { for j in 0..<L { klMask[j] = klDim[j] / Double(B) < Double(freeBits) ? 0 : 1 } }
        // Decoder.
        var d: UnsafePointer<Float> = UnsafePointer(z)
        let nd = decSizes.count - 1
        for i in 0..<(nd - 1) {
            dense(d, rows: B, in: decSizes[i], out: decSizes[i + 1], w: decW[i], b: decB[i], relu: true, decA[i])
            d = UnsafePointer(decA[i])
        }
        // Logits, then the loss and dlogits, block by block while the logits are in cache. The
        // loss is summed per pixel column (rows in order), then over columns: the same sum
        // whichever way the product was cut into blocks.
        let logits = decA[nd - 1], dLogits = dDec[nd - 1], bias = P + decB[nd - 1], cs = bceColumnSums
        cs.update(repeating: 0, count: D)
        gemm(false, true, m: B, n: D, k: decSizes[nd - 1], d, lda: decSizes[nd - 1], P + decW[nd - 1], ldb: decSizes[nd - 1],
             logits, ldc: D) { m0, mm, n0, nn in
            let o = m0 * self.D + n0
            addBias(logits + o, bias + n0, rows: mm, cols: nn, ld: self.D, relu: false)
            bceWithLogitsColumns(logits + o, x + o, dLogits + o, rows: mm, cols: nn, ld: self.D, columnSums: cs + n0)
        }
        var bce = 0.0
        for j in 0..<D { bce += Double(cs[j]) }
        guard bce.isFinite && kl.isFinite else { return (bce, kl) }
        defer { gradientIsZero = update != nil }
        // Decoder backward.
        for i in stride(from: nd - 1, through: 0, by: -1) {
            let input: UnsafePointer<Float> = i == 0 ? UnsafePointer(z) : UnsafePointer(decA[i - 1])
            let dx: UnsafeMutablePointer<Float> = i == 0 ? dz : dDec[i - 1]
            denseBackward(input, dDec[i], rows: B, in: decSizes[i], out: decSizes[i + 1], w: decW[i], b: decB[i], dx: dx,
                          maskBy: i > 0 ? UnsafePointer(decA[i - 1]) : nil, update: update)
        }
        // Through the sampler and the KL: dμ = dz + β μ, dlogσ² = dz ε σ/2 + β (σ² − 1)/2.
        for i in 0..<B {
            let mu = heads + i * L2, dmu = dHeads + i * L2, dlv = dmu + L
            for j in 0..<L {
                let k = i * L + j, s = std[k], bw = beta * klMask[j]
                dmu[j] = dz[k] + bw * mu[j]
                dlv[j] = dz[k] * eps[k] * s * 0.5 + bw * 0.5 * (s * s - 1)
            }
        }
        // Heads and trunk backward.
        let nt = encSizes.count - 1
        denseBackward(encA[nt - 1], dHeads, rows: B, in: H, out: L2, w: headW, b: headB, dx: dEnc[nt - 1],
                      maskBy: encA[nt - 1], update: update)
        for i in stride(from: nt - 1, through: 0, by: -1) {
            let input: UnsafePointer<Float> = i == 0 ? x : UnsafePointer(encA[i - 1])
            denseBackward(input, dEnc[i], rows: B, in: encSizes[i], out: encSizes[i + 1], w: encW[i], b: encB[i],
                          dx: i == 0 ? nil : dEnc[i - 1], maskBy: i == 0 ? nil : UnsafePointer(encA[i - 1]),
                          update: update)  // no gradient for the data
        }
        return (bce, kl)
    }

    /// Advances Adam's step count and returns the constants of the new step (PyTorch's defaults).
    func nextAdamStep(learningRate lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) -> AdamStep {
        adamStep += 1
        return AdamStep(lr: lr, beta1: beta1, beta2: beta2, epsilon: epsilon,
                        c1: 1 - powf(beta1, Float(adamStep)), c2: 1 - powf(beta2, Float(adamStep)))
    }

    /// A separate Adam pass over all parameters (when the update is not fused into backward).
    func adam(learningRate lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        adamStep += 1
        let c1 = 1 - powf(beta1, Float(adamStep)), c2 = 1 - powf(beta2, Float(adamStep))
        // Memory-bound over ~650k parameters: split across the two cores (chunks aligned to 8 lanes).
        let parts = adamThreads
        if parts <= 1 {
            adamSIMD(P, G, M, V, range: 0..<total, lr: lr, beta1: beta1, beta2: beta2, epsilon: epsilon, c1: c1, c2: c2)
            return
        }
        let chunk = ((total + parts - 1) / parts + 7) / 8 * 8
        let (p, g, m, v, n) = (P, G, M, V, total)
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            let lo = min(k * chunk, n), hi = min(lo + chunk, n)
            adamSIMD(p, g, m, v, range: lo..<hi, lr: lr, beta1: beta1, beta2: beta2, epsilon: epsilon, c1: c1, c2: c2)
        }
    }

    /// Adam with the gradient G + other.G (two data-parallel halves of a batch), split over the cores.
    func adam(_ u: AdamStep, addingGradientsOf other: CompiledVAE) {
        let (p, g0, g1, m, v, n) = (P, G, other.G, M, V, total)
        let chunk = ((n + 1) / 2 + 7) / 8 * 8
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            let lo = min(k * chunk, n), hi = min(lo + chunk, n)
            adamSIMD(p, g0, g1, m, v, range: lo..<hi, lr: u.lr, beta1: u.beta1, beta2: u.beta2, epsilon: u.epsilon, c1: u.c1, c2: u.c2)
        }
    }

    /// Names the first non-finite tensor of the last step (for the training error).
    func firstNonFinite(rows B: Int) -> String {
        func bad(_ p: UnsafePointer<Float>, _ n: Int) -> Bool { (0..<n).contains { !p[$0].isFinite } }
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
        guard epochs >= 0, batchSize > 0, data.rows > 0 else {
            throw TrainingError.badArguments("need epochs ≥ 0, batchSize > 0 and some data (got \(epochs), \(batchSize), \(data.rows) rows)")
        }
        guard data.rowWidth == inputSize else {
            throw TrainingError.badArguments("data rows have \(data.rowWidth) values, the model expects \(inputSize)")
        }
        // Two cores: each big product is cut into blocks that the cores take in turn, with the
        // bias/ReLU pass and the Adam update of a block done by the core that computed it
        // (ParallelGEMM). If another process holds one core, the other keeps taking blocks
        // instead of waiting at a barrier, which on this shared machine beat both OpenBLAS's own
        // threads and a split of the batch over two workers. VAE_SHARDS=2 selects the latter
        // (two half-batch workers; one Adam pass sums their gradients), not with free bits,
        // which needs the whole batch's KL per dimension.
        let savedThreads = blasThreadCount
        let threads = trainingThreads()
        let shardEnv = getenv("VAE_SHARDS").flatMap { Int(String(cString: $0)) }
        let sharded = threads >= 2 && (shardEnv ?? 1) >= 2 && options.freeBits == 0 && batchSize >= 32
        let engine = CompiledVAE(self, maxBatch: batchSize)
        let half = (batchSize + 1) / 2
        let follower = sharded ? CompiledVAE(sharing: engine, vae: self, maxBatch: half) : nil
        engine.gemm = sharded || threads < 2 ? ParallelGEMM(chunks: 1) : .fromEnvironment(threads: threads)
        openblasThreads(1)  // our own threads (workers or product blocks) are the parallelism
        defer { openblasThreads(savedThreads) }
        // An explicit VAE_GEMM_CHUNKS fixes the blocking (no tuning).
        var tuner = ParallelismTuner(parallelChunks: getenv("VAE_GEMM_CHUNKS") == nil ? engine.gemm.chunks : 1)
        let results = UnsafeMutablePointer<(Double, Double)>.allocate(capacity: 2)
        defer { results.deallocate() }
        let n = data.rows, D = inputSize
        let stepsPerEpoch = (n + batchSize - 1) / batchSize
        let warmup = options.klWarmupEpochs * stepsPerEpoch
        var order = Array(0..<n)
        let xb = UnsafeMutablePointer<Float>.allocate(capacity: batchSize * D)
        defer { xb.deallocate() }
        var report = TrainingReport()
        report.threads = sharded || engine.gemm.enabled ? 2 : 1
        let progress = Progress(options.showProgress)
        var globalStep = 0
        for epoch in 1...max(epochs, 1) where epochs > 0 {
            options.beforeEpoch?(epoch)
            let t0 = now()
            order.seededShuffle(using: &rng)
            var sumBCE = 0.0, sumKL = 0.0
            var beta: Float = 1
            try data.scalars.withUnsafeBufferPointer { all in
                for s in 0..<stepsPerEpoch {
                    let tb = StepProfile.on ? now() : 0
                    let lo = s * batchSize, B = min(batchSize, n - lo)
                    for r in 0..<B { (xb + r * D).update(from: all.baseAddress! + order[lo + r] * D, count: D) }
                    if options.dynamicBinarization { for k in 0..<(B * D) { xb[k] = rng.uniform() < xb[k] ? 1 : 0 } }
                    beta = warmupWeight(step: globalStep, warmupSteps: warmup)
                    let upd = engine.nextAdamStep(learningRate: learningRate)
                    let bce: Double, kl: Double
                    let ts: Double
                    if let follower, B >= 32 {
                        let h = (B + 1) / 2
                        fillNormal(engine.eps, count: h * engine.L, using: &rng)
                        fillNormal(follower.eps, count: (B - h) * engine.L, using: &rng)
                        ts = StepProfile.on ? now() : 0
                        let fb = options.freeBits
                        DispatchQueue.concurrentPerform(iterations: 2) { k in
                            results[k] = k == 0
                                ? engine.forwardBackward(xb, rows: h, klWeight: beta, freeBits: fb)
                                : follower.forwardBackward(xb + h * D, rows: B - h, klWeight: beta, freeBits: fb)
                        }
                        bce = results[0].0 + results[1].0
                        kl = results[0].1 + results[1].1
                        if bce.isFinite && kl.isFinite { engine.adam(upd, addingGradientsOf: follower) }
                    } else {
                        fillNormal(engine.eps, count: B * engine.L, using: &rng)
                        ts = StepProfile.on ? now() : 0
                        let probe = tuner.chooseBlocks(step: globalStep)
                        if let probe { engine.gemm.chunks = probe }
                        let t0 = now()
                        (bce, kl) = engine.forwardBackward(xb, rows: B, klWeight: beta, freeBits: options.freeBits, update: upd)
                        tuner.record(step: globalStep, seconds: now() - t0, full: B == batchSize)
                    }
                    if StepProfile.on { StepProfile.batch += ts - tb }
                    let ta = StepProfile.on ? now() : 0
                    if StepProfile.on { StepProfile.step += ta - ts }
                    guard bce.isFinite && kl.isFinite else {
                        progress.finish()
                        throw TrainingError.nonFinite(epoch: epoch, step: s + 1, tensor: engine.firstNonFinite(rows: B))
                    }
                    if StepProfile.on { StepProfile.adam += now() - ta }
                    sumBCE += bce; sumKL += kl
                    globalStep += 1
                    if s % 20 == 0 {
                        progress.update("epoch \(epoch)/\(epochs) step \(s + 1)/\(stepsPerEpoch) -ELBO \(String(format4: Float((bce + kl) / Double(B))))")
                    }
                }
            }
            let dt = now() - t0
            engine.store(to: self)
            var val: Float? = nil
            if let v = options.validationData { val = negativeELBO(on: v, using: &rng) }
            report.epochs.append(EpochMetrics(
                epoch: epoch, negativeELBO: Float((sumBCE + sumKL) / Double(n)), reconstruction: Float(-sumBCE / Double(n)),
                kl: Float(sumKL / Double(n)), klPerLevel: [Float(sumKL / Double(n))], klWeight: beta,
                validationNegativeELBO: val, seconds: dt, samplesPerSecond: Double(n) / dt))
            options.afterEpoch?(report.epochs.last!)
        }
        progress.finish()
        StepProfile.report()
        if let (name, _) = namedParameters.first(where: { !$0.1.isFinite }) {
            throw TrainingError.nonFinite(epoch: epochs, step: stepsPerEpoch, tensor: name)
        }
        return report
    }
}

/// Cores a training run uses: OpenBLAS's thread setting (`VAEEngine.setThreads`); VAE_THREADS
/// overrides it.
func trainingThreads() -> Int {
    if let e = getenv("VAE_THREADS"), let n = Int(String(cString: e)) { return max(1, n) }
    return max(1, blasThreadCount)
}

/// Chooses, while training runs, between one core and block-parallel products on two: every
/// `period` steps it times a few steps each way and keeps the faster until the next probe.
/// On a quiet machine two cores win; when other processes hold the cores, a second thread
/// mostly waits for its blocks and one core is faster. Both ways compute the same numbers
/// (the blocks split the output, not the sums), so switching never changes the results.
struct ParallelismTuner {
    let parallelChunks: Int
    let period = 96, probe = 6
    var single = 0.0, parallel = 0.0, best: Int

    init(parallelChunks: Int) { self.parallelChunks = parallelChunks; best = parallelChunks }

    /// Blocks for this step's products, or nil to keep the current setting.
    mutating func chooseBlocks(step: Int) -> Int? {
        guard parallelChunks > 1 else { return nil }
        let phase = step % period
        if phase == 0 { single = 0; parallel = 0 }
        if phase < probe { return 1 }
        if phase < 2 * probe { return parallelChunks }
        if phase == 2 * probe { best = single <= parallel ? 1 : parallelChunks; return best }
        return nil
    }

    mutating func record(step: Int, seconds: Double, full: Bool) {
        guard parallelChunks > 1, full else { return }
        let phase = step % period
        if phase < probe { single += seconds } else if phase < 2 * probe { parallel += seconds }
    }
}
