import XCTest
import Glibc
@testable import VAE

final class DistributionTests: XCTestCase {
    func testClosedFormKLMatchesMonteCarlo() {
        var rng = SeededGenerator(seed: 3)
        let q = DiagonalGaussian(mean: Tensor([0.5, -1, 2], shape: [1, 3]), logVariance: Tensor([-0.5, 0.3, 0], shape: [1, 3]))
        let p = DiagonalGaussian(mean: Tensor([0, -0.5, 1], shape: [1, 3]), logVariance: Tensor([0.2, -0.1, 0.5], shape: [1, 3]))
        let n = 200_000
        let qn = DiagonalGaussian(mean: q.mean.rows(at: Array(repeating: 0, count: n)), logVariance: q.logVariance.rows(at: Array(repeating: 0, count: n)))
        let pn = DiagonalGaussian(mean: p.mean.rows(at: Array(repeating: 0, count: n)), logVariance: p.logVariance.rows(at: Array(repeating: 0, count: n)))
        let z = withoutGradients { qn.sample(using: &rng) }
        let lq = qn.logProb(z).scalars, lp = pn.logProb(z).scalars, l0 = DiagonalGaussian.standardNormal(z.shape).logProb(z).scalars
        let mcPair = zip(lq, lp).reduce(0.0) { $0 + Double($1.0 - $1.1) } / Double(n)
        let mcStd = zip(lq, l0).reduce(0.0) { $0 + Double($1.0 - $1.1) } / Double(n)
        XCTAssertEqual(Double(kl(q, p).item), mcPair, accuracy: 0.02)
        XCTAssertEqual(Double(kl(q).item), mcStd, accuracy: 0.02)
        XCTAssertEqual(kl(q, .standardNormal([1, 3])).item, kl(q).item, accuracy: 1e-5)
        XCTAssertEqual(kl(q, q).item, 0, accuracy: 1e-6)
    }

    func testSeededGeneratorIsReproducibleAndNormal() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xa = (0..<5).map { _ in a.next() }, xb = (0..<5).map { _ in b.next() }, xc = (0..<5).map { _ in c.next() }
        XCTAssertEqual(xa, xb)
        XCTAssertNotEqual(xa, xc)
        let t = Tensor.randomNormal([100_000], using: &a).scalars
        let mean = t.reduce(0, +) / Float(t.count)
        let variance = t.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(t.count)
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
        let u = (0..<100_000).map { _ in a.uniform() }
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(u.reduce(0, +) / Float(u.count), 0.5, accuracy: 0.01)
    }

    func testReparameterizedGradientHasLowerVarianceThanScoreFunction() {
        // E_{z~N(μ,σ²)}[(z − 3)²] = (μ − 3)² + σ²: ∂/∂μ = 2(μ − 3), ∂/∂logσ² = σ².
        var rng = SeededGenerator(seed: 8)
        let f: (Tensor) -> Tensor = { (($0 - 3).squared()).rowSums() }
        let mu: [Float] = [0.5], lv: [Float] = [0]
        let rep = gradientSamples(of: f, mean: mu, logVariance: lv, estimator: .reparameterized, samples: 20_000, using: &rng)
        let sf = gradientSamples(of: f, mean: mu, logVariance: lv, estimator: .scoreFunction, samples: 20_000, using: &rng)
        let sfb = gradientSamples(of: f, mean: mu, logVariance: lv, estimator: .scoreFunction, samples: 20_000, baseline: true, using: &rng)
        // Both are unbiased...
        XCTAssertEqual(rep.meanGradient[0], -5, accuracy: 0.1)
        XCTAssertEqual(sf.meanGradient[0], -5, accuracy: 0.5)
        XCTAssertEqual(rep.logVarianceGradient[0], 1, accuracy: 0.05)
        XCTAssertEqual(sf.logVarianceGradient[0], 1, accuracy: 0.5)
        // ...but the pathwise one varies far less; a baseline helps the score function.
        XCTAssertLessThan(rep.meanGradientVariance[0] * 10, sf.meanGradientVariance[0])
        XCTAssertLessThan(sfb.meanGradientVariance[0], sf.meanGradientVariance[0])
        XCTAssertLessThan(rep.totalVariance, sfb.totalVariance)
    }
}

