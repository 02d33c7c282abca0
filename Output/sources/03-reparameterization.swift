// The cells of Lessons/03-reparameterization.md ("The reparameterization trick") as one program, in order.
// Built against the course's modules (LessonRuntime, VAE, Figures): see the README.
import Foundation
import LessonRuntime
import VAE
import Figures

// MARK: cell 1, Lessons/03-reparameterization.md:34
// Which weights does the reconstruction term reach? Gradient sizes, two ways of sampling z.
var demoRNG = SeededGenerator(seed: 2)
let tiny = VAE(inputSize: 784, hiddenSize: 64, latentSize: 4, using: &demoRNG)
let pixels = Tensor.randomUniform([1, 784], using: &demoRNG)
func gradientSizes(throughSample: Bool) -> (encoder: Double, decoder: Double) {
    tiny.zeroGradients()
    var noise = SeededGenerator(seed: 3)
    let q = tiny.encode(pixels)
    let z = throughSample ? q.sample(using: &noise) : q.sampleWithoutGradient(using: &noise)
    tiny.logLikelihood(pixels, given: z).sum().backward()
    func size(_ prefix: String) -> Double {
        tiny.namedParameters.filter { $0.0.hasPrefix(prefix) }
            .flatMap { $0.1.grad ?? [] }.reduce(0) { $0 + Double($1 * $1) }.squareRoot()
    }
    return (size("encoder"), size("decoder"))
}
let blocked = gradientSizes(throughSample: false), open = gradientSizes(throughSample: true)
show(table: [["z drawn from q directly", blocked.encoder, blocked.decoder],
             ["z = μ + σ ⊙ ε", open.encoder, open.decoder]],
     headers: ["how z is made", "gradient size: encoder", "gradient size: decoder"])
expect(blocked.encoder == 0, "a sample drawn directly passes no gradient to the encoder")
expect(blocked.decoder > 0 && open.decoder > 0, "the decoder learns either way")
expect(open.encoder > 0, "through μ + σ ε, the encoder gets its gradient")

// MARK: cell 2, Lessons/03-reparameterization.md:93
import Foundation   // log
show(Diagram.reparameterization(title: "The VAE with the reparameterization trick"))

// MARK: cell 3, Lessons/03-reparameterization.md:131
// z ~ N(mu, sigma^2), f(z) = z^2, true gradient d/dmu E[f] = 2 mu.
let mu: Float = 1.5, sigma: Float = 1
let truth = Double(2 * mu)
let ks = [1, 3, 10, 30, 100, 300, 1_000]
let repeats = 2_000
var toyRNG = SeededGenerator(seed: 5)
func meanAndVariance(_ v: [Double]) -> (mean: Double, variance: Double) { (mean(v), variance(v)) }
var results: [GradientEstimator: [(mean: Double, variance: Double)]] = [:]
for estimator in [GradientEstimator.scoreFunction, .reparameterized] {
    results[estimator] = ks.map { k in
        // repeats × k single-sample estimates from the engine, averaged in groups of k
        let g = gradientSamples(of: { z in z.squared().sum(axis: 1) },
                                mean: [mu], logVariance: [2 * log(sigma)], estimator: estimator,
                                samples: repeats * k, using: &toyRNG).mean.scalars
        let averages = (0..<repeats).map { r in
            (0..<k).reduce(0.0) { $0 + Double(g[r * k + $1]) } / Double(k)
        }
        return meanAndVariance(averages)
    }
}
let score = results[.scoreFunction]!, reparam = results[.reparameterized]!
let byHand = ks.map { 4 * Double(sigma * sigma) / Double($0) }     // Var[2(mu + sigma eps)] / K
show(table: ks.indices.map {
         [ks[$0], score[$0].mean, score[$0].variance, reparam[$0].mean, reparam[$0].variance, byHand[$0]]
     },
     headers: ["K", "score function: mean", "variance", "reparameterized: mean", "variance", "4σ²/K"])
show(LinePlot(title: "Variance of the gradient estimate, f(z) = z²", xLabel: "samples K",
              yLabel: "variance")
    .line(x: ks.map(Double.init), y: score.map(\.variance), label: "score function", markers: true)
    .line(x: ks.map(Double.init), y: reparam.map(\.variance), label: "reparameterized", markers: true)
    .logX().logY())
