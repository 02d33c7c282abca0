// The cells of Lessons/01-autoencoder-vs-vae.md ("Autoencoder versus VAE") as one program, in order.
// Built against the course's modules (LessonRuntime, VAE, Figures): see the README.
import Foundation
import LessonRuntime
import VAE
import Figures

// MARK: cell 1, Lessons/01-autoencoder-vs-vae.md:32
import Foundation   // exp, log, pow, String(format:)
show(Diagram(title: "Autoencoder")
    .node("x", "x", shape: .observed, note: "input")
    .node("enc", "Encoder", shape: .encoder, note: "f_\\phi")
    .node("z", "z", shape: .deterministic, note: "one fixed code")
    .node("dec", "Decoder", shape: .decoder, note: "g_\\theta")
    .node("xh", "x̂", shape: .observed, note: "reconstruction")
    .edge("x", "enc").edge("enc", "z").edge("z", "dec").edge("dec", "xh"))

// MARK: cell 2, Lessons/01-autoencoder-vs-vae.md:49
// The data: the first 10,000 training images (the set every course model trains on) and the
// first 2,000 test images of Fashion-MNIST.
let train = try CourseModel.trainingSet()
let test = try FashionMNIST.load(split: .test, limit: 2_000)
let classNames = FashionMNIST.classNames
print("training images:", train.count, "  test images:", test.count,
      "  pixels per image:", train.images.columns)

// Ten test images of each class, one class per row.
var gallery: [[Float]] = []
for c in 0..<10 {
    let ofClass = test.labels.indices.filter { test.labels[$0] == c }.prefix(10)
    gallery += ofClass.map { test.images.row($0) }
}
show(ImageGrid(images: gallery, rows: 10, columns: 10, rowLabels: classNames,
               title: "Fashion-MNIST test images"))

// MARK: cell 3, Lessons/01-autoencoder-vs-vae.md:68
// The course's four models, trained once and kept in the model cache: the later lessons that ask
// for the same model load these weights (its seed, layers and data are defined in one place,
// the runtime's courseVAE and courseAutoencoder). The losses come with the weights.
let epochs = CourseModel.epochs
let ae2Run = try courseAutoencoder(code: 2, epochs: epochs), vae2Run = try courseVAE(latent: 2, epochs: epochs)
let ae16Run = try courseAutoencoder(code: 16, epochs: epochs), vae16Run = try courseVAE(latent: 16, epochs: epochs)
let (ae2, vae2, ae16, vae16) = (ae2Run.model, vae2Run.model, ae16Run.model, vae16Run.model)

let epochAxis = (1...epochs).map(Double.init)
show(Subplots(rows: 1, columns: 2, [
    LinePlot(title: "Autoencoder: reconstruction loss", xLabel: "epoch", yLabel: "nats per image")
        .line(x: epochAxis, y: ae2Run.losses, label: "d = 2")
        .line(x: epochAxis, y: ae16Run.losses, label: "d = 16"),
    LinePlot(title: "VAE: -ELBO (reconstruction + KL)", xLabel: "epoch", yLabel: "nats per image")
        .line(x: epochAxis, y: vae2Run.losses, label: "d = 2")
        .line(x: epochAxis, y: vae16Run.losses, label: "d = 16"),
]))
let runs = [("AE d=2", ae2Run.losses), ("VAE d=2", vae2Run.losses),
            ("AE d=16", ae16Run.losses), ("VAE d=16", vae16Run.losses)]
for (name, loss) in runs {
    expect(loss.last! < loss.first!, "\(name): training should lower the loss")
}

// The floor under every loss: on grey pixels even a perfect prediction pays the pixels' own
// binary entropy, sum_i H(x_i). No model can go below it.
let trainFloor = mean((0..<train.count).map { bernoulliEntropy(train.images.row($0)) })
print("entropy floor of the training images: \(String(format: "%.1f", trainFloor)) nats per image")
for (name, loss) in runs {
    print("  \(name): last epoch \(String(format: "%.1f", loss.last!)),"
          + " \(String(format: "%.1f", loss.last! - trainFloor)) above the floor")
    expect(loss.last! > trainFloor, "\(name): no loss goes below the entropy floor")
}

