import CKernels
import XCTest
@testable import VAE

/// The compiled step with bf16 products (`Precision.bf16`): close to the tape's float32 numbers
/// within bf16's rounding, not the float32 step's numbers (so the bf16 products really ran),
/// one core and two bit-identical, and training to the float32 loss.
final class MixedPrecisionTests: XCTestCase {
    func requireBF16() throws {
        if let why = VAEEngine.bf16Unavailable { throw XCTSkip("bf16 products cannot run here: \(why)") }
    }

    func testBF16ConversionRoundsToNearestEven() {
        // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: to the even one, 1.
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: to the even one, 1 + 2^-6.
        // 3.4e38 is above bf16's largest value (about 3.39e38) by more than half a step: infinity.
        let x: [Float] = [1, 1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-8 + 0x1p-20, -2.5, 0, .infinity, 3.4e38, .nan]
        var h = [UInt16](repeating: 0, count: x.count), back = [Float](repeating: 0, count: x.count)
        vae_to_bf16(x, &h, x.count)
        vae_from_bf16(h, &back, x.count)
        XCTAssertEqual(Array(back[0..<8]), [1, 1, 1 + 0x1p-6, 1 + 0x1p-7, -2.5, 0, .infinity, .infinity])
        XCTAssertTrue(back[8].isNaN)
    }

