// The cells of Lessons/02-bayes-and-the-evidence.md ("Bayes and the intractable evidence") as one program, in order.
// Built against the course's modules (LessonRuntime, VAE, Figures): see the README.
import Foundation
import LessonRuntime
import VAE
import Figures

// MARK: cell 1, Lessons/02-bayes-and-the-evidence.md:61
import Foundation   // exp, log, pow, String(format:), timing
// The models of lesson 1, loaded from the model cache (trained here, identically, if lesson 1
// has not run yet: the runtime defines each course model's key and seed once).
let test = try FashionMNIST.load(split: .test, limit: 2_000)
let vae2 = try courseVAE(latent: 2).model, vae16 = try courseVAE(latent: 16).model
print("2-D VAE:", vae2.parameterCount, "parameters;  16-D VAE:", vae16.parameterCount, "parameters")

// MARK: cell 2, Lessons/02-bayes-and-the-evidence.md:70
// log p(x|z) for every pair (code z_k, image x_j) at once. For Bernoulli logits l = decoder(z),
// log p(x|z) = x·l − Σ softplus(l), so one matrix product covers all pairs. Result [code][image].
func logLikelihoods(_ model: VAE, codes z: Tensor, images x: Tensor) -> [[Double]] {
    withoutGradients {
        var out: [[Double]] = []
        for start in stride(from: 0, to: z.rows, by: 4_000) {
            let logits = model.decoder(z.rows(start ..< min(start + 4_000, z.rows)))
            let dot = matmul(logits, x, transposeB: true)       // [chunk, images]
            let norm = logits.softplus().sum(axis: 1)            // [chunk]
            for k in 0..<logits.rows {
                out.append((0..<x.rows).map { Double(dot.scalars[k * x.rows + $0] - norm.scalars[k]) })
            }
        }
        return out
    }
}
func logStandardNormal(_ z: [Double]) -> Double {
    -0.5 * z.reduce(0) { $0 + $1 * $1 } - Double(z.count) * 0.5 * log(2 * Double.pi)
}

// The midpoints of an n × n grid of cells covering [lo, hi]², as a tensor of codes.
func gridCodes(_ n: Int, _ lo: Double, _ hi: Double) -> (codes: Tensor, points: [[Double]], cell: Double) {
    let h = (hi - lo) / Double(n)
    let axis: [Double] = (0..<n).map { lo + (Double($0) + 0.5) * h }
    let points: [[Double]] = (0..<(n * n)).map { k in [axis[k % n], axis[k / n]] }
    return (Tensor(points.flatMap { $0.map(Float.init) }, shape: [n * n, 2]), points, h * h)
}

// log p(x) = log Σ_k p(x|z_k) p(z_k) ΔA, summed in log space.
func logEvidence(_ images: Tensor, gridSize n: Int) -> [Double] {
    let g = gridCodes(n, -4, 4)
    let ll = logLikelihoods(vae2, codes: g.codes, images: images)
    let prior = g.points.map(logStandardNormal)
    return (0..<images.rows).map { j in
        logSumExp(g.points.indices.map { ll[$0][j] + prior[$0] }) + log(g.cell)
    }
}

let chosen = [0, 2, 4]                     // an ankle boot, a trouser and a shirt
let images = test.images.rows(at: chosen)
let names = chosen.map { FashionMNIST.classNames[test.labels[$0]] }
let logPx = logEvidence(images, gridSize: 200), coarse = logEvidence(images, gridSize: 100)
// Each image's entropy floor (lesson 1): log p(x) can never exceed −Σ H(x_i).
let floors = chosen.map { bernoulliEntropy(test.images.row($0)) }
show(table: chosen.indices.map {
         [names[$0], logPx[$0], coarse[$0], String(format: "%.1e", abs(logPx[$0] - coarse[$0])),
          -floors[$0], logPx[$0] + floors[$0]]
     },
     headers: ["test image", "log p(x), 200 × 200 grid", "log p(x), 100 × 100 grid", "difference",
               "−Σ H(x_i), the ceiling", "log p(x) below the ceiling"])
for j in chosen.indices {
    expect(abs(logPx[j] - coarse[j]) < 0.01, "the quadrature has converged (two grids agree)")
    expect(logPx[j] < -floors[j], "log p(x) stays under the entropy ceiling")
}
// Over the first 2,000 test images, the floor is what the -ELBO numbers of the course sit on.
let testFloor = mean((0..<test.count).map { bernoulliEntropy(test.images.row($0)) })
print("entropy floor, mean over the 2,000 test images: \(String(format: "%.1f", testFloor)) nats")