for (i, k) in ks.enumerated() {
    for (name, r) in [("score function", score[i]), ("reparameterized", reparam[i])] {
        let standardError = (r.variance / Double(repeats)).squareRoot()
        expect(abs(r.mean - truth) < 4 * standardError, "\(name), K = \(k): the estimator is unbiased")
    }
    expect(reparam[i].variance < score[i].variance / 10,
           "K = \(k): reparameterization is more than ten times less noisy")
    expect(reparam[i].variance, near: byHand[i], tolerance: 0.15 * byHand[i],
           "the reparameterized variance is 4σ²/K")
}
expect(score[0].variance / score[6].variance > 500, "averaging K samples divides the variance by about K")

// A case the other way round: f(z) = cos(3z), z ~ N(1.5, 1). One-sample estimates by hand,
// pathwise −3 sin(3z) and score function cos(3z)(z − mu)/sigma², against their exact variances.
let (cm, cs) = (1.5, 1.0), draws = 200_000
var cosRNG = SeededGenerator(seed: 6)
var pathwise: [Double] = [], scoreCos: [Double] = []
for _ in 0..<draws {
    let e = cosRNG.normalDouble(), z = cm + cs * e
    pathwise.append(-3 * sin(3 * z))
    scoreCos.append(cos(3 * z) * e / cs)
}
let trueCos = -3 * sin(3 * cm) * exp(-4.5 * cs * cs)               // d/dmu of cos(3 mu) e^(−9 sigma²/2)
let exactPathwise = 9 * (0.5 - 0.5 * cos(6 * cm) * exp(-18 * cs * cs) - pow(sin(3 * cm), 2) * exp(-9 * cs * cs))
let exactScore = (0.5 + 0.5 * cos(6 * cm) * (1 - 36 * cs * cs) * exp(-18 * cs * cs)) / (cs * cs) - trueCos * trueCos
show(table: [["reparameterized (pathwise)", mean(pathwise), variance(pathwise), exactPathwise],
             ["score function", mean(scoreCos), variance(scoreCos), exactScore]],
     headers: ["f(z) = cos 3z, K = 1", "mean (true \(String(format: "%.4f", trueCos)))", "variance", "exact variance"])
for (v, exact) in [(pathwise, exactPathwise), (scoreCos, exactScore)] {
    expect(abs(mean(v) - trueCos) < 4 * (variance(v) / Double(draws)).squareRoot(), "unbiased")
    expect(variance(v), near: exact, tolerance: 0.02 * exact, "the measured variance is the exact one")
}
expect(exactPathwise > 5 * exactScore, "for this f the score function is the less noisy estimator")

// MARK: cell 4, Lessons/03-reparameterization.md:226
// The 16-D VAE of lesson 1, from the model cache, and the data it was trained on.
let train = try CourseModel.trainingSet()
let test = try FashionMNIST.load(split: .test, limit: 2_000)
let vae16 = try courseVAE(latent: 16).model
print("16-D VAE loaded:", vae16.parameterCount, "parameters")

// MARK: cell 5, Lessons/03-reparameterization.md:234
// For eight test images: the gradient of E_q[log p(x|z)] with respect to the encoder's mean mu
// (16 numbers), from single samples. Its spread: the trace of the estimates' covariance.
var encoderRNG = SeededGenerator(seed: 9)
func gradients(_ j: Int, _ estimator: GradientEstimator, samples n: Int,
               baseline: Bool = false) -> GradientSamples {
    let x = test.images.rows(at: Array(repeating: j, count: n))
    let q = withoutGradients { vae16.encode(test.images.rows(j ..< j + 1)) }
    return gradientSamples(of: { z in vae16.logLikelihood(x, given: z) },
                           mean: q.mean.row(0), logVariance: q.logVariance.row(0),
                           estimator: estimator, samples: n, baseline: baseline, using: &encoderRNG)
}
func trace(_ g: GradientSamples) -> Double { g.meanGradientVariance.reduce(0.0) { $0 + Double($1) } }
var table: [[Any]] = []
var ratios: [Double] = []
for j in 0..<8 {
    let name = FashionMNIST.classNames[test.labels[j]]
    let r = trace(gradients(j, .reparameterized, samples: 1_000))
    let s = trace(gradients(j, .scoreFunction, samples: 1_000))
    let b = trace(gradients(j, .scoreFunction, samples: 1_000, baseline: true))
    table.append([name, r, s, b, s / r])
    ratios.append(s / r)
    expect(r < s, "\(name): the reparameterized gradient is less noisy")
    expect(b < s, "a baseline reduces the score function's variance")
    expect(r < b, "even with a baseline, the score function is noisier")
}
show(table: table,
     headers: ["image", "reparameterized", "score function", "score function with baseline", "ratio"],
     caption: "Variance (trace over 16 dimensions) of one-sample estimates of the gradient in mu")
