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