// MARK: cell 4, Lessons/01-autoencoder-vs-vae.md:120
// Mean squared error per pixel over the test images; the VAE decodes its mean code.
func mse(_ a: Tensor, _ b: Tensor) -> Double {
    let squares = zip(a.scalars, b.scalars).map { Double(($0 - $1) * ($0 - $1)) }
    return squares.reduce(0, +) / Double(a.count)
}
let (aeRecon, vaeRecon) = withoutGradients {
    (ae16.decode(ae16.encode(test.images)), vae16.decode(vae16.encode(test.images).mean))
}
// The simplest "model": predict the average training image for every input.
var meanImage = [Float](repeating: 0, count: 784)
for i in 0..<train.count {
    for (j, v) in train.images.row(i).enumerated() { meanImage[j] += v / Float(train.count) }
}
let meanImages = Tensor(Array(repeating: meanImage, count: test.count).flatMap { $0 },
                        shape: [test.count, 784])
let baseline = mse(test.images, meanImages)
let aeError = mse(test.images, aeRecon), vaeError = mse(test.images, vaeRecon)

let shown = Array(0..<12)
let triples = test.images.rows(at: shown).doubles + aeRecon.rows(at: shown).doubles
    + vaeRecon.rows(at: shown).doubles
show(ImageGrid(images: triples, rows: 3, columns: 12, rowLabels: ["input", "AE", "VAE"],
               title: "Test images and their reconstructions (d = 16)"))
show(table: [["predict the mean training image", baseline],
             ["autoencoder", aeError],
             ["VAE (mean code)", vaeError]],
     headers: ["reconstruction", "mean squared error per pixel"])
expect(aeError < baseline / 3 && vaeError < baseline / 3,
       "both models should reconstruct far better than the mean image")
expect(aeError < vaeError, "the autoencoder, which only reconstructs, should be sharper")

// MARK: cell 5, Lessons/01-autoencoder-vs-vae.md:173
show(Diagram.vae(title: "Variational autoencoder"))

// MARK: cell 6, Lessons/01-autoencoder-vs-vae.md:179
// One test image (an ankle boot), encoded twice by each 2-D model.
let boot = test.images.rows(0..<1)
let aeFirst = withoutGradients { ae2.encode(boot).row(0) }
let aeSecond = withoutGradients { ae2.encode(boot).row(0) }
var noise = SeededGenerator(seed: 7)
let q = withoutGradients { vae2.encode(boot) }
let vaeFirst = q.sample(using: &noise).row(0), vaeSecond = q.sample(using: &noise).row(0)
print("autoencoder:", aeFirst, "then", aeSecond)
print("VAE:        ", vaeFirst, "then", vaeSecond)
expect(aeFirst == aeSecond, "the autoencoder's code is a fixed point")
expect(vaeFirst != vaeSecond, "the VAE draws a new code each time")

// Encode it 500 times and look at the spread.
let mu = q.mean.row(0), sigma = q.standardDeviation.row(0)
let same = Array(repeating: 0, count: 500)
let q500 = DiagonalGaussian(mean: q.mean.rows(at: same), logVariance: q.logVariance.rows(at: same))
let cloud = q500.sample(using: &noise)
let zx = (0..<500).map { Double(cloud.scalars[2 * $0]) }
let zy = (0..<500).map { Double(cloud.scalars[2 * $0 + 1]) }
let sd = { (v: [Double]) in standardDeviation(v) }   // the runtime's, unbiased (n − 1)
print("the encoder's sigma:          ", sigma)
print("spread of the 500 samples:    ", [sd(zx), sd(zy)].map { Float($0) })
let aeX = Array(repeating: Double(aeFirst[0]), count: 500)
let aeY = Array(repeating: Double(aeFirst[1]), count: 500)
let covariance = [[Double(sigma[0] * sigma[0]), 0], [0, Double(sigma[1] * sigma[1])]]
show(Subplots(rows: 1, columns: 2, [
    ScatterPlot(title: "Autoencoder: 500 encodings", xLabel: "code 1", yLabel: "code 2")
        .points(x: aeX, y: aeY, label: "code"),
    ScatterPlot(title: "VAE: 500 samples from q(z|x)", xLabel: "z1", yLabel: "z2")
        .points(x: zx, y: zy, label: "samples")
        .gaussianEllipses(mean: mu.map(Double.init), covariance: covariance)
        .equalAspect(),
]))
expect(sd(zx), near: Double(sigma[0]), tolerance: 0.1 * Double(sigma[0]),
       "the samples' spread is the encoder's sigma")

