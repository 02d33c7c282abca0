/// The training loop behind `train(on:…)` for every model the compiled step describes.
func trainCompiled<M: TrainableModel, G: RandomNumberGenerator>(
    _ model: M, graph: StepGraph, on data: Tensor, epochs: Int, batchSize: Int, learningRate: Float,
    options: TrainingOptions, using rng: inout G
) throws -> TrainingReport {
    guard data.rowWidth == graph.widths[0] else {
        throw TrainingError.badArguments("data rows have \(data.rowWidth) values, the model expects \(graph.widths[0])")
    }
    // Two cores: a helper thread runs lane 1 of each step (see CompiledStep), OpenBLAS runs
    // single-threaded inside each lane. The tuner falls back to one core while another
    // process holds the second (the lanes would wait for each other at every barrier).
    let savedThreads = blasThreadCount
    if options.precision == .bf16, let why = VAEEngine.bf16Unavailable {
        throw TrainingError.unsupported("bf16 training cannot run on this machine: \(why). Train with precision float32 (the default).")
    }
    let engine = CompiledStep(graph: graph, maxBatch: max(1, batchSize), precision: options.precision)
    let team = trainingThreads(options) >= 2 ? LaneTeam { [unowned engine] in engine.runLane(1, $0) } : nil
    openblasThreads(1)
    defer { openblasThreads(savedThreads); team?.stop() }
    var tuner = ParallelismTuner(enabled: team != nil)
    let D = graph.widths[0]
    let thresholds = options.dynamicBinarization ? UnsafeMutablePointer<Float>.allocate(capacity: max(1, batchSize) * D) : nil
    let noiseUniforms = UnsafeMutablePointer<Double>.allocate(capacity: engine.noiseUniformCount(rows: max(1, batchSize)) + 1)
    defer { thresholds?.deallocate(); noiseUniforms.deallocate() }
    var globalStep = 0
    var fullStepSeconds: [Double] = []  // for the report's median step
    var report = try runEpochs(data: data, epochs: epochs, batchSize: batchSize, options: options, threads: team == nil ? 1 : 2,
                               using: &rng, evaluate: { v, r in model.negativeELBO(on: v, using: &r) },
                               endOfEpoch: { engine.store() }) { epoch, step, rows, beta, rng in
        let tb = StepProfile.on ? now() : 0
        let B = rows.count
        // The lanes gather their own rows and make their own noise; the random numbers are
        // drawn here, in the tape's order (binarization, then each level's noise from z₁ up).
        if let thresholds { for k in 0..<(B * D) { thresholds[k] = rng.uniform() } }
        var u = noiseUniforms
        for l in graph.levels {
            drawUniformPairs(forNormals: B * l.size, into: u, using: &rng)
            u += 2 * ((B * l.size + 1) / 2)
        }
        let update = engine.nextAdamStep(learningRate: learningRate)
        let useTeam = tuner.useTeam(step: globalStep)
        let ts = now()
        if StepProfile.on { StepProfile.batch += ts - tb; StepProfile.steps[useTeam ? 1 : 0] += 1 }
        let (bce, kl) = data.scalars.withUnsafeBufferPointer { all in
            engine.step(rows: B, klWeight: beta, freeBits: options.freeBits, update: update,
                        source: CompiledStep.BatchSource(data: all.baseAddress!, indices: rows.baseAddress!,
                                                         thresholds: thresholds.map { UnsafePointer($0) }, noiseUniforms: noiseUniforms),
                        team: useTeam ? team : nil)
        }
        let seconds = now() - ts
        if StepProfile.on { StepProfile.step += seconds }
        tuner.record(step: globalStep, seconds: seconds, full: B == batchSize)
        if B == batchSize { fullStepSeconds.append(seconds) }
        globalStep += 1
        guard bce.isFinite && kl.allSatisfy(\.isFinite) else {
            throw TrainingError.nonFinite(epoch: epoch, step: step, tensor: engine.firstNonFinite(rows: B))
        }
        // A model without a latent level (the autoencoder) reports one level of zero KL, as its tape objective does.
        return BatchSums(logLikelihood: -bce, klPerLevel: kl.isEmpty ? [0] : kl)
    }
    StepProfile.report()
    report.medianStepSeconds = median(fullStepSeconds)
    if let (name, _) = model.namedParameters.first(where: { !$0.1.isFinite }) {
        throw TrainingError.nonFinite(epoch: epochs, step: (data.rows + batchSize - 1) / batchSize, tensor: name)
    }
    return report
}