// MARK: cell 3, Lessons/02-bayes-and-the-evidence.md:140
// For each image: the exact posterior on a fine grid around where it lives, and the encoder's q.
struct Local {
    var lo: [Double], hi: [Double], n: Int    // the window and its points per axis
    var points: [[Double]]                    // n × n points, edges included
    var logPost: [Double], logQ: [Double]     // log p(z|x) and log q(z|x) at each point
}
let q = withoutGradients { vae2.encode(images) }
func logGaussian(_ z: [Double], _ mu: [Double], _ sd: [Double]) -> Double {
    (0..<z.count).reduce(0.0) { total, a in
        let u = (z[a] - mu[a]) / sd[a]
        return total - 0.5 * u * u - log(sd[a]) - 0.5 * log(2 * Double.pi)
    }
}
func localGrid(_ j: Int, n: Int = 120) -> Local {
    // A window that holds q with room to spare and the bulk of the posterior (from a coarse grid).
    let mu = q.mean.row(j).map(Double.init), sd = q.standardDeviation.row(j).map(Double.init)
    let coarse = gridCodes(100, -4, 4)
    let one = images.rows(j ..< j + 1)
    let ll = logLikelihoods(vae2, codes: coarse.codes, images: one).map { $0[0] }
    let lp = coarse.points.indices.map { ll[$0] + logStandardNormal(coarse.points[$0]) }
    let top = lp.max()!
    let bulk = coarse.points.indices.filter { lp[$0] > top - 12 }.map { coarse.points[$0] }
    let lo = (0..<2).map { a in min(mu[a] - 5 * sd[a], bulk.map { $0[a] }.min()! - 0.1) }
    let hi = (0..<2).map { a in max(mu[a] + 5 * sd[a], bulk.map { $0[a] }.max()! + 0.1) }
    // n × n points including the window's edges: the contour plot samples the same points.
    let xs: [Double] = (0..<n).map { lo[0] + Double($0) * (hi[0] - lo[0]) / Double(n - 1) }
    let ys: [Double] = (0..<n).map { lo[1] + Double($0) * (hi[1] - lo[1]) / Double(n - 1) }
    let points: [[Double]] = (0..<(n * n)).map { k in [xs[k % n], ys[k / n]] }
    let codes = Tensor(points.flatMap { $0.map(Float.init) }, shape: [n * n, 2])
    let lik = logLikelihoods(vae2, codes: codes, images: one).map { $0[0] }
    let logPost = points.indices.map { lik[$0] + logStandardNormal(points[$0]) - logPx[j] }
    let logQ = points.map { logGaussian($0, mu, sd) }
    return Local(lo: lo, hi: hi, n: n, points: points, logPost: logPost, logQ: logQ)
}
let locals = chosen.indices.map { localGrid($0) }

var panels: [ScatterPlot] = []
for (j, g) in locals.enumerated() {
    let density = g.logPost.map(exp)
    func lookup(_ x: Double, _ y: Double) -> Double {   // the plot asks for our own grid points
        let i = Int(((x - g.lo[0]) / (g.hi[0] - g.lo[0]) * Double(g.n - 1)).rounded())
        let k = Int(((y - g.lo[1]) / (g.hi[1] - g.lo[1]) * Double(g.n - 1)).rounded())
        return density[min(max(k, 0), g.n - 1) * g.n + min(max(i, 0), g.n - 1)]
    }
    let mu = q.mean.row(j).map(Double.init)
    let v = q.standardDeviation.row(j).map { Double($0 * $0) }
    panels.append(ScatterPlot(title: names[j], xLabel: "z1", yLabel: "z2")
        .contour(f: lookup, x: g.lo[0]...g.hi[0], y: g.lo[1]...g.hi[1], levels: 6,
                 resolution: g.n, valueLabel: "p(z|x)")
        .gaussianEllipses(mean: mu, covariance: [[v[0], 0], [0, v[1]]], label: "q(z|x)", color: .vermillion))
}
var thumbnails = ImageGrid(images: images.doubles, rows: 1, columns: 3, title: "The three test images")
thumbnails.displayWidth = 300
show(thumbnails)
show(Subplots(rows: 1, columns: 3, width: 960, height: 400, panels))