// MARK: cell 7, Lessons/01-autoencoder-vs-vae.md:262
let (aeCodes, vaeMeans) = withoutGradients {
    (ae2.encode(test.images), vae2.encode(test.images).mean)
}
let names = test.labels.map { classNames[$0] }
let plotted = Array(0..<1_000)   // all 2,000 enter the statistics; 1,000 are drawn
func column(_ t: Tensor, _ j: Int, _ rows: [Int]) -> [Double] {
    rows.map { Double(t.scalars[2 * $0 + j]) }
}
let plottedNames = plotted.map { names[$0] }
show(Subplots(rows: 1, columns: 2, width: 960, height: 420, [
    ScatterPlot(title: "Autoencoder codes", xLabel: "code 1", yLabel: "code 2")
        .points(x: column(aeCodes, 0, plotted), y: column(aeCodes, 1, plotted),
                category: plottedNames)
        .legend(.hidden),
    ScatterPlot(title: "VAE means", xLabel: "z1", yLabel: "z2")
        .points(x: column(vaeMeans, 0, plotted), y: column(vaeMeans, 1, plotted),
                category: plottedNames)
        .legend(.outside),
]))
let all = Array(0..<test.count)
let aeSpread = [sd(column(aeCodes, 0, all)), sd(column(aeCodes, 1, all))]
let vaeSpread = [sd(column(vaeMeans, 0, all)), sd(column(vaeMeans, 1, all))]
print("standard deviation of the codes per axis")
print("  autoencoder:", aeSpread.map { Float($0) })
print("  VAE:        ", vaeSpread.map { Float($0) })
expect(aeSpread.max()! > 1.5 * vaeSpread.max()!,
       "the autoencoder's codes spread over a wider range of their own")

// What the KL term asks for, exactly: over the training images, E[mu_j^2 + sigma_j^2] = 1 and
// E[mu_j] = 0 for each unit j at a stationary point of the loss (see the argument below).
let qTrain = withoutGradients { vae2.encode(train.images) }
let trainMu = qTrain.mean.scalars.map(Double.init), trainSD = qTrain.standardDeviation.scalars.map(Double.init)
let secondMoment = (0..<2).map { j -> Double in
    mean((0..<train.count).map { i -> Double in
        let m = trainMu[2 * i + j], v = trainSD[2 * i + j]
        return m * m + v * v
    })
}
let firstMoment = (0..<2).map { j -> Double in mean((0..<train.count).map { trainMu[2 * $0 + j] }) }
print("VAE, over the 10,000 training images:")
print("  E[mu_j^2 + sigma_j^2] per unit:", secondMoment.map { Float($0) })
print("  E[mu_j] per unit:              ", firstMoment.map { Float($0) })
// Shift unit j by c_j = E[mu_j] and scale it by a_j = 1/sqrt(Var[mu_j] + E[sigma_j^2]), and undo
// both in the decoder's first layer (weights times 1/a_j, bias plus W c): every reconstruction is
// unchanged, and the average KL drops by exactly this much.
var klGain = 0.0
for j in 0..<2 {
    let meanSquare = mean((0..<train.count).map { trainSD[2 * $0 + j] * trainSD[2 * $0 + j] })
    let spread = secondMoment[j] - meanSquare - firstMoment[j] * firstMoment[j]   // Var[mu_j]
    let a2 = 1 / (spread + meanSquare)
    // KL_j = ½ E[a²((mu − c)² + sigma²) − 1 − log sigma² − log a²]; before: a = 1, c = 0.
    let before = 0.5 * secondMoment[j], after = 0.5 * (1 - log(a2))
    klGain += before - after
    expect(before - after >= 0, "unit \(j + 1): the best shift and scale never raise the KL")
}
print("KL saved by re-centring and re-scaling the codes, reconstruction unchanged:"
      + " \(String(format: "%.2f", klGain)) nats per image")
