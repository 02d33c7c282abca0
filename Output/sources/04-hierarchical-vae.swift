// The cells of Lessons/04-hierarchical-vae.md ("The hierarchical VAE") as one program, in order.
// Built against the course's modules (LessonRuntime, VAE, Figures): see the README.
import Foundation
import LessonRuntime
import VAE
import Figures

// MARK: cell 1, Lessons/04-hierarchical-vae.md:63
import Foundation   // exp, log, String(format:)
show(Diagram.hierarchical(levels: 2, title: "Two-level HVAE"))

// MARK: cell 2, Lessons/04-hierarchical-vae.md:106
// The data and the 16-D VAE of lesson 1 (from the model cache), and a two-level HVAE trained
// on the same 10,000 images for the same 10 epochs (cached too; the runtime's courseHVAE holds
// its seed and layers).
let test = try FashionMNIST.load(split: .test, limit: 2_000)
let vaeRun = try courseVAE(latent: 16)
let (vae, vaeLoss) = (vaeRun.model, vaeRun.losses)
let epochs = CourseModel.epochs

let latentSizes = [16, 8]    // units in z1 and z2
let warmup = 0               // KL warm-up epochs for the HVAE (0: off)
let hvaeRun = try courseHVAE(latentSizes: latentSizes, warmup: warmup)
let (hvae, hvaeLoss) = (hvaeRun.model, hvaeRun.losses)
let (d1, d2) = (latentSizes[0], latentSizes[1])
print("VAE  784-256-16:            ", vae.parameterCount, "parameters")
print("HVAE 784-256-\(d1), \(d1)-64-\(d2):     ", hvae.parameterCount, "parameters")
expect(abs(Double(hvae.parameterCount) / Double(vae.parameterCount) - 1) < 0.05,
       "the two models have the same budget (within 5%)")
let epochAxis = (1...epochs).map(Double.init)
show(LinePlot(title: "Training loss", xLabel: "epoch", yLabel: "-ELBO (nats per image)")
    .line(x: epochAxis, y: vaeLoss, label: "VAE", markers: true)
    .line(x: epochAxis, y: hvaeLoss, label: "HVAE", markers: true))

// MARK: cell 3, Lessons/04-hierarchical-vae.md:143
// Test -ELBO on the 2,000 test images; IWAE bounds on the first 500 of them.
var evalRNG = SeededGenerator(seed: 41)
let few = test.images.rows(0..<500)
let vaeNegELBO = Double(vae.negativeELBO(on: test.images, using: &evalRNG))
let hvaeNegELBO = Double(hvae.negativeELBO(on: test.images, using: &evalRNG))
let testFloor = mean((0..<test.count).map { bernoulliEntropy(test.images.row($0)) })
let sampleCounts = [1, 10, 100]
let vaeIWAE = sampleCounts.map { Double(vae.iwae(on: few, samples: $0, using: &evalRNG)) }
let hvaeIWAE = sampleCounts.map { Double(hvae.iwae(on: few, samples: $0, using: &evalRNG)) }
let iwaeRows: [[Any]] = sampleCounts.indices.map {
    ["-IWAE, K = \(sampleCounts[$0])", -vaeIWAE[$0], -hvaeIWAE[$0]]
}
show(table: [["test -ELBO", vaeNegELBO, hvaeNegELBO],
             ["test -ELBO above the entropy floor", vaeNegELBO - testFloor, hvaeNegELBO - testFloor]] + iwaeRows,
     headers: ["nats per image (lower is better)", "VAE", "HVAE"],
     caption: "-ELBO on all 2,000 test images, -IWAE on the first 500 (so K = 1 need not match the -ELBO row)")
for (name, bounds) in [("VAE", vaeIWAE), ("HVAE", hvaeIWAE)] {
    expect(bounds[1] > bounds[0] && bounds[2] > bounds[1], "\(name): the IWAE bound rises with K (here, in this run)")
}
expect(-vaeIWAE[2] < vaeNegELBO && -hvaeIWAE[2] < hvaeNegELBO,
       "IWAE with 100 samples is tighter than the ELBO")
expect(hvaeNegELBO < vaeNegELBO && hvaeIWAE[2] > vaeIWAE[2],
       "at the same budget, the HVAE fits the test images better")

