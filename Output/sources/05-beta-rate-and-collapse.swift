// The cells of Lessons/05-beta-rate-and-collapse.md ("Rate, distortion and collapse") as one program, in order.
// Built against the course's modules (LessonRuntime, VAE, Figures): see the README.
import Foundation
import LessonRuntime
import VAE
import Figures

// MARK: cell 1, Lessons/05-beta-rate-and-collapse.md:41
import Foundation   // exp, log, String(format:)
let test = try FashionMNIST.load(split: .test, limit: 2_000)
let betas: [Float] = [0, 0.1, 0.5, 1, 2, 4, 8, 32]
let models = try betas.map { try courseVAE(latent: 2, beta: $0).model }

// Rate: the closed-form KL per image; distortion: −log p(x|z) at one sample z ~ q(z|x). Means over
// the test images, and the entropy floor of lesson 1 that every distortion sits on.
var evalRNG = SeededGenerator(seed: 51)
func rateAndDistortion(_ model: VAE) -> (rate: Double, distortion: Double) {
    withoutGradients {
        let q = model.encode(test.images)
        let z = q.sample(using: &evalRNG)
        let rate = mean(q.klToStandardNormal().scalars)
        let distortion = -mean(model.logLikelihood(test.images, given: z).scalars)
        return (rate, distortion)
    }
}
let points = models.map(rateAndDistortion)
let floor = mean((0..<test.count).map { bernoulliEntropy(test.images.row($0)) })
func f1(_ x: Double) -> String { String(format: "%.1f", x) }
show(table: betas.indices.map { i in
         ["β = \(betas[i])", points[i].rate, points[i].distortion - floor, points[i].rate + points[i].distortion]
     },
     headers: ["2-D VAE", "rate R (nats)", "distortion D above the floor (nats)", "−ELBO = D + R (nats)"],
     caption: "Test images; the entropy floor, \(f1(floor)) nats, is subtracted from D only")
show(LinePlot(title: "Rate against distortion, 2-D VAE", xLabel: "rate R (nats per image)",
              yLabel: "distortion D above the floor (nats)")
    .line(x: points.map(\.rate), y: points.map { $0.distortion - floor }, label: "β from 0 (right) to 32 (left)",
          markers: true))
for i in 1..<betas.count {
    expect(points[i].rate < points[i - 1].rate, "β = \(betas[i]): a dearer rate buys a shorter code")
    expect(points[i].distortion > points[i - 1].distortion - 0.5, "β = \(betas[i]): and a worse reconstruction")
}
let elbos = points.map { $0.rate + $0.distortion }
let best = elbos.indices.min { elbos[$0] < elbos[$1] }!
print("the best test −ELBO is at β = \(betas[best]), \(f1(elbos[3] - elbos[best])) nats better than at β = 1")
expect(elbos[3] - elbos[best] < 1, "on test images β = 1 is within a nat of the best −ELBO")
expect(elbos[0] > elbos[3] + 20 && elbos.last! > elbos[3] + 5, "both ends are far worse")
expect(points[6].rate > 1, "at β = 8 a 2-D code still carries a few nats")
expect(points.last!.rate < 0.25 * points[3].rate, "at β = 32 the codes say a fraction of what they say at β = 1")

// MARK: cell 2, Lessons/05-beta-rate-and-collapse.md:102
// Each model's mean codes for 600 test images, coloured by class, and ten samples from its prior.
let classNames = FashionMNIST.classNames
let plotted = Array(0..<600)
var panels: [ScatterPlot] = []
var samples: [[Double]] = []
var sampleRNG = SeededGenerator(seed: 52)
let zPrior = Tensor.randomNormal([10, 2], using: &sampleRNG)
for (i, model) in models.enumerated() {
    let mu = withoutGradients { model.encode(test.images.rows(0..<600)).mean }
    panels.append(ScatterPlot(title: "β = \(betas[i])", xLabel: "z1", yLabel: "z2")
        .points(x: plotted.map { Double(mu.scalars[2 * $0]) }, y: plotted.map { Double(mu.scalars[2 * $0 + 1]) },
                category: plotted.map { classNames[test.labels[$0]] }, size: 2)
        .legend(.hidden))
    samples += withoutGradients { model.decode(zPrior) }.doubles
}
show(Subplots(rows: 2, columns: 4, title: "Mean codes of 600 test images", width: 960, height: 520, panels))
show(ImageGrid(images: samples, rows: betas.count, columns: 10, rowLabels: betas.map { "β = \($0)" },
               title: "The same ten prior codes, decoded by each model"))