/// A linear-Gaussian latent model, where log p(x) is known in closed form:
/// z ~ N(0, I₂), x | z ~ N(W z + b, s² I₃)  ⇒  x ~ N(b, W Wᵀ + s² I).
final class LinearGaussianTests: XCTestCase {
    // W has orthogonal columns, so the exact posterior is diagonal.
    let W: [[Double]] = [[1, 0], [0, 2], [0, 0]]
    let b: [Double] = [0.5, -1, 0.2]
    let s2 = 0.5

    func logMarginal(_ x: [Double]) -> Double {
        // Covariance W Wᵀ + s² I is diagonal here: diag(1 + s², 4 + s², s²).
        var lp = 0.0
        for i in 0..<3 {
            let v = W[i].reduce(0) { $0 + $1 * $1 } + s2
            let d = x[i] - b[i]
            lp += -0.5 * (log(2 * .pi * v) + d * d / v)
        }
        return lp
    }

    /// log p(x|z) + log p(z) − log q(z|x) per row, using the engine's distributions.
    func logWeights(x: Tensor, q: DiagonalGaussian, using rng: inout SeededGenerator) -> [Float] {
        let z = q.sample(using: &rng)
        let wt = Tensor(W.flatMap { $0.map(Float.init) }, shape: [3, 2])
        let mean = matmul(z, wt, transposeB: true) + Tensor(b.map(Float.init))
        let px = DiagonalGaussian(mean: mean, logVariance: Tensor.zeros(mean.shape) + Float(log(s2)))
        let lw = px.logProb(x) + DiagonalGaussian.standardNormal(z.shape).logProb(z) - q.logProb(z)
        return lw.scalars
    }

    func posterior(_ xs: [[Double]], exact: Bool) -> DiagonalGaussian {
        // Exact: Σ = (I + WᵀW/s²)⁻¹ (diagonal), μ = Σ Wᵀ (x − b)/s². Otherwise a deliberately off q.
        var mu: [Float] = [], lv: [Float] = []
        for x in xs {
            for j in 0..<2 {
                let wtw = W.reduce(0) { $0 + $1[j] * $1[j] }
                let v = 1 / (1 + wtw / s2)
                let m = v * (0..<3).reduce(0) { $0 + W[$1][j] * (x[$1] - b[$1]) } / s2
                mu.append(Float(exact ? m : 0.7 * m + 0.3))
                lv.append(Float(log(exact ? v : 2 * v)))
            }
        }
        return DiagonalGaussian(mean: Tensor(mu, shape: [xs.count, 2]), logVariance: Tensor(lv, shape: [xs.count, 2]))
    }

    func testELBOBelowLogEvidenceAndIWAERisesTowardIt() {
        var rng = SeededGenerator(seed: 11)
        let xs: [[Double]] = (0..<20).map { _ in (0..<3).map { _ in Double(rng.normal()) * 1.5 } }
        let truth = xs.map(logMarginal).reduce(0, +) / Double(xs.count)
        // With the exact posterior every importance weight equals p(x): ELBO = log p(x).
        let exactQ = posterior(xs, exact: true)
        let xT = Tensor(rows: xs)
        let exact = logWeights(x: xT, q: exactQ, using: &rng)
        XCTAssertEqual(Double(exact.reduce(0, +)) / Double(xs.count), truth, accuracy: 1e-4)

        // With an off posterior: estimate the k-sample bound averaged over x and repeats.
        let q = posterior(xs, exact: false)
        func bound(k: Int, repeats: Int) -> Double {
            let idx = (0..<xs.count).flatMap { Array(repeating: $0, count: k) }
            let qk = DiagonalGaussian(mean: q.mean.rows(at: idx), logVariance: q.logVariance.rows(at: idx))
            var total = 0.0
            for _ in 0..<repeats {
                let w = logWeights(x: xT.rows(at: idx), q: qk, using: &rng)
                for i in 0..<xs.count { total += Double(logMeanExp(Array(w[i * k ..< (i + 1) * k]))) }
            }
            return total / Double(xs.count * repeats)
        }
        let elbo = bound(k: 1, repeats: 2000)
        let b5 = bound(k: 5, repeats: 400), b50 = bound(k: 50, repeats: 40), b1000 = bound(k: 1000, repeats: 4)
        XCTAssertLessThan(elbo, truth - 0.05, "ELBO should be clearly below log p(x) for an off posterior")
        XCTAssertLessThan(elbo, b5)
        XCTAssertLessThan(b5, b50)
        XCTAssertLessThan(b50, b1000 + 0.005)
        XCTAssertLessThanOrEqual(b1000, truth + 0.01)
        XCTAssertEqual(b1000, truth, accuracy: 0.03)
    }