expect(secondMoment.allSatisfy { abs($0 - 1) > 0.1 },
       "after ten epochs the model is not yet at the stationary point in this direction")

// MARK: cell 8, Lessons/01-autoencoder-vs-vae.md:354
// Decode a 12 × 12 grid of codes (top row = largest second coordinate).
let steps = 12
func gridCodes(from lo: [Double], to hi: [Double]) -> Tensor {
    var v: [Float] = []
    for r in 0..<steps {
        for c in 0..<steps {
            v.append(Float(lo[0] + (hi[0] - lo[0]) * Double(c) / Double(steps - 1)))
            v.append(Float(hi[1] - (hi[1] - lo[1]) * Double(r) / Double(steps - 1)))
        }
    }
    return Tensor(v, shape: [steps * steps, 2])
}
let aeCentre = (0..<2).map { j in column(aeCodes, j, all).reduce(0, +) / Double(all.count) }
let aeGrid = gridCodes(from: (0..<2).map { aeCentre[$0] - 2 * aeSpread[$0] },
                       to: (0..<2).map { aeCentre[$0] + 2 * aeSpread[$0] })
let (vaeWalk, aeWalk) = withoutGradients {
    (vae2.decode(gridCodes(from: [-3, -3], to: [3, 3])), ae2.decode(aeGrid))
}
show(ImageGrid(images: vaeWalk.doubles, rows: steps, columns: steps,
               title: "VAE, d = 2: decoded codes over [-3, 3]²"))
show(ImageGrid(images: aeWalk.doubles, rows: steps, columns: steps,
               title: "Autoencoder, d = 2: decoded codes over mean ± 2 sd"))
let aeRange = (0..<2).map { j in
    "code \(j + 1) from \(Int((aeCentre[j] - 2 * aeSpread[j]).rounded()))"
        + " to \(Int((aeCentre[j] + 2 * aeSpread[j]).rounded()))"
}
print("autoencoder's square:", aeRange.joined(separator: ", "))

// How much the image changes from one cell to the next, against two cells at random.
func pixelRMS(_ t: Tensor, _ i: Int, _ j: Int) -> Double {
    let a = t.row(i), b = t.row(j)
    let squares = zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
    return (squares / Double(a.count)).squareRoot()
}
func steadiness(_ t: Tensor) -> (nextCell: Double, anyTwo: Double) {
    var pick = SeededGenerator(seed: 13)
    var next: [Double] = [], any: [Double] = []
    for r in 0..<steps {
        for c in 0..<(steps - 1) { next.append(pixelRMS(t, r * steps + c, r * steps + c + 1)) }
    }
    let cells = UInt64(steps * steps)
    for _ in next { any.append(pixelRMS(t, Int(pick.next() % cells), Int(pick.next() % cells))) }
    return (next.reduce(0, +) / Double(next.count), any.reduce(0, +) / Double(any.count))
}
let vaeSteady = steadiness(vaeWalk), aeSteady = steadiness(aeWalk)
show(table: [["VAE", vaeSteady.nextCell, vaeSteady.anyTwo],
             ["autoencoder", aeSteady.nextCell, aeSteady.anyTwo]],
     headers: ["d = 2", "next cell (RMS per pixel)", "two cells at random"])
expect(vaeSteady.nextCell < vaeSteady.anyTwo / 2,
       "walking across the VAE's map, the image changes gradually")
expect(aeSteady.nextCell < aeSteady.anyTwo / 2, "the autoencoder's map is just as gradual")

