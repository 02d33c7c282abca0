import CKernels
import XCTest
@testable import VAE

/// Finite-difference checks of every op's backward rule.
final class GradientTests: XCTestCase {
    /// Compares the tape gradient of `f(inputs)` (a scalar built as Σ w ⊙ out, with fixed random
    /// weights w so every output element matters) with central differences in each input.
    func check(_ name: String, _ inputs: [Tensor], tolerance: Float = 2e-2, step: Float = 1e-2,
               file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
        var rng = SeededGenerator(seed: 99)
        for t in inputs { t.requiresGrad = true; t.grad = nil }
        let out0 = f(inputs)
        let w = Tensor.randomNormal(out0.shape, using: &rng)
        func scalar() -> Double {
            let o = withoutGradients { f(inputs) }
            return zip(o.scalars, w.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        (out0 * w).sum().backward()
        for (k, t) in inputs.enumerated() {
            let analytic = t.grad ?? [Float](repeating: 0, count: t.count)
            for i in 0..<t.count {
                let saved = t.scalars[i]
                t.scalars[i] = saved + step; let up = scalar()
                t.scalars[i] = saved - step; let down = scalar()
                t.scalars[i] = saved
                let numeric = Float((up - down) / Double(2 * step))
                let err = abs(numeric - analytic[i]) / max(1, abs(numeric), abs(analytic[i]))
                XCTAssertLessThan(err, tolerance, "\(name): input \(k) element \(i): tape \(analytic[i]) vs finite difference \(numeric)",
                                  file: file, line: line)
            }
        }
    }

    func rand(_ shape: [Int], _ seed: UInt64, scale: Float = 1, offset: Float = 0) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let t = Tensor.randomNormal(shape, using: &rng)
        return Tensor(t.scalars.map { $0 * scale + offset }, shape: shape)
    }

    func testMatmulAllTransposes() {
        for ta in [false, true] {
            for tb in [false, true] {
                let a = rand(ta ? [4, 3] : [3, 4], 1), b = rand(tb ? [5, 4] : [4, 5], 2)
                check("matmul ta=\(ta) tb=\(tb)", [a, b]) { matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
            }
        }
    }

    func testLinearWithEachActivation() {
        for act in Activation.allCases {
            // Offset keeps ReLU inputs away from the kink, where finite differences lie.
            let x = rand([3, 4], 3), w = rand([5, 4], 4, scale: 0.5), b = rand([5], 5, offset: 0.05)
            check("linear \(act)", [x, w, b]) { linear($0[0], weight: $0[1], bias: $0[2], activation: act) }
        }
    }

    func testElementwiseUnary() {
        let x = rand([3, 4], 6)
        check("exp", [x]) { $0[0].exp() }
        check("neg", [x]) { -$0[0] }
        check("squared", [x]) { $0[0].squared() }
        check("sigmoid", [x]) { $0[0].sigmoid() }
        check("tanh", [x]) { $0[0].tanh() }
        check("softplus", [x]) { $0[0].softplus() }
        check("relu", [rand([3, 4], 7, scale: 1, offset: 0)]) { $0[0].relu() }
        let pos = rand([3, 4], 8, scale: 0.3, offset: 2)
        check("log", [pos]) { $0[0].log() }
        check("sqrt", [pos]) { $0[0].sqrt() }
        check("clamped", [x]) { $0[0].clamped(min: -0.3) }
    }

    func testBinaryOpsWithBroadcasting() {
        let a = rand([3, 4], 9), b = rand([3, 4], 10, scale: 0.3, offset: 2)
        let row = rand([4], 11, scale: 0.3, offset: 2), col = rand([3, 1], 12, scale: 0.3, offset: 2)
        let s = Tensor([1.7], shape: [])
        for (name, other) in [("full", b), ("row", row), ("column", col), ("scalar", s)] {
            check("add \(name)", [a, other]) { $0[0] + $0[1] }
            check("sub \(name)", [a, other]) { $0[0] - $0[1] }
            check("mul \(name)", [a, other]) { $0[0] * $0[1] }
            check("div \(name)", [a, other]) { $0[0] / $0[1] }
            check("add \(name) reversed", [other, a]) { $0[0] + $0[1] }
            check("div \(name) reversed", [other, b]) { $0[0] / $0[1] }
        }
    }

    func testReductionsAndShapes() {
        let x = rand([3, 5], 13)
        check("sum", [x]) { $0[0].sum() }
        check("mean", [x]) { $0[0].mean() }
        check("sum axis 0", [x]) { $0[0].sum(axis: 0) }
        check("sum axis 1", [x]) { $0[0].sum(axis: 1) }
        check("mean axis 0", [x]) { $0[0].mean(axis: 0) }
        check("logSumExp", [x]) { $0[0].logSumExp() }
        check("logMeanExp", [x]) { $0[0].logMeanExp() }
        check("reshape", [x]) { $0[0].reshaped([5, 3]) * Tensor.ones([5, 3]) }
    }

    func testBinaryCrossEntropyFromLogits() {
        var r15 = SeededGenerator(seed: 15)
        let l = rand([3, 6], 14, scale: 3), targets = Tensor.randomUniform([3, 6], using: &r15)
        check("bce", [l]) { $0[0].binaryCrossEntropy(logitsAgainst: targets) }
        // Stable for huge logits: no inf/NaN, matches the asymptote max(l,0) − l·x.
        let big = Tensor([1000, -1000, 80, -80], shape: [1, 4])
        let x = Tensor([0, 1, 0.5, 0.5], shape: [1, 4])
        let v = big.binaryCrossEntropy(logitsAgainst: x).item
        XCTAssertEqual(v, 1000 + 1000 + 40 + 40, accuracy: 1e-2)
    }

    func testGaussianTerms() {
        let mu = rand([2, 3], 16), lv = rand([2, 3], 17, scale: 0.5), z = rand([2, 3], 18)
        let mu2 = rand([2, 3], 19), lv2 = rand([2, 3], 20, scale: 0.5)
        check("logProb", [mu, lv, z]) { DiagonalGaussian(mean: $0[0], logVariance: $0[1]).logProb($0[2]) }
        check("kl standard", [mu, lv]) { kl(DiagonalGaussian(mean: $0[0], logVariance: $0[1])) }
        check("kl pair", [mu, lv, mu2, lv2]) {
            kl(DiagonalGaussian(mean: $0[0], logVariance: $0[1]), DiagonalGaussian(mean: $0[2], logVariance: $0[3]))
        }
        let eps = rand([2, 3], 21)
        check("reparameterized sample", [mu, lv]) { DiagonalGaussian(mean: $0[0], logVariance: $0[1]).sample(noise: eps) }
    }

    /// The compiled training step must give the tape's losses and gradients on the same batch
    /// and noise, for every model (free bits only where the model's objective has them: the VAE).
    func testCompiledStepMatchesTapeForEveryModel() {
        var rng = SeededGenerator(seed: 5)
        let x = Tensor.randomUniform([6, 12], using: &rng)
        for (label, model) in smallModels(input: 12, seed: 5) {
            for freeBits: Float in label == "VAE" ? [0, 0.4] : [0] {
                let beta: Float = 0.7
                let engine = CompiledStep(graph: model.stepGraph, maxBatch: 8)
                var r1 = SeededGenerator(seed: 11), r2 = SeededGenerator(seed: 11)
                let (bce, kl) = compiledStep(engine, x, rows: 6, klWeight: beta, freeBits: freeBits, using: &r1)
                model.zeroGradients()
                let e: ELBO
                if let vae = model as? VAE {
                    e = vae.elbo(x, options: ObjectiveOptions(klWeight: beta, freeBits: freeBits), using: &r2)
                } else {
                    e = model.elbo(x, options: ObjectiveOptions(klWeight: beta), using: &r2)
                }
                e.loss.backward()
                XCTAssertEqual(Float(bce), -e.reconstruction * 6, accuracy: 1e-3, label)
                XCTAssertEqual(kl.count, model is Autoencoder ? 0 : e.klPerLevel.count, label)
                for (k, level) in zip(kl, e.klPerLevel) { XCTAssertEqual(Float(k), level * 6, accuracy: 1e-3, label) }
                for ((name, t), g) in zip(model.namedParameters, engine.gradients(of: model.namedParameters.map(\.1))) {
                    let tape = t.grad ?? []
                    XCTAssertEqual(tape.count, g.count, name)
                    for i in 0..<g.count {
                        XCTAssertEqual(g[i], tape[i], accuracy: 1e-4 * max(1, abs(tape[i])), "\(label) \(name)[\(i)] free bits \(freeBits)")
                    }
                }
            }
        }
    }

    /// The same two checks with the step's products on oneDNN's sgemm, where it is installed
    /// (the probe picks it where it is faster; tests run with OPENBLAS_CORETYPE set, so it does not).
    func testCompiledStepOnOneDNN() throws {
        let before = VAEEngine.blasKernelChoice.stepSGEMM != "OpenBLAS"
        guard vae_step_sgemm_select(1) == 1 else { throw XCTSkip("oneDNN (libdnnl2) is not installed") }
        defer { _ = vae_step_sgemm_select(before ? 1 : 0) }
        testCompiledStepMatchesTapeForEveryModel()
        testTwoThreadStepIsBitIdenticalToOneThread()
    }

    /// Two lanes on two threads (the training step on two cores) compute exactly what one
    /// thread running both lanes computes: losses, gradients, and parameters after Adam, for
    /// even, odd and one-row batches, with and without free bits, for every model.
    func testTwoThreadStepIsBitIdenticalToOneThread() {
        assertTwoLanesMatchOneThread(precision: .float32)
    }

    func testNoGradModeRecordsNothing() {
        let w = rand([3, 3], 22)
        w.requiresGrad = true
        let y = withoutGradients { (w * 2).exp().sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(y.parents.isEmpty)
        XCTAssertNil(y.backwardFn)
    }

    /// `withoutGradients` on one thread leaves another thread's tape on, and both threads get
    /// their own setting back afterwards.
    func testNoGradModeIsPerThread() {
        let w = rand([3, 3], 23)
        w.requiresGrad = true
        let insideOff = DispatchSemaphore(value: 0), mainDone = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var otherRecorded: Bool? = nil, otherAfter: Bool? = nil
        let thread = Thread {
            withoutGradients {
                insideOff.signal()
                mainDone.wait()  // the main thread builds its tape while this one is inside
                otherRecorded = (w * 2).sum().requiresGrad
            }
            otherAfter = (w * 2).sum().requiresGrad
            finished.signal()
        }
        thread.start()
        insideOff.wait()
        let y = (w * 2).exp().sum()
        mainDone.signal()
        finished.wait()
        XCTAssertTrue(y.requiresGrad)
        XCTAssertEqual(y.parents.count, 1)
        y.backward()
        XCTAssertEqual(w.grad?.count, 9)
        XCTAssertEqual(otherRecorded, false)
        XCTAssertEqual(otherAfter, true)
        // Nested on one thread: the outer setting comes back.
        withoutGradients {
            _ = withoutGradients { 0 }
            XCTAssertFalse((w * 2).sum().requiresGrad)
        }
        XCTAssertTrue((w * 2).sum().requiresGrad)
    }
}