    func testLogLikelihoodOnALatentGridAndGeneration() {
        var rng = SeededGenerator(seed: 13)
        let vae = VAE(inputSize: 6, hiddenSize: 5, latentSize: 2, using: &rng)
        let x = Tensor.randomUniform([1, 6], using: &rng)
        let grid = Tensor(rows: (0..<9).map { i -> [Float] in [Float(i % 3) - 1, Float(i / 3) - 1] })
        let lp = vae.logLikelihood(x, given: grid)
        XCTAssertEqual(lp.shape, [9])
        // Same as pairing x with each z by hand.
        let one = vae.logLikelihood(x, given: grid.rows(4..<5)).item
        XCTAssertEqual(lp.scalars[4], one, accuracy: 1e-5)
        let joint = vae.logJoint(x, grid)
        // At z = 0, log N(0; 0, I) = −log 2π in 2-D.
        XCTAssertEqual(joint.scalars[4] - lp.scalars[4], -Float(log(2 * Double.pi)), accuracy: 1e-5)
        let images = vae.generate(count: 4, using: &rng)
        XCTAssertEqual(images.shape, [4, 6])
        XCTAssertTrue(images.scalars.allSatisfy { $0 > 0 && $0 < 1 })
    }

    func testVAEIWAEIsAtLeastELBOOnAverage() {
        var rng = SeededGenerator(seed: 12)
        let vae = VAE(inputSize: 10, hiddenSize: 8, latentSize: 2, using: &rng)
        let x = Tensor.randomUniform([30, 10], using: &rng)
        let elbo = withoutGradients { (0..<50).map { _ in vae.elbo(x, using: &rng).value }.reduce(0, +) / 50 }
        let iw = vae.iwae(x, samples: 50, using: &rng)
        XCTAssertGreaterThan(iw, elbo)
    }
}

final class TrainingTests: XCTestCase {
    static var slice: FashionMNIST? = try? FashionMNIST.load(split: .train, limit: 2000)

    func data() throws -> FashionMNIST {
        guard let d = Self.slice else {
            throw XCTSkip("Fashion-MNIST not installed (Debian package dataset-fashion-mnist)")
        }
        return d
    }

    func testShortTrainingLowersTheLossAndIsReproducible() throws {
        let d = try data()
        func run() throws -> (TrainingReport, Float) {
            var rng = SeededGenerator(seed: 1)
            let vae = VAE(inputSize: 784, hiddenSize: 64, latentSize: 4, using: &rng)
            let before = vae.negativeELBO(on: d.images.rows(0..<500), using: &rng)
            let r = try vae.train(on: d.images, epochs: 3, batchSize: 64, learningRate: 1e-3,
                                  options: TrainingOptions(showProgress: false), using: &rng)
            return (r, before)
        }
        let (r, before) = try run()
        XCTAssertEqual(r.epochs.count, 3)
        XCTAssertLessThan(r.epochs[2].negativeELBO, r.epochs[0].negativeELBO)
        XCTAssertLessThan(r.epochs[2].negativeELBO, before - 100)
        XCTAssertEqual(r.epochs[2].negativeELBO, r.epochs[2].kl - r.epochs[2].reconstruction, accuracy: 1e-2)
        let (r2, _) = try run()
        XCTAssertEqual(r.epochs.map(\.negativeELBO), r2.epochs.map(\.negativeELBO), "same seed, same run")
    }

    /// The report's median full-batch step: set by the compiled step, within the epochs' time,
    /// and absent for the tape, which does not time its steps.
    func testMedianStepTimeOfTheCompiledStep() throws {
        var rng = SeededGenerator(seed: 6)
        let x = Tensor.randomUniform([130, 12], using: &rng)  // two full batches of 64 and one of 2 per epoch
        let options = TrainingOptions(showProgress: false)
        let compiled = try VAE(inputSize: 12, hiddenSize: 8, latentSize: 2, using: &rng).train(on: x, epochs: 2, batchSize: 64, options: options, using: &rng)
        let step = try XCTUnwrap(compiled.medianStepSeconds)
        XCTAssertGreaterThan(step, 0)
        XCTAssertLessThan(step * 4, compiled.seconds, "four full steps take less than the two epochs")
        let tape = try VAE(inputSize: 12, hiddenSize: 8, latentSize: 2, using: &rng).trainOnTape(on: x, epochs: 1, batchSize: 64, options: options, using: &rng)
        XCTAssertNil(tape.medianStepSeconds)
    }