let smallest = ratios.min()!
print("the score function is noisier by a factor of at least", Int(smallest), "on these images")
expect(smallest > 10, "on the real encoder the gap is at least an order of magnitude")

// MARK: cell 6, Lessons/03-reparameterization.md:283
let kValues = [1, 3, 10, 30, 100]
func varianceOfAverage(_ estimator: GradientEstimator, baseline: Bool = false, k: Int) -> Double {
    let g = gradients(0, estimator, samples: 100 * k, baseline: baseline).mean   // [100k, 16]
    var total = 0.0
    for dim in 0..<16 {            // variance across the 100 averages, summed over dimensions
        let averages = (0..<100).map { r in
            (0..<k).reduce(0.0) { $0 + Double(g.scalars[(r * k + $1) * 16 + dim]) } / Double(k)
        }
        let m = averages.reduce(0, +) / 100
        total += averages.reduce(0) { $0 + ($1 - m) * ($1 - m) } / 99
    }
    return total
}
let reparamByK = kValues.map { varianceOfAverage(.reparameterized, k: $0) }
let scoreByK = kValues.map { varianceOfAverage(.scoreFunction, k: $0) }
let baselineByK = kValues.map { varianceOfAverage(.scoreFunction, baseline: true, k: $0) }
let kAxis = kValues.map(Double.init)
show(LinePlot(title: "Ankle boot: variance of the averaged gradient in mu", xLabel: "samples K",
              yLabel: "variance (trace)")
    .line(x: kAxis, y: scoreByK, label: "score function", markers: true)
    .line(x: kAxis, y: baselineByK, label: "score function with baseline", markers: true)
    .line(x: kAxis, y: reparamByK, label: "reparameterized", markers: true)
    .logX().logY())
for i in kValues.indices {
    expect(reparamByK[i] < baselineByK[i] && baselineByK[i] < scoreByK[i],
           "K = \(kValues[i]): reparameterized < score function with baseline < score function")
}
expect(reparamByK[0] / reparamByK[4] > 30, "averaging K samples divides the variance by about K")
expect(zip(scoreByK, reparamByK).allSatisfy { $0 > 10_000 * $1 }, "more than ten thousand times noisier")
expect(zip(baselineByK, reparamByK).allSatisfy { $0 > 5 * $1 }, "with a baseline, still more than five times")
let baselineFactors = zip(baselineByK, reparamByK).map { $0 / $1 }
print("score function with baseline / reparameterized, over K: from \(Int(baselineFactors.min()!))"
      + " to \(Int(baselineFactors.max()!)) times")

// MARK: cell 7, Lessons/03-reparameterization.md:335
// Train the same 16-D VAE (same initial weights, same batches) three ways: the encoder's
// gradient from the reparameterization trick, from the score function, and from the score
// function with a baseline. The closed-form KL gets its exact gradient and the decoder the same
// one-sample estimate in every run. We record the test -ELBO after every epoch.
let curveEpochs = 5
func trainVAE(_ estimator: GradientEstimator, baseline: Bool = false) -> [Double] {
    var rng = SeededGenerator(seed: 77)
    let model = VAE(inputSize: 784, hiddenSize: 256, latentSize: 16, using: &rng)
    var adam = Adam(parameters: model.parameters, learningRate: 1e-3)
    var order = Array(0..<train.count)
    var curve = [Double(model.negativeELBO(on: test.images, using: &rng))]
    for _ in 1...curveEpochs {
        order.shuffle(using: &rng)
        for start in stride(from: 0, to: train.count, by: 128) {
            let x = train.images.rows(at: Array(order[start ..< min(start + 128, train.count)]))
            let q = model.encode(x)
            let loss: Tensor
            switch estimator {
            case .reparameterized:
                let z = q.sample(using: &rng)                      // z = mu + sigma * eps
                let reconstruction = model.logLikelihood(x, given: z)
                loss = (kl(q) - reconstruction).sum()
            case .scoreFunction:
                let z = q.sampleWithoutGradient(using: &rng)       // no path back to mu, sigma
                let reconstruction = model.logLikelihood(x, given: z)   // trains the decoder
                let f = reconstruction.detached()
                let b: Float = baseline ? f.scalars.reduce(0, +) / Float(f.count) : 0
                let surrogate = (f - b) * q.logProb(z)             // its gradient: (f - b) ∇ log q
                loss = (kl(q) - reconstruction - surrogate).sum()
            }
            model.zeroGradients()
            loss.backward()
            adam.step()
        }
        curve.append(Double(model.negativeELBO(on: test.images, using: &rng)))
    }
    return curve
}
let curves = cached("course-l3-curves-784-256-16-n10k-e\(curveEpochs)") {
    [trainVAE(.reparameterized), trainVAE(.scoreFunction), trainVAE(.scoreFunction, baseline: true)]
}
let epochAxis = (0...curveEpochs).map(Double.init)
show(LinePlot(title: "Training the same VAE with each gradient estimator", xLabel: "epoch",
              yLabel: "test -ELBO (nats)")
    .line(x: epochAxis, y: curves[0], label: "reparameterized", markers: true)
    .line(x: epochAxis, y: curves[1], label: "score function", markers: true)
    .line(x: epochAxis, y: curves[2], label: "score function with baseline", markers: true))