// MARK: cell 9, Lessons/01-autoencoder-vs-vae.md:427
// The same 40 random codes z ~ N(0, I) in 16 dimensions, through both decoders.
var sampler = SeededGenerator(seed: 11)
let zPrior = Tensor.randomNormal([40, 16], using: &sampler)
let (aeSamples, vaeSamples) = withoutGradients { (ae16.decode(zPrior), vae16.decode(zPrior)) }
show(ImageGrid(images: aeSamples.doubles + vaeSamples.doubles, rows: 8, columns: 10,
               rowLabels: ["AE", "AE", "AE", "AE", "VAE", "VAE", "VAE", "VAE"],
               title: "Decoded random codes z ~ N(0, I), d = 16"))

// MARK: cell 10, Lessons/01-autoencoder-vs-vae.md:443
// Distance from each image to its nearest neighbour among 5,000 training images (root mean
// squared difference per pixel). ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b: one matrix product for all pairs.
let reference = train.images.rows(0..<5_000)
func squaredNorms(_ t: Tensor) -> [Float] {
    (0..<t.rows).map { t.row($0).reduce(0) { $0 + $1 * $1 } }
}
func nearestDistances(_ a: Tensor, _ b: Tensor) -> [Double] {
    let dot = matmul(a, b, transposeB: true)               // [a.rows, b.rows]
    let an = squaredNorms(a), bn = squaredNorms(b)
    return (0..<a.rows).map { i in
        let best = (0..<b.rows).map { an[i] + bn[$0] - 2 * dot.scalars[i * b.rows + $0] }.min()!
        return Double(max(best, 0)).squareRoot()
    }
}
func pixelDistance(_ images: Tensor) -> Double {
    mean(nearestDistances(images, reference)) / 784.0.squareRoot()
}
let zMany = Tensor.randomNormal([300, 16], using: &sampler)
let (aeMany, vaeMany) = withoutGradients { (ae16.decode(zMany), vae16.decode(zMany)) }
let testDist = pixelDistance(test.images.rows(0..<300))
let vaeDist = pixelDistance(vaeMany), aeDist = pixelDistance(aeMany)
show(table: [["real test images", testDist],
             ["VAE samples from the prior", vaeDist],
             ["AE decodings of prior codes", aeDist]],
     headers: ["300 images", "distance to the nearest training image (RMS per pixel)"])
expect(vaeDist < aeDist, "random codes decode to more clothing-like images through the VAE")
expect(vaeDist < testDist, "blurry samples sit closer to the training images than real ones")

// MARK: cell 11, Lessons/01-autoencoder-vs-vae.md:501
func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

// (a) Where N(0, I) puts its samples: lengths of 5,000 draws in 2, 16 and 100 dimensions,
// and how many fall within half the typical length sqrt(d) of the origin.
var shell = SeededGenerator(seed: 3)
var lengthPlot = Histogram(title: "Length of z ~ N(0, I)", xLabel: "‖z‖", yLabel: "density")
var draws: [Int: Tensor] = [:]
var nearCentre: [Int: Double] = [:]
for d in [2, 16, 100] {
    let z = Tensor.randomNormal([5_000, d], using: &shell)
    draws[d] = z
    let squared = squaredNorms(z).map(Double.init)
    let lengths = squared.map { $0.squareRoot() }
    nearCentre[d] = Double(lengths.filter { $0 < Double(d).squareRoot() / 2 }.count) / 5_000
    print("d = \(d):  mean of ‖z‖² = \(f(mean(squared), 1)),  ‖z‖ = \(f(mean(lengths)))"
          + " ± \(f(sd(lengths))),  sqrt(d) = \(f(Double(d).squareRoot()))")
    print("        within sqrt(d)/2 of the origin: \(f(100 * nearCentre[d]!, 1))% of the draws")
    expect(mean(squared), near: Double(d), tolerance: 0.05 * Double(d), "‖z‖² averages d")
    lengthPlot = lengthPlot.histogram(lengths, bins: 40, density: true, label: "d = \(d)")
}
show(lengthPlot)
// In 2-D, P(‖z‖ < 1/sqrt(2)) = 1 − exp(−1/4) exactly (‖z‖² is exponential with mean 2).
expect(nearCentre[2]!, near: 1 - exp(-0.25), tolerance: 0.02, "in 2-D a fifth of the draws are near the centre")
expect(nearCentre[100]! == 0, "in 100-D none are")