// Where is the exact posterior, and how far from it is the encoder's mean?
var largestOffset = 0.0
var posteriorMoments: [(mean: [Double], sd: [Double])] = []
for (j, g) in locals.enumerated() {
    let w = g.logPost.map(exp), total = w.reduce(0, +)
    func average(_ f: ([Double]) -> Double) -> Double {
        g.points.indices.reduce(0.0) { $0 + w[$1] * f(g.points[$1]) } / total
    }
    let postMean = (0..<2).map { a in average { $0[a] } }
    let postSD = (0..<2).map { a in average { pow($0[a] - postMean[a], 2) }.squareRoot() }
    let offset = (0..<2).map { a in abs(postMean[a] - Double(q.mean.row(j)[a])) / postSD[a] }
    print("\(names[j]):")
    print("  exact posterior: mean", postMean.map { Float($0) }, " sd", postSD.map { Float($0) })
    print("  encoder's q:     mean", q.mean.row(j), " sd", q.standardDeviation.row(j))
    print("  the means differ by", offset.map { Float($0) }, "posterior standard deviations")
    expect(offset.allSatisfy { $0 < 3 }, "the encoder's mean lies inside the exact posterior's bulk")
    largestOffset = max(largestOffset, offset.max()!)
    posteriorMoments.append((postMean, postSD))
}
let widerAxes = posteriorMoments.indices.flatMap { j in
    (0..<2).filter { Double(q.standardDeviation.row(j)[$0]) > posteriorMoments[j].sd[$0] }
}.count
print("axes on which the encoder's q is wider than the exact posterior: \(widerAxes) of 6")
expect(widerAxes > 3, "on most axes q is wider than the posterior")
expect(largestOffset > 0.5, "close, but not exact: some centre is off by half a standard deviation")

// MARK: cell 4, Lessons/02-bayes-and-the-evidence.md:241
// Fit Gaussians to each exact posterior by minimising KL(q || p(z|x)) on the local grid, with a
// small Nelder-Mead search. KL(q || p) = −H(q) − E_q[log p(z|x)]: the entropy in closed form, the
// expectation by quadrature (q's weights normalised over the grid points).
struct Gaussian2 { var mean: [Double]; var l11: Double, l21: Double, l22: Double   // Σ = L Lᵀ
    var cov: [[Double]] { [[l11 * l11, l11 * l21], [l11 * l21, l21 * l21 + l22 * l22]] }
    func logDensity(_ z: [Double]) -> Double {
        let u = (z[0] - mean[0]) / l11, w = (z[1] - mean[1] - l21 * u) / l22
        return -0.5 * (u * u + w * w) - log(abs(l11 * l22)) - log(2 * Double.pi)
    }
    var entropy: Double { 1 + log(2 * Double.pi) + log(abs(l11 * l22)) }
}
func klToPosterior(_ g: Gaussian2, _ grid: Local) -> Double {
    let logQ = grid.points.map(g.logDensity), top = logQ.max()!
    let w = logQ.map { exp($0 - top) }, total = w.reduce(0, +)
    let expectedLogPost = grid.points.indices.reduce(0.0) { $0 + w[$1] * grid.logPost[$1] } / total
    return -g.entropy - expectedLogPost
}
func nelderMead(_ start: [Double], step: Double, iterations: Int = 600, _ f: ([Double]) -> Double) -> [Double] {
    var simplex = [start] + start.indices.map { i in var p = start; p[i] += step; return p }
    var values = simplex.map(f)
    for _ in 0..<iterations {
        let order = values.indices.sorted { values[$0] < values[$1] }
        simplex = order.map { simplex[$0] }; values = order.map { values[$0] }
        let n = start.count
        let centre = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + simplex[$1][i] } / Double(n) }
        func toward(_ t: Double) -> [Double] { (0..<n).map { centre[$0] + t * (simplex[n][$0] - centre[$0]) } }
        let r = toward(-1), fr = f(r)
        if fr < values[0] {
            let e = toward(-2), fe = f(e)
            (simplex[n], values[n]) = fe < fr ? (e, fe) : (r, fr)
        } else if fr < values[n - 1] {
            (simplex[n], values[n]) = (r, fr)
        } else {
            let c = toward(0.5), fc = f(c)
            if fc < values[n] { (simplex[n], values[n]) = (c, fc) }
            else {
                for k in 1...n { simplex[k] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[k][$0] - simplex[0][$0]) } }
                values = simplex.map(f)
            }
        }
    }
    return simplex[values.indices.min { values[$0] < values[$1] }!]
}
var gapRows: [[Any]] = []
var fits: [(diagonal: Gaussian2, full: Gaussian2)] = []
for (j, g) in locals.enumerated() {
    let mu = q.mean.row(j).map(Double.init), sd = q.standardDeviation.row(j).map(Double.init)
    let encoderQ = Gaussian2(mean: mu, l11: sd[0], l21: 0, l22: sd[1])
    // Parameters: means and log standard deviations (and, for the full one, the Cholesky factor's l21).
    let diagonal = nelderMead([mu[0], mu[1], log(sd[0]), log(sd[1])], step: 0.05) { p in
        klToPosterior(Gaussian2(mean: [p[0], p[1]], l11: exp(p[2]), l21: 0, l22: exp(p[3])), g)
    }
    let bestDiagonal = Gaussian2(mean: [diagonal[0], diagonal[1]], l11: exp(diagonal[2]), l21: 0, l22: exp(diagonal[3]))
    let full = nelderMead(diagonal + [0], step: 0.05) { p in
        klToPosterior(Gaussian2(mean: [p[0], p[1]], l11: exp(p[2]), l21: p[4], l22: exp(p[3])), g)
    }
    let bestFull = Gaussian2(mean: [full[0], full[1]], l11: exp(full[2]), l21: full[4], l22: exp(full[3]))
    let (kEncoder, kDiagonal, kFull) = (klToPosterior(encoderQ, g), klToPosterior(bestDiagonal, g), klToPosterior(bestFull, g))
    gapRows.append([names[j], kEncoder, kEncoder - kDiagonal, kDiagonal, kFull])
    fits.append((bestDiagonal, bestFull))
    expect(kFull <= kDiagonal + 1e-6 && kDiagonal <= kEncoder + 1e-6, "a larger family fits at least as well")
    expect(kEncoder - kDiagonal > kDiagonal, "\(names[j]): most of the gap is the encoder's (amortisation)")
    expect(kDiagonal < 0.1, "\(names[j]): the best diagonal Gaussian is within a tenth of a nat")
}
show(table: gapRows, headers: ["image", "encoder's gap KL(q ‖ p(z|x))", "amortisation gap",
                               "approximation gap, diagonal", "best full-covariance Gaussian"],
     caption: "nats; amortisation + approximation = the encoder's gap")