    /// Every model trains on the compiled step to what the tape gives (same seed, same batches and noise).
    func testTapeTrainingAgreesWithCompiledTraining() throws {
        let x = try data().images.rows(0..<512)
        func models(_ seed: UInt64) -> [any TrainableModel] {
            var rng = SeededGenerator(seed: seed)
            return [VAE(inputSize: 784, hiddenSize: 32, latentSize: 3, using: &rng),
                    HierarchicalVAE(inputSize: 784, hiddenSizes: [32, 16], latentSizes: [6, 3], using: &rng),
                    Autoencoder(inputSize: 784, hiddenSize: 32, codeSize: 3, using: &rng)]
        }
        for (a, b) in zip(models(4), models(4)) {
            var r1 = SeededGenerator(seed: 4), r2 = SeededGenerator(seed: 4)
            let options = TrainingOptions(dynamicBinarization: true, showProgress: false)
            let ra = try a.train(on: x, epochs: 1, batchSize: 128, options: options, using: &r1)
            let rb = try b.trainOnTape(on: x, epochs: 1, batchSize: 128, options: options, using: &r2)
            let label = "\(type(of: a))"
            XCTAssertEqual(ra.epochs[0].negativeELBO, rb.epochs[0].negativeELBO, accuracy: 0.05, label)
            XCTAssertEqual(ra.epochs[0].klPerLevel.count, rb.epochs[0].klPerLevel.count, label)
            for (k1, k2) in zip(ra.epochs[0].klPerLevel, rb.epochs[0].klPerLevel) { XCTAssertEqual(k1, k2, accuracy: 0.01, label) }
            for (p, q) in zip(a.parameters, b.parameters) {
                for i in stride(from: 0, to: p.count, by: 97) { XCTAssertEqual(p.scalars[i], q.scalars[i], accuracy: 1e-3, label) }
            }
        }
    }

    /// β weighs the KL in both training paths: the compiled step and the tape agree with β = 4,
    /// the warm-up multiplies it, and a larger β buys a smaller KL.
    func testConstantKLWeightBeta() throws {
        let x = try data().images.rows(0..<512)
        func run(beta: Float, tape: Bool = false, epochs: Int = 1, warmup: Int = 0) throws -> (TrainingReport, VAE) {
            var rng = SeededGenerator(seed: 5)
            let vae = VAE(inputSize: 784, hiddenSize: 32, latentSize: 3, using: &rng)
            let o = TrainingOptions(klWarmupEpochs: warmup, showProgress: false, beta: beta)
            let r = tape ? try vae.trainOnTape(on: x, epochs: epochs, batchSize: 128, options: o, using: &rng)
                         : try vae.train(on: x, epochs: epochs, batchSize: 128, options: o, using: &rng)
            return (r, vae)
        }
        let (compiled, a) = try run(beta: 4), (tape, b) = try run(beta: 4, tape: true)
        XCTAssertEqual(compiled.epochs.map(\.klWeight), [4])
        XCTAssertEqual(tape.epochs.map(\.klWeight), [4])
        XCTAssertEqual(compiled.epochs[0].negativeELBO, tape.epochs[0].negativeELBO, accuracy: 0.05)
        for (p, q) in zip(a.parameters, b.parameters) {
            for i in stride(from: 0, to: p.count, by: 97) { XCTAssertEqual(p.scalars[i], q.scalars[i], accuracy: 1e-3) }
        }
        let (plain, c) = try run(beta: 1)
        XCTAssertNotEqual(a.parameters.flatMap(\.scalars), c.parameters.flatMap(\.scalars))
        XCTAssertLessThan(compiled.epochs[0].kl, plain.epochs[0].kl)
        // A warm-up over 2 epochs of 4 steps: the weight at the end of epoch 1 is 4 · 4/8.
        let (warm, _) = try run(beta: 4, epochs: 2, warmup: 2)
        XCTAssertEqual(warm.epochs.map(\.klWeight), [2, 4])
    }