let spreads = models.map { m -> Double in
    let mu: [Float] = withoutGradients { m.encode(test.images).mean }.scalars
    return standardDeviation(mu)
}
print("spread of the mean codes (sd over both axes): " + zip(betas, spreads).map { "β = \($0.0): \(f1($0.1))" }
    .joined(separator: ", "))
expect(spreads[0] > 2 * spreads[3], "without a KL term the codes spread far beyond the prior's scale")
expect(zip(spreads, spreads.dropFirst()).allSatisfy { $0 > $1 }, "the larger β, the tighter the codes")
expect(spreads.last! < 0.6 * spreads[3], "at β = 32 the codes huddle near the origin")

// MARK: cell 3, Lessons/05-beta-rate-and-collapse.md:150
// Per-unit KL on 500 test images after each epoch, for three ways of training a VAE with many units.
let units = 64
let probe = test.images.rows(0..<500)
func unitKL(_ model: VAE) -> [Double] {
    let q = withoutGradients { model.encode(probe) }
    return (0..<units).map { j in
        mean((0..<probe.rows).map { i -> Double in
            let m = Double(q.mean.scalars[units * i + j]), lv = Double(q.logVariance.scalars[units * i + j])
            return 0.5 * (m * m + exp(lv) - 1 - lv)
        })
    }
}
struct CollapseRun: Codable { var perEpoch: [[Double]]; var negativeELBO: Double }
func collapseRun(warmup: Int, freeBits: Float) throws -> CollapseRun {
    // The per-epoch record is made while training, so it is cached beside the model, under a key
    // naming the same settings.
    try cached("course-l5-collapse-\(units)-w\(warmup)-fb\(freeBits)") {
        var perEpoch: [[Double]] = []
        let run = try courseVAE(latent: units, warmup: warmup, freeBits: freeBits) { model, _ in
            perEpoch.append(unitKL(model))
        }
        var rng = SeededGenerator(seed: 53)
        return CollapseRun(perEpoch: perEpoch, negativeELBO: Double(run.model.negativeELBO(on: test.images, using: &rng)))
    }
}
let runNames = ["plain", "warm-up, 5 epochs", "free bits, 0.5 nats"]
let runs = [try collapseRun(warmup: 0, freeBits: 0), try collapseRun(warmup: 5, freeBits: 0),
            try collapseRun(warmup: 0, freeBits: 0.5)]
expect(runs.allSatisfy { $0.perEpoch.count == CourseModel.epochs }, "one record per epoch")
// Heat maps: one row per unit (sorted by its final KL), one column per epoch.
var maps: [ScatterPlot] = []
for (r, run) in runs.enumerated() {
    let order = (0..<units).sorted { run.perEpoch.last![$0] > run.perEpoch.last![$1] }
    let matrix = order.map { u in run.perEpoch.map { $0[u] } }
    maps.append(ScatterPlot(title: runNames[r], xLabel: "epoch (0 = the first)", yLabel: "unit, by final KL")
        .heatmap(matrix: matrix, valueLabel: "KL (nats)"))
}
show(Subplots(rows: 1, columns: 3, title: "KL per latent unit during training", width: 960, height: 420, maps))
let silent = runs.map { run in run.perEpoch.last!.filter { $0 < 0.05 }.count }
let smallest = runs.map { $0.perEpoch.last!.min()! }
print("smallest final unit KL: " + runs.indices.map { "\(runNames[$0]) \(String(format: "%.3f", smallest[$0]))" }
    .joined(separator: ", "))
show(table: runs.indices.map { r in
         [runNames[r], silent[r], runs[r].perEpoch.last!.reduce(0, +), runs[r].negativeELBO]
     },
     headers: ["\(units)-D VAE, 10 epochs", "units with KL < 0.05 nats", "total KL (nats)", "test −ELBO"])
expect(silent[0] > 4, "trained plainly, several of the 32 units collapse")
expect(silent[2] == 0, "with free bits no unit is silenced completely")
expect(silent[1] >= silent[0], "warm-up does not prevent the collapse here")
expect(runs[1].negativeELBO < runs[0].negativeELBO, "but its test bound is a little better")
expect(runs[2].negativeELBO > runs[0].negativeELBO, "free bits cost test ELBO: the free nats are spent on noise")