// MARK: cell 5, Lessons/02-bayes-and-the-evidence.md:341
// Grid quadrature in d dimensions with n points per axis: n^d evaluations of the integrand.
// A cheap stand-in integrand, N(z; 0, I) · exp(−‖z − 0.5‖²/2); a decoder pass costs far more.
func gridIntegral(dimensions d: Int, pointsPerAxis n: Int) -> (value: Double, seconds: Double) {
    let lo = -4.0, h = 8.0 / Double(n)
    var index = [Int](repeating: 0, count: d)
    var total = 0.0
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<Int(pow(Double(n), Double(d))) {
        var s = 0.0
        for a in 0..<d {
            let z = lo + (Double(index[a]) + 0.5) * h
            s += z * z + (z - 0.5) * (z - 0.5)
        }
        total += exp(-0.5 * s)
        var a = 0                                    // advance the odometer
        while a < d { index[a] += 1; if index[a] < n { break }; index[a] = 0; a += 1 }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    return (total * pow(h / (2 * Double.pi).squareRoot(), Double(d)), seconds)
}
func sci(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)e", x) }

let n = 10
var measured: [(d: Int, seconds: Double)] = []
for d in 1...7 {
    let r = gridIntegral(dimensions: d, pointsPerAxis: n)
    let exact = pow(exp(-0.0625) / 2.0.squareRoot(), Double(d))   // the integral in closed form
    print("d = \(d): \(Int(pow(Double(n), Double(d)))) evaluations, \(sci(r.seconds, 2)) s,"
          + " relative error \(sci(abs(r.value - exact) / exact))")
    measured.append((d, r.seconds))
}
let last = measured[measured.count - 1], previous = measured[measured.count - 2]
let perPoint = last.seconds / pow(Double(n), Double(last.d))
let ageOfUniverse = 4.35e17   // seconds
print("measured time per grid point: \(sci(perPoint)) s")
let seconds16 = perPoint * pow(Double(n), 16)
print("d = 16:  \(sci(seconds16)) s, about \(Int((seconds16 / 3.156e7).rounded())) years")
let log10Seconds = 100 * log10(Double(n)) + log10(perPoint)
let timesUniverse = Int((log10Seconds - log10(ageOfUniverse)).rounded())
print("d = 100: about 10^\(Int(log10Seconds.rounded())) s,"
      + " i.e. 10^\(timesUniverse) times the age of the universe")
let dims = (1...26).map(Double.init)
show(LinePlot(title: "Cost of grid quadrature, \(n) points per axis",
              xLabel: "latent dimension d", yLabel: "seconds")
    .line(x: measured.map { Double($0.d) }, y: measured.map { $0.seconds }, label: "measured",
          markers: true)
    .line(x: dims, y: dims.map { perPoint * pow(Double(n), $0) }, label: "n^d × time per point",
          dashed: true)
    .hline(ageOfUniverse, label: "age of the universe")
    .logY())
expect(last.seconds > 3 * previous.seconds, "each added dimension multiplies the cost (by about n)")

// MARK: cell 6, Lessons/02-bayes-and-the-evidence.md:432
// Estimate log p(x) for the ankle boot from K samples, two ways, 10 times each, and compare
// with the exact value from the grid.
var mc = SeededGenerator(seed: 21)

// z ~ p(z): average p(x|z).
func naive(_ model: VAE, _ x: Tensor, _ k: Int) -> Double {
    let z = Tensor.randomNormal([k, model.latentSize], using: &mc)
    return logMeanExp(logLikelihoods(model, codes: z, images: x).map { $0[0] })
}

// z ~ q(z|x): average p(x|z) p(z) / q(z|x).
let widen: Float = 1        // the proposal's sigma, in units of the encoder's
func importance(_ model: VAE, _ x: Tensor, _ k: Int, widen: Float = widen) -> Double {
    let q = withoutGradients { model.encode(x) }
    let same = Array(repeating: 0, count: k)
    let proposal = DiagonalGaussian(mean: q.mean.rows(at: same),
                                    logVariance: q.logVariance.rows(at: same) + 2 * log(widen))
    let z = proposal.sample(using: &mc)
    let logLik = logLikelihoods(model, codes: z, images: x).map { $0[0] }
    let logQ = proposal.logProb(z).scalars
    return logMeanExp((0..<k).map {
        logLik[$0] + logStandardNormal(z.row($0).map(Double.init)) - Double(logQ[$0])
    })
}

let boot = images.rows(0..<1)
let ks = [1, 10, 100, 1_000, 10_000]
func meanError(_ estimate: (Int) -> Double, _ k: Int) -> Double {
    (0..<10).reduce(0.0) { e, _ in e + abs(estimate(k) - logPx[0]) } / 10
}
let naiveError = ks.map { meanError({ naive(vae2, boot, $0) }, $0) }
let isError = ks.map { meanError({ importance(vae2, boot, $0) }, $0) }
show(table: ks.indices.map { [ks[$0], naiveError[$0], isError[$0]] },
     headers: ["K", "prior samples: error (nats)", "importance sampling with q: error (nats)"])
show(LinePlot(title: "Estimating log p(x) on the 2-D model", xLabel: "samples K",
              yLabel: "mean |error| (nats)")
    .line(x: ks.map(Double.init), y: naiveError, label: "z ~ p(z)", markers: true)
    .line(x: ks.map(Double.init), y: isError, label: "z ~ q(z|x)", markers: true)
    .logX().logY())
expect(isError[2] < naiveError[2], "with 100 samples, importance sampling beats prior sampling")
expect(isError[4] < 0.05, "importance sampling with 10,000 samples is within 0.05 nats")
expect(isError[0] < 2 && naiveError[0] > 100, "from one sample: a nat or two off, against hundreds")
expect(naiveError[2] > isError[0], "100 prior samples do worse than one sample from the encoder")

// The 16-D model: no exact answer, but the two estimates can be compared with each other.
let boot16 = test.images.rows(0..<1)
let naive16 = ks.map { naive(vae16, boot16, $0) }, is16 = ks.map { importance(vae16, boot16, $0) }
show(table: ks.indices.map { [ks[$0], naive16[$0], is16[$0]] },
     headers: ["K", "log p(x), prior samples", "log p(x), importance sampling"],
     caption: "The same ankle boot under the 16-D VAE")
for i in ks.indices {
    expect(naive16[i] < is16[i], "with as many samples, prior sampling falls below importance sampling")
}
expect(naive16[4] < is16[1], "in 16-D, 10,000 prior samples do worse than 10 from the encoder")

// MARK: cell 7, Lessons/02-bayes-and-the-evidence.md:560
// The identity log p(x) = ELBO + KL(q || p(z|x)), with each term computed its own way:
// log p(x) from the 200 × 200 grid; the ELBO by the engine (Monte Carlo, 20,000 samples of z);
// the KL from q to the exact posterior on the fine local grid.
var elboRNG = SeededGenerator(seed: 31)
var rows: [[Any]] = []
for (j, g) in locals.enumerated() {
    let x = images.rows(at: Array(repeating: j, count: 20_000))
    let elbo = Double(withoutGradients { vae2.elbo(x, using: &elboRNG) }.value)
    let cell = (g.hi[0] - g.lo[0]) * (g.hi[1] - g.lo[1]) / Double((g.n - 1) * (g.n - 1))
    let klToPosterior = g.points.indices.reduce(0.0) {
        $0 + exp(g.logQ[$1]) * (g.logQ[$1] - g.logPost[$1])
    } * cell
    rows.append([names[j], elbo, logPx[j], logPx[j] - elbo, klToPosterior])
    expect(elbo <= logPx[j], "the ELBO is a lower bound on log p(x)")
    expect(abs((logPx[j] - elbo) - klToPosterior) < 0.1, "the gap is KL(q || p(z|x))")
}
show(table: rows, headers: ["image", "ELBO", "log p(x)", "gap", "KL(q ‖ p(z|x))"])

// MARK: cell 8, Lessons/02-bayes-and-the-evidence.md:595
// A bent 2-D "posterior": z1 ~ N(0, 1), z2 | z1 ~ N(z1² − 1, 0.3²), normalised on a grid.
let bn = 160
let bLo = [-3.5, -2.5], bHi = [3.5, 6.0]
let bxs = evenlySpaced(from: bLo[0], to: bHi[0], count: bn), bys = evenlySpaced(from: bLo[1], to: bHi[1], count: bn)
let bPoints = (0..<(bn * bn)).map { [bxs[$0 % bn], bys[$0 / bn]] }
let bCell = (bxs[1] - bxs[0]) * (bys[1] - bys[0])
let unnormalised = bPoints.map { z -> Double in
    let u = z[1] - (z[0] * z[0] - 1)
    return -0.5 * z[0] * z[0] - 0.5 * u * u / 0.09
}
let bLogNorm = logSumExp(unnormalised) + log(bCell)
let banana = Local(lo: bLo, hi: bHi, n: bn, points: bPoints, logPost: unnormalised.map { $0 - bLogNorm },
                   logQ: [])
// Forward KL: its best Gaussian has the target's mean and covariance (moment matching).
let bw = banana.logPost.map { exp($0) * bCell }
let bMean = (0..<2).map { a in bPoints.indices.reduce(0.0) { $0 + bw[$1] * bPoints[$1][a] } }
func bMoment(_ a: Int, _ b: Int) -> Double {
    bPoints.indices.reduce(0.0) { $0 + bw[$1] * (bPoints[$1][a] - bMean[a]) * (bPoints[$1][b] - bMean[b]) }
}
let bCov = [[bMoment(0, 0), bMoment(0, 1)], [bMoment(0, 1), bMoment(1, 1)]]
let l11 = bCov[0][0].squareRoot(), l21 = bCov[0][1] / l11
let forward = Gaussian2(mean: bMean, l11: l11, l21: l21, l22: (bCov[1][1] - l21 * l21).squareRoot())
// Reverse KL: minimised directly, from the moment-matched start.
let rp = nelderMead([bMean[0], bMean[1], log(l11), log(forward.l22), l21], step: 0.1, iterations: 1_500) { p in
    klToPosterior(Gaussian2(mean: [p[0], p[1]], l11: exp(p[2]), l21: p[4], l22: exp(p[3])), banana)
}
let reverse = Gaussian2(mean: [rp[0], rp[1]], l11: exp(rp[2]), l21: rp[4], l22: exp(rp[3]))
// Each fit scored in both directions; KL(p || q) = E_p[log p − log q] on the grid.
func klFromTarget(_ g: Gaussian2) -> Double {
    bPoints.indices.reduce(0.0) { $0 + bw[$1] * (banana.logPost[$1] - g.logDensity(bPoints[$1])) }
}
show(table: [["reverse, KL(q ‖ p)", klToPosterior(reverse, banana), klFromTarget(reverse), reverse.cov[0][0], reverse.cov[1][1]],
             ["forward, KL(p ‖ q)", klToPosterior(forward, banana), klFromTarget(forward), forward.cov[0][0], forward.cov[1][1]],
             ["the target itself", 0, 0, bCov[0][0], bCov[1][1]]],
     headers: ["best Gaussian under", "KL(q ‖ p)", "KL(p ‖ q)", "variance of z1", "variance of z2"])
expect(klToPosterior(reverse, banana) < klToPosterior(forward, banana), "each fit wins its own direction (reverse)")
expect(klFromTarget(forward) < klFromTarget(reverse), "each fit wins its own direction (forward)")
expect(reverse.cov[1][1] < bCov[1][1] / 2, "the reverse fit is much narrower than the target along the bend")
let densityB = banana.logPost.map(exp)
func bLookup(_ x: Double, _ y: Double) -> Double {
    let i = Int(((x - bLo[0]) / (bHi[0] - bLo[0]) * Double(bn - 1)).rounded())
    let k = Int(((y - bLo[1]) / (bHi[1] - bLo[1]) * Double(bn - 1)).rounded())
    return densityB[min(max(k, 0), bn - 1) * bn + min(max(i, 0), bn - 1)]
}
show(ScatterPlot(title: "A bent posterior and its best Gaussians", xLabel: "z1", yLabel: "z2")
    .contour(f: bLookup, x: bLo[0]...bHi[0], y: bLo[1]...bHi[1], levels: 6, resolution: bn, valueLabel: "p(z)")
    .gaussianEllipses(mean: reverse.mean, covariance: reverse.cov, sigmas: [1, 2], label: "reverse KL(q ‖ p)", color: .vermillion)
    .gaussianEllipses(mean: forward.mean, covariance: forward.cov, sigmas: [1, 2], label: "forward KL(p ‖ q)", color: .blue)
    .size(width: 640, height: 460))

// MARK: cell 9, Lessons/02-bayes-and-the-evidence.md:703
// The variants of "Try it", run here so that what the text promises is checked.
// (2) The grid with 20 points per axis, d = 1...5.
var measured20: [Double] = []
for d in 1...5 { measured20.append(gridIntegral(dimensions: d, pointsPerAxis: 20).seconds) }
let perPoint20 = measured20[4] / pow(20, 5)
print("20 points per axis: " + measured20.enumerated().map { "d = \($0.offset + 1): \(sci($0.element, 2)) s" }
          .joined(separator: ", "))
print("d = 7 would take 20^7 × \(sci(perPoint20)) s = \(String(format: "%.0f", perPoint20 * pow(20, 7))) s")
let zerosGained = (100 * log10(20.0) + log10(perPoint20)) - (100 * log10(Double(n)) + log10(perPoint))
print("the extrapolated time for d = 100 gains \(String(format: "%.1f", zerosGained)) powers of ten")
expect(measured20[4] > 8 * measured20[3], "each added dimension multiplies the cost by about 20")
expect(abs(zerosGained - 30) < 2, "about thirty more zeros")

// (3) Wider and narrower proposals: mean |error| over 5 runs of each K, against the exact log p(x).
func meanError5(_ estimate: (Int) -> Double, _ k: Int) -> Double {
    (0..<5).reduce(0.0) { e, _ in e + abs(estimate(k) - logPx[0]) } / 5
}
let wide = ks.map { meanError5({ importance(vae2, boot, $0, widen: 3) }, $0) }
let narrow = ks.map { meanError5({ importance(vae2, boot, $0, widen: 0.3) }, $0) }
show(table: ks.indices.map { [ks[$0], isError[$0], wide[$0], narrow[$0], naiveError[$0]] },
     headers: ["K", "widen = 1", "widen = 3", "widen = 0.3", "prior samples"],
     caption: "Mean |error| of log p(x) for the ankle boot, nats")
expect(wide[0] > 3 * isError[0], "a proposal three times wider is many times worse with one sample")
expect(wide[4] < 0.2, "with thousands of samples it catches up")
expect(narrow[4] > naiveError[4], "a proposal too narrow ends up behind even prior sampling")