show(table: [["reparameterized", curves[0].last!],
             ["score function", curves[1].last!],
             ["score function with baseline", curves[2].last!]],
     headers: ["encoder gradient", "test -ELBO after \(curveEpochs) epochs"])
expect(curves[0].last! < curves[1].last!, "the reparameterized VAE reaches the better ELBO")
expect(curves[0].last! < curves[2].last!, "even with a baseline, the score function trails")
expect(curves[1].last! < curves[1].first!, "the score-function run still learns")
let closed = (curves[1].last! - curves[2].last!) / (curves[1].last! - curves[0].last!)
print("the baseline closes \(Int((100 * closed).rounded()))% of the gap between the score function and the trick")
expect(closed > 0 && closed < 0.5, "the baseline closes less than half of the gap")
// The floor (lesson 1) under every -ELBO: the test images' mean entropy.
let testFloor = mean((0..<test.count).map { bernoulliEntropy(test.images.row($0)) })
print("entropy floor of the test images: \(String(format: "%.1f", testFloor)) nats; above it after"
      + " \(curveEpochs) epochs: " + curves.map { String(format: "%.1f", $0.last! - testFloor) }.joined(separator: ", "))

// MARK: cell 8, Lessons/03-reparameterization.md:439
// The variants of "Try it" for f(z) = z², run here so that what the text promises is checked:
// one-sample estimates (K = 1), 200,000 of each.
func oneSample(mu: Float, _ estimator: GradientEstimator, baseline: Bool = false) -> (mean: Double, variance: Double) {
    let g = gradientSamples(of: { z in z.squared().sum(axis: 1) }, mean: [mu], logVariance: [2 * log(sigma)],
                            estimator: estimator, samples: 200_000, baseline: baseline, using: &toyRNG).mean.scalars
    return meanAndVariance(g.map(Double.init))
}
let variantRows: [(String, Float, Bool)] = [("mu = 1.5", 1.5, false), ("mu = 5", 5, false), ("mu = 0", 0, false),
                                    ("mu = 1.5, baseline", 1.5, true)]
let variants = variantRows.map { ($0.0, oneSample(mu: $0.1, .scoreFunction, baseline: $0.2), oneSample(mu: $0.1, .reparameterized)) }
show(table: variants.map { [$0.0, $0.1.mean, $0.1.variance, $0.2.variance, $0.1.variance / $0.2.variance] },
     headers: ["f(z) = z², K = 1", "score function: mean", "variance", "reparameterized: variance", "ratio"])
let growth = variants[1].1.variance / variants[0].1.variance
print("moving mu from 1.5 to 5 multiplies the score-function variance by \(String(format: "%.1f", growth))")
expect(growth > 12 && growth < 30, "about twentyfold")
for v in variants { expect(v.2.variance, near: 4, tolerance: 0.1, "the reparameterized variance stays 4σ² = 4") }
expect(variants[2].1.variance / variants[2].2.variance < 10, "at mu = 0 the factor of ten is lost")
expect(abs(variants[3].1.mean - 3) < 4 * (variants[3].1.variance / 200_000).squareRoot(),
       "with a baseline the mean stays on 2 mu")
let halved = variants[3].1.variance / variants[0].1.variance
expect(halved > 0.35 && halved < 0.65, "a constant baseline about halves the variance")