    /// One core, or two lanes on two cores (which the tuner switches between while training),
    /// give bit-identical results, with free bits and dynamic binarization too.
    func testOneAndTwoCoresGiveIdenticalResults() throws {
        let d = try data()
        let x = d.images.rows(0..<1280)
        func run(threads: Int, options: TrainingOptions) throws -> [Float] {
            var options = options
            options.threads = threads
            var rng = SeededGenerator(seed: 7)
            // The reference shape, and a last batch of 1280 mod 100 = 80 rows (batch 100).
            let vae = VAE(inputSize: 784, hiddenSize: 400, latentSize: 20, using: &rng)
            try vae.train(on: x, epochs: 2, batchSize: 100, options: options, using: &rng)
            return vae.parameters.flatMap(\.scalars)
        }
        for options in [TrainingOptions(showProgress: false),
                        TrainingOptions(klWarmupEpochs: 1, freeBits: 0.2, dynamicBinarization: true, showProgress: false)] {
            XCTAssertEqual(try run(threads: 1, options: options), try run(threads: 2, options: options))
        }
    }

    func testWarmupFreeBitsBinarizationAndActiveUnits() throws {
        let d = try data()
        var rng = SeededGenerator(seed: 2)
        let vae = VAE(inputSize: 784, hiddenSize: 64, latentSize: 8, using: &rng)
        let r = try vae.train(on: d.images.rows(0..<1000), epochs: 2, batchSize: 100,
                              options: TrainingOptions(klWarmupEpochs: 2, freeBits: 0.1, dynamicBinarization: true, showProgress: false),
                              using: &rng)
        XCTAssertLessThan(r.epochs[0].klWeight, 1)
        XCTAssertEqual(r.epochs[1].klWeight, 1)
        let means = withoutGradients { vae.encode(d.images.rows(0..<500)).mean }
        let au = activeUnits(means: means)
        XCTAssertGreaterThan(au, 0)
        XCTAssertLessThanOrEqual(au, 8)
        XCTAssertEqual(activeUnits(means: Tensor.zeros([10, 3])), 0)
    }

    func testHierarchicalVAEAndAutoencoderTrain() throws {
        let d = try data()
        var rng = SeededGenerator(seed: 3)
        let x = d.images.rows(0..<600)
        let hvae = HierarchicalVAE(inputSize: 784, hiddenSizes: [64, 32], latentSizes: [8, 4], using: &rng)
        let r = try hvae.train(on: x, epochs: 3, batchSize: 100, options: TrainingOptions(showProgress: false), using: &rng)
        XCTAssertEqual(r.epochs[0].klPerLevel.count, 2)
        XCTAssertLessThan(r.epochs[2].negativeELBO, r.epochs[0].negativeELBO)
        let e = withoutGradients { hvae.elbo(x.rows(0..<50), using: &rng) }
        XCTAssertEqual(e.klPerLevel.reduce(0, +), e.kl, accuracy: 1e-3)
        XCTAssertGreaterThan(hvae.iwae(x.rows(0..<20), samples: 20, using: &rng), e.value - 5)
        XCTAssertEqual(hvae.generate(count: 3, using: &rng).shape, [3, 784])

        let ae = Autoencoder(inputSize: 784, hiddenSize: 64, codeSize: 2, using: &rng)
        let ra = try ae.train(on: x, epochs: 2, batchSize: 100, options: TrainingOptions(showProgress: false), using: &rng)
        XCTAssertLessThan(ra.epochs[1].negativeELBO, ra.epochs[0].negativeELBO)
        XCTAssertEqual(ae.encode(x.rows(0..<5)).shape, [5, 2])
    }

    func testNonFiniteDataIsReportedWithStepAndTensor() {
        var rng = SeededGenerator(seed: 1)
        let vae = VAE(inputSize: 4, hiddenSize: 3, latentSize: 2, using: &rng)
        var v = [Float](repeating: 0.5, count: 40)
        v[13] = .nan
        XCTAssertThrowsError(try vae.train(on: Tensor(v, shape: [10, 4]), epochs: 1, batchSize: 10,
                                           options: TrainingOptions(showProgress: false), using: &rng)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("step 1"), text)
            XCTAssertTrue(text.contains("encoder.trunk[0] output"), text)
        }
    }
}

final class DataAndCheckpointTests: XCTestCase {
    func tempPath(_ name: String) -> String { "/tmp/vae-tests-\(getpid())-\(name)" }