// (b) How often does a random code land where the training codes are? Call it "among them"
// when it is at least as close to a training code as 90% of real test images' codes are.
func landingRate(_ encode: (Tensor) -> Tensor) -> Double {
    let trainCodes = withoutGradients { encode(train.images.rows(0..<5_000)) }
    let testCodes = withoutGradients { encode(test.images.rows(0..<500)) }
    let near = nearestDistances(testCodes, trainCodes).sorted()[450]   // 90th percentile
    let landed = nearestDistances(zMany, trainCodes).filter { $0 <= near }.count
    return Double(landed) / Double(zMany.rows)
}
var codeNoise = SeededGenerator(seed: 5)
let aeRate = landingRate { ae16.encode($0) }
let vaeRate = landingRate { vae16.encode($0).sample(using: &codeNoise) }
print("random codes that land among the training codes:")
print("  autoencoder \(f(100 * aeRate, 1))%,  VAE \(f(100 * vaeRate, 1))%")
expect(2 * aeRate < vaeRate, "random codes miss the autoencoder's codes several times more often")

// (c) The box |z_j| < 0.674 (each axis's middle half) holds 0.5^d of N(0, I): checked exactly
// per axis with the normal CDF, and counted among the draws of (a).
let quartile = 0.6744897501960817
expect(erf(quartile / 2.0.squareRoot()), near: 0.5, tolerance: 1e-12, "the box holds half of each axis")
for d in [2, 16, 100] {
    let z = draws[d]!
    let inside = (0..<z.rows).filter { i in z.row(i).allSatisfy { abs(Double($0)) < quartile } }.count
    let expected = pow(0.5, Double(d)) * 5_000
    print("d = \(d): the box holds \(String(format: "%.3g", pow(0.5, Double(d)))) of N(0, I);"
          + " \(inside) of the 5,000 draws (expected \(String(format: "%.3g", expected)))")
    if d == 2 { expect(Double(inside), near: expected, tolerance: 4 * (expected * 0.75).squareRoot(), "a quarter in 2-D") }
    else { expect(inside == 0, "in \(d)-D no draw lands in the box") }
}

// MARK: cell 12, Lessons/01-autoencoder-vs-vae.md:600
// The aggregate posterior of the 2-D VAE over the 2,000 test images: q(z) = (1/N) Σ_n q(z|x_n).
let qAll = withoutGradients { vae2.encode(test.images) }
let muAll = qAll.mean.scalars.map(Double.init), sdAll = qAll.standardDeviation.scalars.map(Double.init)
let imagesN = test.count
// log q(z | x_n), a diagonal Gaussian; its normalising constant computed once per image.
let logNorm = (0..<imagesN).map { -log(sdAll[2 * $0]) - log(sdAll[2 * $0 + 1]) - log(2 * Double.pi) }
func logQ(_ z: [Double], _ n: Int) -> Double {
    let u = (z[0] - muAll[2 * n]) / sdAll[2 * n], w = (z[1] - muAll[2 * n + 1]) / sdAll[2 * n + 1]
    return logNorm[n] - 0.5 * (u * u + w * w)
}
func logAggregate(_ z: [Double]) -> Double { logMeanExp((0..<imagesN).map { logQ(z, $0) }) }
func logPrior(_ z: [Double]) -> Double { -0.5 * (z[0] * z[0] + z[1] * z[1]) - log(2 * Double.pi) }

// On a 200 × 200 grid of cells over [-4, 4]²: q(z), its mass, and KL(q(z) || p(z)).
let cells = 200, axis = cellMidpoints(from: -4, to: 4, count: cells)
let cellArea = (8.0 / Double(cells)) * (8.0 / Double(cells))
let logAgg = (0..<(cells * cells)).map { k in logAggregate([axis[k % cells], axis[k / cells]]) }
let gridPoints = (0..<(cells * cells)).map { [axis[$0 % cells], axis[$0 / cells]] }
let mass = logAgg.reduce(0.0) { $0 + exp($1) } * cellArea
let aggregateKL = gridPoints.indices.reduce(0.0) { t, k in
    t + exp(logAgg[k]) * (logAgg[k] - logPrior(gridPoints[k]))
} * cellArea

