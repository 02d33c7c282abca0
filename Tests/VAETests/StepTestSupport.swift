import XCTest
@testable import VAE

// What the compiled step's tests share (GradientTests, MixedPrecisionTests).

/// The models the compiled step runs, small: a VAE with two hidden layers, a three-level
/// HVAE (a Monte Carlo KL between two networks' Gaussians at each of its lower levels), an autoencoder.
func smallModels(input d: Int, seed: UInt64) -> [(String, any CompiledTrainable)] {
    var rng = SeededGenerator(seed: seed)
    return [("VAE", VAE(inputSize: d, hiddenSizes: [9, 7], latentSize: 3, using: &rng)),
            ("HVAE", HierarchicalVAE(inputSize: d, hiddenSizes: [9, 7, 5], latentSizes: [5, 3, 2], using: &rng)),
            ("autoencoder", Autoencoder(inputSize: d, hiddenSize: 8, codeSize: 3, using: &rng))]
}

/// One step of `engine` on the rows of x, its noise drawn from `rng` as training draws it.
func compiledStep(_ engine: CompiledStep, _ x: Tensor, rows: Int, klWeight: Float, freeBits: Float = 0,
                  update: CompiledStep.AdamStep? = nil, team: LaneTeam? = nil,
                  using rng: inout SeededGenerator) -> (bce: Double, kl: [Double]) {
    let noise = UnsafeMutablePointer<Double>.allocate(capacity: engine.noiseUniformCount(rows: rows) + 1)
    defer { noise.deallocate() }
    var u = noise
    for l in engine.graph.levels {
        drawUniformPairs(forNormals: rows * l.size, into: u, using: &rng)
        u += 2 * ((rows * l.size + 1) / 2)
    }
    let indices = Array(0..<rows)
    return x.scalars.withUnsafeBufferPointer { data in
        indices.withUnsafeBufferPointer { idx in
            engine.step(rows: rows, klWeight: klWeight, freeBits: freeBits, update: update,
                        source: CompiledStep.BatchSource(data: data.baseAddress!, indices: idx.baseAddress!,
                                                         thresholds: nil, noiseUniforms: noise), team: team)
        }
    }
}

/// Two lanes on two threads (the training step on two cores) against one thread running both
/// lanes, for every small model: losses, gradients, and parameters after Adam must be equal bit
/// for bit, for even, odd and one-row batches, with and without free bits. Returns each model's
/// one-thread step after the runs, for further checks.
@discardableResult
func assertTwoLanesMatchOneThread(precision: Precision, file: StaticString = #filePath, line: UInt = #line)
    -> [(label: String, model: any CompiledTrainable, step: CompiledStep)] {
    var rng = SeededGenerator(seed: 9)
    let x = Tensor.randomUniform([9, 30], using: &rng)
    var out: [(label: String, model: any CompiledTrainable, step: CompiledStep)] = []
    for (label, model) in smallModels(input: 30, seed: 9) {
        let one = CompiledStep(graph: model.stepGraph, maxBatch: 9, precision: precision)
        let two = CompiledStep(graph: model.stepGraph, maxBatch: 9, precision: precision)
        let team = LaneTeam { [unowned two] in two.runLane(1, $0) }
        defer { team.stop() }
        for (rows, freeBits) in [(9, Float(0)), (8, 0), (1, 0), (7, 0.3), (2, 0.3)] {
            // Gradients only, then a step with Adam.
            for update in [false, true] {
                var n1 = SeededGenerator(seed: UInt64(rows)), n2 = n1
                let r1 = compiledStep(one, x, rows: rows, klWeight: 0.8, freeBits: freeBits,
                                      update: update ? one.nextAdamStep(learningRate: 1e-2) : nil, using: &n1)
                let r2 = compiledStep(two, x, rows: rows, klWeight: 0.8, freeBits: freeBits,
                                      update: update ? two.nextAdamStep(learningRate: 1e-2) : nil, team: team, using: &n2)
                let what = "\(label), \(precision), rows \(rows)"
                XCTAssertEqual(r1.bce, r2.bce, what, file: file, line: line)
                XCTAssertEqual(r1.kl, r2.kl, what, file: file, line: line)
                XCTAssertEqual(Array<Float>(UnsafeBufferPointer(start: one.G, count: one.total)),
                               Array<Float>(UnsafeBufferPointer(start: two.G, count: two.total)), "gradients: " + what, file: file, line: line)
                XCTAssertEqual(Array<Float>(UnsafeBufferPointer(start: one.P, count: one.total)),
                               Array<Float>(UnsafeBufferPointer(start: two.P, count: two.total)), "parameters: " + what, file: file, line: line)
            }
        }
        // The steps did change the parameters (the comparison above is not of two untouched copies).
        let before = model.parameters.flatMap(\.scalars)
        one.store()
        XCTAssertNotEqual(before, model.parameters.flatMap(\.scalars), label, file: file, line: line)
        out.append((label, model, one))
    }
    return out
}