// MARK: cell 4, Lessons/04-hierarchical-vae.md:193
// The KL terms of the ELBO, per level and per latent unit, averaged over the 2,000 test images.
// Every distribution here is a diagonal Gaussian, so each term is a sum over units:
//   top level: KL(q(z2|z1) || N(0, I)), in closed form;
//   level 1:   log q(z1|x) − log p(z1|z2) at the sampled z1 and z2 (one sample per image).
var klRNG = SeededGenerator(seed: 43)
let chain = withoutGradients { hvae.encode(test.images, using: &klRNG) }
let conditionalPrior = withoutGradients { hvae.priors[0](chain[1].z) }          // p(z1|z2)
func perUnitMean(_ n: Int, _ d: Int, _ term: (Int) -> Double) -> [Double] {
    var total = [Double](repeating: 0, count: d)
    for i in 0..<(n * d) { total[i % d] += term(i) }
    return total.map { $0 / Double(n) }
}
func klToStandardNormal(_ q: DiagonalGaussian) -> [Double] {
    perUnitMean(q.mean.rows, q.mean.columns) { i in
        let m = Double(q.mean.scalars[i]), lv = Double(q.logVariance.scalars[i])
        return 0.5 * (m * m + exp(lv) - 1 - lv)
    }
}
func logN(_ x: Double, _ m: Double, _ lv: Double) -> Double {
    -0.5 * ((x - m) * (x - m) / exp(lv) + lv + log(2 * Double.pi))
}
func logDensityRatio(_ z: Tensor, _ q: DiagonalGaussian, _ p: DiagonalGaussian) -> [Double] {
    perUnitMean(z.rows, z.columns) { i in
        let x = Double(z.scalars[i])
        let logQ = logN(x, Double(q.mean.scalars[i]), Double(q.logVariance.scalars[i]))
        let logP = logN(x, Double(p.mean.scalars[i]), Double(p.logVariance.scalars[i]))
        return logQ - logP
    }
}
let level1 = logDensityRatio(chain[0].z, chain[0].q, conditionalPrior)
let level2 = klToStandardNormal(chain[1].q)
let vaeUnits = klToStandardNormal(withoutGradients { vae.encode(test.images) })
let vaeActive = activeUnits(means: withoutGradients { vae.encode(test.images).mean })
// Active units as Burda et al. define them: E_q[z_j | x], for level 2 the mean of mu2(z1) over
// 20 draws of z1 ~ q(z1|x) per image (a single draw would count its noise as activity).
func topLevelMeans(_ model: HierarchicalVAE, draws: Int) -> Tensor {
    var total = [Float](repeating: 0, count: test.count * model.latentSizes[1])
    for _ in 0..<draws {
        let c = withoutGradients { model.encode(test.images, using: &klRNG) }
        for (i, v) in c[1].q.mean.scalars.enumerated() { total[i] += v / Float(draws) }
    }
    return Tensor(total, shape: [test.count, model.latentSizes[1]])
}
let hvaeActive = [activeUnits(means: chain[0].q.mean), activeUnits(means: topLevelMeans(hvae, draws: 20))]
let oneDrawActive = activeUnits(means: chain[1].q.mean)
func largestFirst(_ v: [Double]) -> [Double] { v.sorted(by: >) }
func unitNames(_ n: Int) -> [String] { (1...n).map(String.init) }
show(Subplots(rows: 1, columns: 3, sharedY: true, title: "The ELBO's KL terms per latent unit, largest first", [
    BarChart(title: "VAE z: \(vaeActive) of 16 active", xLabel: "unit", yLabel: "nats",
             categories: unitNames(16), values: largestFirst(vaeUnits)),
    BarChart(title: "HVAE level-1 term: \(hvaeActive[0]) of \(d1) active", xLabel: "unit",
             categories: unitNames(d1), values: largestFirst(level1)),
    BarChart(title: "HVAE z2 (top): \(hvaeActive[1]) of \(d2) active", xLabel: "unit",
             categories: unitNames(d2), values: largestFirst(level2)),
]))
let sum = { (v: [Double]) in v.reduce(0, +) }
show(table: [["VAE", sum(vaeUnits), "", sum(vaeUnits), vaeActive],
             ["HVAE", sum(level1), sum(level2), sum(level1) + sum(level2), "\(hvaeActive[0]) + \(hvaeActive[1])"]],
     headers: ["model", "KL of z, or the level-1 term", "top-level KL (bounds I(z1; z2))",
               "total (bounds the information in all levels)", "active units"])
// Single-sample level-1 terms, per image and unit: not a KL, so not always positive.
var negativeTerms = 0
for i in 0..<chain[0].z.count {
    let x = Double(chain[0].z.scalars[i])
    let logQ = logN(x, Double(chain[0].q.mean.scalars[i]), Double(chain[0].q.logVariance.scalars[i]))
    let logP = logN(x, Double(conditionalPrior.mean.scalars[i]), Double(conditionalPrior.logVariance.scalars[i]))
    if logQ < logP { negativeTerms += 1 }
}
let negativeShare = Double(negativeTerms) / Double(chain[0].z.count)
print("single-sample level-1 terms (per image and unit) that are negative: \(String(format: "%.1f", 100 * negativeShare))%")
print("top-level active units with one draw of z1 instead of 20: \(oneDrawActive) of \(d2)")
expect(negativeShare > 0.05, "the level-1 term is often negative for single samples")
expect(sum(level1) + sum(level2) > 0, "the total KL of the chain is positive")
expect(sum(level2) > 1, "the top level is in use: its KL is more than a nat per image")
expect(sum(level2) > sum(level1) / 2, "the top level's term is at least half of the level-1 term")
expect(oneDrawActive >= hvaeActive[1], "one draw never counts fewer active units than the average")
expect(sum(level1) + sum(level2) < sum(vaeUnits), "the HVAE spends fewer nats of KL than the VAE")