// I_q(x; z) by sampling: 10 codes from each image's q, log q(z|x_n) − log q(z) at each.
var surgeryRNG = SeededGenerator(seed: 17)
var informationTerms: [Double] = []
for n in 0..<imagesN {
    for _ in 0..<10 {
        let z = (0..<2).map { muAll[2 * n + $0] + sdAll[2 * n + $0] * surgeryRNG.normalDouble() }
        informationTerms.append(logQ(z, n) - logAggregate(z))
    }
}
let information = mean(informationTerms)
// The average KL in closed form, as the loss computes it.
let averageKL = mean((0..<imagesN).map { n in
    (0..<2).reduce(0.0) { t, j in
        let m = muAll[2 * n + j], v = sdAll[2 * n + j] * sdAll[2 * n + j]
        return t + 0.5 * (m * m + v - 1 - log(v))
    }
})
show(table: [["E_x KL(q(z|x) ‖ p(z)), closed form", averageKL],
             ["I_q(x; z), sampled", information],
             ["KL(q(z) ‖ p(z)), on the grid", aggregateKL],
             ["I + KL(q(z) ‖ p(z))", information + aggregateKL],
             ["log N, the largest I can be", log(Double(imagesN))]],
     headers: ["2-D VAE, 2,000 test images", "nats"])
print("mass of q(z) inside the grid: \(String(format: "%.4f", mass))")
expect(mass > 0.999, "the grid holds the aggregate posterior")
expect(abs(averageKL - (information + aggregateKL)) < 0.05, "the two parts add up to the average KL")
expect(information < log(Double(imagesN)), "the information is at most log N")
expect(aggregateKL > 0.05, "the codes do not match the prior")
expect(information > 3 * aggregateKL, "most of the KL pays for information, not for mismatch")
// The information does not change when the codes are shifted and scaled, so the KL saved by the
// re-centring and re-scaling of the code-space cell comes entirely out of the mismatch.
print("of the mismatch, re-centring and re-scaling alone would remove \(String(format: "%.2f", klGain)) nats")
expect(klGain < aggregateKL, "re-centring and re-scaling remove part of the mismatch, not all")

// Where do random codes fall? 5,000 draws from the prior, and where q(z) is under a tenth of p(z).
let priorDraws = (0..<5_000).map { _ in [surgeryRNG.normalDouble(), surgeryRNG.normalDouble()] }
let logAggAtDraws = priorDraws.map(logAggregate)
let inHoles = priorDraws.indices.filter { logAggAtDraws[$0] < logPrior(priorDraws[$0]) - log(10) }.map { priorDraws[$0] }
let holeShare = Double(inHoles.count) / Double(priorDraws.count)
print("prior draws that land where q(z) < p(z)/10: \(String(format: "%.1f", 100 * holeShare))%")
expect(holeShare > 0.02, "a visible share of random codes lands in the holes of q(z)")
let centreRatio = (logAggregate([0, 0]) - logPrior([0, 0])) / log(10)
print("at the origin, log10 q(z)/p(z) = \(String(format: "%.2f", centreRatio))")
expect(centreRatio < 0, "the prior's densest point is one of the holes")