    /// The bf16 product against a float64 product of the same bf16 values, for every transpose,
    /// accumulation and leading dimensions wider than the operands; on oneDNN and on the float32
    /// fallback that runs where oneDNN makes no kernel for a shape.
    func testBF16ProductForEveryTransposeAndItsFallback() throws {
        try requireBF16()
        var rng = SeededGenerator(seed: 2)
        let m = 5, n = 7, k = 9, pad = 3
        defer { vae_bf16_force_widened(0) }
        for widened in [false, true] {
            vae_bf16_force_widened(widened ? 1 : 0)
            for ta in [false, true] {
                for tb in [false, true] {
                    for accumulate in [false, true] {
                        let lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad
                        let aRows = ta ? k : m, bRows = tb ? n : k
                        let a = (0..<(aRows * lda)).map { _ in Float(rng.uniform() - 0.5) }
                        let b = (0..<(bRows * ldb)).map { _ in Float(rng.uniform() - 0.5) }
                        var a16 = [UInt16](repeating: 0, count: a.count), b16 = [UInt16](repeating: 0, count: b.count)
                        vae_to_bf16(a, &a16, a.count); vae_to_bf16(b, &b16, b.count)
                        var aw = [Float](repeating: 0, count: a.count), bw = [Float](repeating: 0, count: b.count)
                        vae_from_bf16(a16, &aw, a.count); vae_from_bf16(b16, &bw, b.count)
                        let c0 = (0..<(m * ldc)).map { _ in Float(rng.uniform()) }
                        var c = c0
                        vae_bf16_gemm(ta ? 1 : 0, tb ? 1 : 0, Int32(m), Int32(n), Int32(k), a16, Int32(lda), b16, Int32(ldb),
                                      accumulate ? 1 : 0, &c, Int32(ldc))
                        for i in 0..<m {
                            for j in 0..<n {
                                var s = accumulate ? Double(c0[i * ldc + j]) : 0
                                for p in 0..<k {
                                    s += Double(ta ? aw[p * lda + i] : aw[i * lda + p]) * Double(tb ? bw[j * ldb + p] : bw[p * ldb + j])
                                }
                                XCTAssertEqual(Double(c[i * ldc + j]), s, accuracy: 1e-5,
                                               "C[\(i), \(j)], transposes \(ta) \(tb), accumulate \(accumulate), widened \(widened)")
                            }
                            for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j], "padding of C written") }
                        }
                    }
                }
            }
        }
    }

    /// Gradients of the bf16 step against the tape's float32 gradients on the same batch and
    /// noise, for every model: within 3% of each gradient tensor's largest value (bf16 keeps 8
    /// bits of mantissa), and not equal to the float32 step's.
    func testBF16StepIsCloseToTheTapeForEveryModel() throws {
        try requireBF16()
        var rng = SeededGenerator(seed: 5)
        let x = Tensor.randomUniform([6, 12], using: &rng)
        for (label, model) in smallModels(input: 12, seed: 5) {
            let beta: Float = 0.7
            let bf16 = CompiledStep(graph: model.stepGraph, maxBatch: 8, precision: .bf16)
            let fp32 = CompiledStep(graph: model.stepGraph, maxBatch: 8)
            var r1 = SeededGenerator(seed: 11), r2 = SeededGenerator(seed: 11), r3 = SeededGenerator(seed: 11)
            let (bce, kl) = compiledStep(bf16, x, rows: 6, klWeight: beta, using: &r1)
            _ = compiledStep(fp32, x, rows: 6, klWeight: beta, using: &r3)
            model.zeroGradients()
            let e = model.elbo(x, options: ObjectiveOptions(klWeight: beta), using: &r2)
            e.loss.backward()
            XCTAssertEqual(Float(bce), -e.reconstruction * 6, accuracy: 0.01 * abs(e.reconstruction * 6), label)
            for (k, level) in zip(kl, e.klPerLevel) { XCTAssertEqual(Float(k), level * 6, accuracy: 0.05 + 0.02 * level * 6, label) }
            let params = model.namedParameters
            let tensors: [Tensor] = params.map { $0.1 }
            let g16: [[Float]] = bf16.gradients(of: tensors), g32: [[Float]] = fp32.gradients(of: tensors)
            var differs = false
            for k in params.indices {
                let name = params[k].0, g = g16[k]
                let tape: [Float] = params[k].1.grad ?? []
                XCTAssertEqual(tape.count, g.count, name)
                let scale: Float = tape.map { abs($0) }.max() ?? 0
                for i in 0..<min(g.count, tape.count) {
                    XCTAssertEqual(g[i], tape[i], accuracy: 0.03 * scale + 1e-6, "\(label) \(name)[\(i)]")
                }
                if g != g32[k] { differs = true }
            }
            XCTAssertTrue(differs, "\(label): the bf16 step gave the float32 step's gradients bit for bit; its products did not run in bf16")
        }
    }

    /// As for float32 (GradientTests): two lanes on two threads compute exactly what one thread
    /// running both lanes computes, gradients and parameters after Adam, for every model.
    func testBF16TwoThreadStepIsBitIdenticalToOneThread() throws {
        try requireBF16()
        for (label, model, one) in assertTwoLanesMatchOneThread(precision: .bf16) {
            // Adam kept the bf16 copy of the weights (the products' operand; biases have none) in
            // step with the float32 ones: each is its nearest bf16.
            var copy = [Float](repeating: 0, count: one.total), rounded = copy, weights = 0
            vae_from_bf16(one.P16!, &copy, one.total)
            var h = [UInt16](repeating: 0, count: one.total)
            vae_to_bf16(one.P, &h, one.total)
            vae_from_bf16(h, &rounded, one.total)
            for (i, l) in model.stepGraph.layers.enumerated() {
                let w = one.layerW[i]..<(one.layerW[i] + l.fanIn * l.fanOut)
                XCTAssertEqual(Array(copy[w]), Array(rounded[w]), "\(label) layer \(i): bf16 copy of the weights")
                weights += w.count
            }
            XCTAssertGreaterThan(weights, 0)
        }
    }

    /// Each training run's helper thread makes its own products' cache; it goes with the thread,
    /// so a process that trains many models does not keep one per run.
    func testAThreadsProductCacheGoesWithIt() throws {
        try requireBF16()
        var rng = SeededGenerator(seed: 4)
        let x = Tensor.randomUniform([640, 12], using: &rng)
        var options = TrainingOptions(showProgress: false, threads: 2)
        options.precision = .bf16
        var duringRun = 0
        options.afterEpoch = { _ in duringRun = max(duringRun, Int(vae_bf16_thread_caches())) }  // the helper is still alive
        _ = try VAE(inputSize: 12, hiddenSize: 8, latentSize: 2, using: &rng).train(on: x, epochs: 1, batchSize: 16, options: options, using: &rng)
        let after = Int(vae_bf16_thread_caches())
        XCTAssertGreaterThanOrEqual(after, 1, "the caller's own thread keeps its cache")
        XCTAssertEqual(duringRun, after + 1, "while training, the helper thread had a cache of its own")
        for _ in 0..<3 {
            _ = try VAE(inputSize: 12, hiddenSize: 8, latentSize: 2, using: &rng).train(on: x, epochs: 1, batchSize: 16, options: options, using: &rng)
        }
        XCTAssertEqual(Int(vae_bf16_thread_caches()), after, "three more runs, three more helper threads: none left a cache behind")
    }

    /// bf16 training reaches the float32 loss: a reference-width VAE on 6 000 images, 3 epochs.
    func testBF16TrainingReachesTheFloat32Loss() throws {
        try requireBF16()
        guard let d = try? FashionMNIST.load(split: .train, limit: 6000) else {
            throw XCTSkip("Fashion-MNIST not installed (Debian package dataset-fashion-mnist)")
        }
        let x = d.images
        func run(_ precision: Precision) throws -> Float {
            var rng = SeededGenerator(seed: 3)
            let vae = VAE(inputSize: 784, hiddenSize: 400, latentSize: 20, using: &rng)
            var options = TrainingOptions(showProgress: false)
            options.precision = precision
            let r = try vae.train(on: x, epochs: 3, batchSize: 128, options: options, using: &rng)
            return r.final!.negativeELBO
        }
        let fp32 = try run(.float32), bf16 = try run(.bf16)
        XCTAssertLessThan(abs(bf16 - fp32), 1, "train -ELBO: float32 \(fp32), bf16 \(bf16)")
    }

    /// The tape has no bf16 path: asking for it is an error that says where bf16 runs.
    func testTheTapeRefusesBF16() {
        var rng = SeededGenerator(seed: 1)
        let vae = VAE(inputSize: 12, hiddenSize: 8, latentSize: 2, using: &rng)
        var options = TrainingOptions(showProgress: false)
        options.precision = .bf16
        XCTAssertThrowsError(try vae.trainOnTape(on: Tensor.randomUniform([16, 12], using: &rng), epochs: 1, batchSize: 8,
                                                 options: options, using: &rng)) { error in
            XCTAssertTrue("\(error)".contains("the tape trains in float32 only"), "\(error)")
        }
    }
}