    func testFashionMNISTShapeAndRange() throws {
        guard let d = try? FashionMNIST.load(split: .test, limit: 100) else { throw XCTSkip("Fashion-MNIST not installed") }
        XCTAssertEqual(d.images.shape, [100, 784])
        XCTAssertEqual(d.labels.count, 100)
        XCTAssertTrue(d.images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertTrue(d.labels.allSatisfy { (0..<10).contains($0) })
    }

    func testMissingAndCorruptDataNameThePackageAndPath() throws {
        XCTAssertThrowsError(try FashionMNIST.load(split: .train, directory: "/nonexistent-dir")) { e in
            XCTAssertTrue("\(e)".contains("dataset-fashion-mnist"))
            XCTAssertTrue("\(e)".contains("/nonexistent-dir/train-images-idx3-ubyte.gz"))
        }
        let dir = tempPath("fm")
        mkdir(dir, 0o755)
        defer { unlink("\(dir)/t10k-images-idx3-ubyte.gz"); rmdir(dir) }
        // A gzip file whose header says 10 images but holds only a few bytes.
        let gz = gzopen("\(dir)/t10k-images-idx3-ubyte.gz", "wb")!
        var bytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]
        _ = gzwrite(gz, &bytes, UInt32(bytes.count))
        gzclose(gz)
        XCTAssertThrowsError(try FashionMNIST.load(split: .test, directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("truncated"), "\(e)")
            XCTAssertTrue("\(e)".contains("dataset-fashion-mnist"))
        }
    }

    func testSyntheticData() {
        var rng = SeededGenerator(seed: 1)
        let m = SyntheticData.gaussianMixture(400, components: 4, using: &rng)
        XCTAssertEqual(m.points.shape, [400, 2])
        XCTAssertEqual(Set(m.labels), [0, 1, 2, 3])
        let moons = SyntheticData.twoMoons(300, using: &rng)
        XCTAssertEqual(moons.points.shape, [300, 2])
        XCTAssertEqual(moons.labels.filter { $0 == 0 }.count, 150)
    }

    func testCheckpointRoundTripAndCorruption() throws {
        var rng = SeededGenerator(seed: 9)
        let a = VAE(inputSize: 6, hiddenSize: 5, latentSize: 2, using: &rng)
        let b = VAE(inputSize: 6, hiddenSize: 5, latentSize: 2, using: &rng)
        let path = tempPath("ckpt")
        defer { unlink(path) }
        try Checkpoint.save(a, to: path, note: "VAE 6-5-2")
        XCTAssertNotEqual(a.parameters[0].scalars, b.parameters[0].scalars)
        XCTAssertEqual(try Checkpoint.load(into: b, from: path), "VAE 6-5-2")
        for (p, q) in zip(a.parameters, b.parameters) { XCTAssertEqual(p.scalars, q.scalars) }

        let good = try readAll(path)
        // A flipped byte in the weights: checksum error, model untouched.
        var flipped = good
        flipped[good.count / 2] ^= 0x40
        try writeAll(path, flipped)
        let c = VAE(inputSize: 6, hiddenSize: 5, latentSize: 2, using: &rng)
        let before = c.parameters.map(\.scalars)
        XCTAssertThrowsError(try Checkpoint.load(into: c, from: path)) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
        XCTAssertEqual(c.parameters.map(\.scalars), before)
        // Truncated.
        try writeAll(path, Array(good.prefix(good.count - 37)))
        XCTAssertThrowsError(try Checkpoint.load(into: c, from: path))
        XCTAssertEqual(c.parameters.map(\.scalars), before)
        // Foreign file.
        try writeAll(path, Array("hello, not a checkpoint".utf8))
        XCTAssertThrowsError(try Checkpoint.load(into: c, from: path)) { XCTAssertTrue("\($0)".contains("not a VAE checkpoint"), "\($0)") }
        // Another architecture.
        try writeAll(path, good)
        let other = VAE(inputSize: 6, hiddenSize: 4, latentSize: 2, using: &rng)
        XCTAssertThrowsError(try Checkpoint.load(into: other, from: path)) { XCTAssertTrue("\($0)".contains("does not fit"), "\($0)") }
    }

    func readAll(_ path: String) throws -> [UInt8] {
        let f = fopen(path, "rb")!
        defer { fclose(f) }
        var out: [UInt8] = [], buf = [UInt8](repeating: 0, count: 4096)
        while true { let n = fread(&buf, 1, 4096, f); if n == 0 { break }; out += buf[0..<n] }
        return out
    }

    func writeAll(_ path: String, _ bytes: [UInt8]) throws {
        let f = fopen(path, "wb")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }
}

import CZlib