func nearest(_ values: [Double], _ z1: Double, _ z2: Double) -> Double {   // the plots sample our grid
    let i = min(max(Int(((z1 + 4) / 8 * Double(cells)).rounded(.down)), 0), cells - 1)
    let k = min(max(Int(((z2 + 4) / 8 * Double(cells)).rounded(.down)), 0), cells - 1)
    return values[k * cells + i]
}
let logRatio = gridPoints.indices.map { max(-4, min(4, (logAgg[$0] - logPrior(gridPoints[$0])) / log(10))) }
let unitCovariance = [[1.0, 0], [0, 1]]
show(Subplots(rows: 1, columns: 2, width: 960, height: 440, [
    ScatterPlot(title: "Aggregate posterior q(z), prior's circles", xLabel: "z1", yLabel: "z2")
        .heatmap(f: { max(-6, nearest(logAgg, $0, $1) / log(10)) }, x: -4...4, y: -4...4, resolution: cells,
                 valueLabel: "log10 q(z)")
        .gaussianEllipses(mean: [0, 0], covariance: unitCovariance, color: .vermillion)
        .legend(.hidden)
        .equalAspect(),
    ScatterPlot(title: "q(z) against the prior", xLabel: "z1", yLabel: "z2")
        .heatmap(f: { nearest(logRatio, $0, $1) }, x: -4...4, y: -4...4, resolution: cells,
                 colorMap: .coolWarm, valueLabel: "log10 q(z)/p(z)")
        .gaussianEllipses(mean: [0, 0], covariance: unitCovariance, color: .foreground)
        .equalAspect(),
]))
// Ten random codes from the holes and ten from where q(z) is at least the prior, decoded.
let filled = priorDraws.indices.filter { logAggAtDraws[$0] >= logPrior(priorDraws[$0]) }.map { priorDraws[$0] }
let decodeThese = Tensor((inHoles.prefix(10) + filled.prefix(10)).flatMap { $0.map(Float.init) }, shape: [20, 2])
show(ImageGrid(images: withoutGradients { vae2.decode(decodeThese) }.doubles, rows: 2, columns: 10,
               rowLabels: ["in a hole", "where q ≥ p"], title: "Prior codes decoded by the 2-D VAE"))

// MARK: cell 13, Lessons/01-autoencoder-vs-vae.md:755
// The variants of "Try it", run here so that what the text promises is checked.
// (1) Prior codes three times too large, through the VAE's decoder.
let tooWide = withoutGradients { vae16.decode(zMany * 3) }
func saturation(_ t: Tensor) -> Double { mean(t.scalars.map { abs(Double($0) - 0.5) * 2 }) }
let tooWideDistance = pixelDistance(tooWide)
print("VAE samples, z ~ N(0, I):   saturation \(f(saturation(vaeMany))),"
      + " distance to the nearest training image \(f(vaeDist, 3))")
print("VAE samples, z ~ N(0, 9 I): saturation \(f(saturation(tooWide))),"
      + " distance \(f(tooWideDistance, 3))")
expect(saturation(tooWide) > saturation(vaeMany), "codes too large decode to harsher images")
expect(tooWideDistance > vaeDist, "and further from real clothes")

// (2) Two epochs of training instead of ten (cached under their own keys).
let vaeShort = try courseVAE(latent: 16, epochs: 2).model
let aeShort = try courseAutoencoder(code: 16, epochs: 2).model
let (aeShortRecon, vaeShortRecon) = withoutGradients {
    (aeShort.decode(aeShort.encode(test.images)), vaeShort.decode(vaeShort.encode(test.images).mean))
}
let aeShortError = mse(test.images, aeShortRecon), vaeShortError = mse(test.images, vaeShortRecon)
show(table: [["autoencoder", aeShortError, aeError], ["VAE (mean code)", vaeShortError, vaeError],
             ["a third of the mean image's error", baseline / 3, baseline / 3]],
     headers: ["mean squared error per pixel", "2 epochs", "\(epochs) epochs"])
expect(vaeShortError > baseline / 3, "after two epochs the VAE misses the factor of three")
expect(aeShortError > aeError && vaeShortError > vaeError, "both reconstruct worse after two epochs")

// (3) A trouser instead of the boot: where its cloud sits, in units of its own sigma.
let trouser = withoutGradients { vae2.encode(test.images.rows(2..<3)) }
let tMu = trouser.mean.row(0), tSigma = trouser.standardDeviation.row(0)
let apart = (0..<2).map { abs(Double(tMu[$0] - mu[$0])) / Double(tSigma[$0]) }
print("trouser: mu \(tMu), sigma \(tSigma); the boot's mu is \(apart.map { f($0, 0) }) of its sigmas away")
expect(apart.max()! > 5, "the trouser's cloud is far from the boot's")