// MARK: cell 5, Lessons/04-hierarchical-vae.md:290
// The same HVAE with 32 top units (cached like the first), and its KL per unit.
let wide = try courseHVAE(latentSizes: [16, 32]).model
let wideChain = withoutGradients { wide.encode(test.images, using: &klRNG) }
let widePrior = withoutGradients { wide.priors[0](wideChain[1].z) }              // p(z1|z2)
let wideLevel1 = logDensityRatio(wideChain[0].z, wideChain[0].q, widePrior)
let wideLevel2 = klToStandardNormal(wideChain[1].q)
let wideActive = [activeUnits(means: wideChain[0].q.mean), activeUnits(means: topLevelMeans(wide, draws: 20))]
let wideOneDraw = activeUnits(means: wideChain[1].q.mean)
print("active top units: \(wideActive[1]) of 32 with 20 draws of z1 per image, \(wideOneDraw) with one draw")
expect(wideOneDraw >= wideActive[1], "one draw never counts fewer")
show(Subplots(rows: 1, columns: 2, sharedY: true,
              title: "KL per latent unit with 32 top units, largest first", [
    BarChart(title: "level-1 term: \(wideActive[0]) of 16 active", xLabel: "unit", yLabel: "nats",
             categories: unitNames(16), values: largestFirst(wideLevel1)),
    BarChart(title: "z2: \(wideActive[1]) of 32 active", xLabel: "unit",
             categories: unitNames(32), values: largestFirst(wideLevel2)),
]))
show(table: [["8 top units", sum(level1), sum(level2), "\(hvaeActive[0]) + \(hvaeActive[1])"],
             ["32 top units", sum(wideLevel1), sum(wideLevel2), "\(wideActive[0]) + \(wideActive[1])"]],
     headers: ["HVAE", "level-1 term (nats)", "top-level KL (nats)", "active units"])
expect(sum(wideLevel2) < sum(level2) / 3,
       "four times the top units, under a third of the top-level KL")
expect(sum(wideLevel2) < sum(wideLevel1) / 4,
       "the wide top level's KL is a small fraction of the level-1 term")

// MARK: cell 6, Lessons/04-hierarchical-vae.md:352
// A top-down (ladder) HVAE made of the HVAE's own networks, freshly initialised with its seed:
// encoders[0] is the bottom-up estimate of z1, encoders[1] maps that estimate's mean to q(z2|x),
// priors[0] is p(z1|z2) and decoder is p(x|z1).
var ladderRNG = SeededGenerator(seed: 3_000)
let ladder = HierarchicalVAE(inputSize: 784, hiddenSizes: [256, 64], latentSizes: [16, 8], using: &ladderRNG)
struct LadderPass { var reconstruction: Tensor, kl1: Tensor, kl2: Tensor, q2: DiagonalGaussian }
func ladderPass(_ x: Tensor, using rng: inout SeededGenerator) -> LadderPass {
    let up = ladder.encoders[0](x)
    let q2 = ladder.encoders[1](up.mean)
    let p1 = ladder.priors[0](q2.sample(using: &rng))
    let a = (-up.logVariance).exp(), b = (-p1.logVariance).exp(), precision = a + b
    let q1 = DiagonalGaussian(mean: (up.mean * a + p1.mean * b) / precision, logVariance: -precision.log())
    let reconstruction = -ladder.decoder(q1.sample(using: &rng)).binaryCrossEntropy(logitsAgainst: x)
    return LadderPass(reconstruction: reconstruction, kl1: q1.kl(to: p1), kl2: q2.klToStandardNormal(), q2: q2)
}
// Trained once on the course's training images (Adam, learning rate 1e-3, batches of 128, like
// the engine's HVAE) and kept in the model cache as its parameters' values.
let ladderWeights: [[Float]] = try cached("course-l4-ladder-784-256-16-64-8-n10k-e\(epochs)") {
    let train = try CourseModel.trainingSet()
    var adam = Adam(parameters: ladder.parameters, learningRate: 1e-3)
    var order = Array(0..<train.count)
    for _ in 1...epochs {
        order.shuffle(using: &ladderRNG)
        for start in stride(from: 0, to: train.count, by: 128) {
            let x = train.images.rows(at: Array(order[start ..< min(start + 128, train.count)]))
            let pass = ladderPass(x, using: &ladderRNG)
            let loss = (pass.kl1 + pass.kl2 - pass.reconstruction).sum()
            ladder.zeroGradients()
            loss.backward()
            adam.step()
        }
    }
    return ladder.parameters.map(\.scalars)
}
for (p, v) in zip(ladder.parameters, ladderWeights) { p.scalars = v }