// MARK: cell 4, Lessons/05-beta-rate-and-collapse.md:223
// The 16-D course VAE: its units sorted by KL on the test images; traversals of one code.
let vae16 = try courseVAE(latent: 16).model
let q16 = withoutGradients { vae16.encode(test.images) }
let kl16 = (0..<16).map { j in
    mean((0..<test.count).map { i -> Double in
        let m = Double(q16.mean.scalars[16 * i + j]), lv = Double(q16.logVariance.scalars[16 * i + j])
        return 0.5 * (m * m + exp(lv) - 1 - lv)
    })
}
let byKL = (0..<16).sorted { kl16[$0] > kl16[$1] }
let base = q16.mean.row(0)                        // the ankle boot's code
let steps = evenlySpaced(from: -3, to: 3, count: 9)
let shownUnits = Array(byKL.prefix(4)) + Array(byKL.suffix(2))
var traversal: [Float] = []
for u in shownUnits { for v in steps { var z = base; z[u] = Float(v); traversal += z } }
let decoded = withoutGradients { vae16.decode(Tensor(traversal, shape: [shownUnits.count * steps.count, 16])) }
show(ImageGrid(images: decoded.doubles, rows: shownUnits.count, columns: steps.count,
               rowLabels: shownUnits.map { "unit \($0 + 1), \(String(format: "%.2f", kl16[$0])) nats" },
               title: "Traversals of the boot's code, z_j from −3 to 3"))
// How much the image changes along each row: RMS per pixel between the row's two ends.
func rowChange(_ r: Int) -> Double {
    let a = decoded.row(r * steps.count), b = decoded.row(r * steps.count + steps.count - 1)
    return (zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / 784).squareRoot()
}
let changes = shownUnits.indices.map(rowChange)
print("change along each traversal (RMS per pixel): " + changes.map { String(format: "%.3f", $0) }.joined(separator: ", "))
expect(changes.prefix(4).min()! > 3 * changes.suffix(2).max()!, "the units with most KL change the image most")

// MARK: cell 5, Lessons/05-beta-rate-and-collapse.md:271
// Linear and spherical paths between two codes drawn from q(z|x) (the boot, test image 0, and a
// trouser, test image 2), their lengths, and their decodings.
var pathRNG = SeededGenerator(seed: 54)
let ends = withoutGradients { vae16.encode(test.images.rows(at: [0, 2])).sample(using: &pathRNG) }
let a = ends.row(0).map(Double.init), b = ends.row(1).map(Double.init)
func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
let omega = acos(zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / (norm(a) * norm(b)))
let ts = evenlySpaced(from: 0, to: 1, count: 9)
let linear = ts.map { t in zip(a, b).map { (1 - t) * $0 + t * $1 } }
let spherical = ts.map { t in zip(a, b).map { (sin((1 - t) * omega) * $0 + sin(t * omega) * $1) / sin(omega) } }
let paths = withoutGradients {
    vae16.decode(Tensor((linear + spherical).flatMap { $0.map(Float.init) }, shape: [18, 16]))
}
show(ImageGrid(images: paths.doubles, rows: 2, columns: 9, rowLabels: ["linear", "spherical"],
               title: "From a boot to a trouser"))
show(LinePlot(title: "Length of the code along the path", xLabel: "t", yLabel: "‖z‖")
    .line(x: ts, y: linear.map(norm), label: "linear", markers: true)
    .line(x: ts, y: spherical.map(norm), label: "spherical", markers: true)
    .hline(16.0.squareRoot(), label: "√d, the prior's typical length"))
// How unusual is the linear midpoint's length under the prior? ‖z‖² of N(0, I_16) by sampling.
var shellRNG = SeededGenerator(seed: 55)
let priorLengths = (0..<100_000).map { _ in norm(shellRNG.normalDoubles(count: 16)) }
let midLength = norm(linear[4])
let below = Double(priorLengths.filter { $0 <= midLength }.count) / Double(priorLengths.count)
print("endpoints ‖z‖ = \(String(format: "%.2f", norm(a))), \(String(format: "%.2f", norm(b)));"
      + " linear midpoint \(String(format: "%.2f", midLength)), spherical midpoint \(String(format: "%.2f", norm(spherical[4])))")
print("prior codes at least as short as the linear midpoint: \(String(format: "%.2f", 100 * below))%")
expect(midLength < min(norm(a), norm(b)), "the straight line dips towards the origin")
expect(spherical.map(norm).min()! > 0.95 * min(norm(a), norm(b)), "the arc keeps the length near the ends'")
expect(below < 0.05, "the linear midpoint is shorter than nearly all prior codes")