// Test −ELBO (one sample per image) and what each level spends, on the 2,000 test images.
var ladderEval = SeededGenerator(seed: 45)
let pass = withoutGradients { ladderPass(test.images, using: &ladderEval) }
let ladderNegELBO = mean((pass.kl1 + pass.kl2 - pass.reconstruction).scalars)
let ladderKL1 = mean(pass.kl1.scalars), ladderKL2 = mean(pass.kl2.scalars)
let ladderActive = activeUnits(means: pass.q2.mean)     // q(z2|x) is exact here: no draw of z1 in it
show(table: [["bottom-up (the post's)", hvaeNegELBO, sum(level1), sum(level2), hvaeActive[1]],
             ["top-down (ladder)", ladderNegELBO, ladderKL1, ladderKL2, ladderActive]],
     headers: ["HVAE, same networks and budget", "test −ELBO", "level-1 term", "top-level KL", "active top units of 8"])
expect(ladder.parameterCount == hvae.parameterCount, "the same budget, weight for weight")
expect(ladderKL2 > 1 && ladderActive == 8, "the ladder's top level is in use too")
expect(ladderNegELBO > hvaeNegELBO && ladderKL2 < sum(level2),
       "at this size and budget, top-down inference does not win")

// MARK: cell 7, Lessons/04-hierarchical-vae.md:425
// Top-down sampling: 6 draws of z2 ~ N(0, I), one per row; for each, 10 draws of z1 ~ p(z1|z2).
var sampleRNG = SeededGenerator(seed: 47)
let rows = 6, columns = 10
let z2 = Tensor.randomNormal([rows, d2], using: &sampleRNG)
let z2Repeated = z2.rows(at: (0..<rows).flatMap { Array(repeating: $0, count: columns) })
let hvaeSamples = withoutGradients {
    hvae.decode(hvae.priors[0](z2Repeated).sample(using: &sampleRNG))
}
show(ImageGrid(images: hvaeSamples.doubles, rows: rows, columns: columns,
               rowLabels: (1...rows).map { "z2 #\($0)" },
               title: "HVAE samples: one z2 per row, a new z1 in each column"))
let vaeSamples = withoutGradients { vae.decode(Tensor.randomNormal([20, 16], using: &sampleRNG)) }
show(ImageGrid(images: vaeSamples.doubles, rows: 2, columns: 10, rowLabels: ["VAE", "VAE"],
               title: "VAE samples, for comparison"))

// How much of the variation between samples does z2 decide? Compare the pixel variance
// within a row (same z2) with the variance over the whole grid.
let pixels = hvaeSamples.doubles
func variance(_ images: [[Double]]) -> Double {
    let n = Double(images.count)
    return (0..<784).reduce(0.0) { total, p in
        let m = images.reduce(0.0) { $0 + $1[p] } / n
        return total + images.reduce(0.0) { $0 + ($1[p] - m) * ($1[p] - m) } / n
    }
}
let rowVariances = (0..<rows).map { r in variance(Array(pixels[(r * columns) ..< ((r + 1) * columns)])) }
let within = rowVariances.reduce(0, +) / Double(rows)
let overall = variance(pixels)
print("pixel variance within a row: \(String(format: "%.2f", within)),"
      + "  over all samples: \(String(format: "%.2f", overall))")
expect(within < overall / 2, "fixing z2 decides most of what a sample looks like")

// MARK: cell 8, Lessons/04-hierarchical-vae.md:491
// The first variant of "Try it", run here: the top-down samples of the wide HVAE, one z2 a row.
let wideSamples = withoutGradients {
    wide.decode(wide.priors[0](Tensor.randomNormal([rows, 32], using: &sampleRNG)
        .rows(at: (0..<rows).flatMap { Array(repeating: $0, count: columns) })).sample(using: &sampleRNG))
}.doubles
let wideRows = (0..<rows).map { r in variance(Array(wideSamples[(r * columns) ..< ((r + 1) * columns)])) }
let wideWithin = wideRows.reduce(0, +) / Double(rows), wideOverall = variance(wideSamples)
print("32 top units: pixel variance within a row \(String(format: "%.2f", wideWithin)),"
      + " over all samples \(String(format: "%.2f", wideOverall))")
expect(wideWithin / wideOverall > 2 * within / overall, "with 32 top units the rows look far less alike")
expect(sum(wideLevel2) < sum(level2) / 3 && wideWithin > within, "the checks on z2 above would fail")
