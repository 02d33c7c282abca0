// The cells of Lessons/06-from-hierarchies-to-diffusion.md ("From hierarchies to diffusion") as one program, in order.
// Built against the course's modules (LessonRuntime, VAE, Figures): see the README.
import Foundation
import LessonRuntime
import VAE
import Figures

// MARK: cell 1, Lessons/06-from-hierarchies-to-diffusion.md:44
import Foundation   // sqrt, exp, log, cos, sin
// The chain: T = 50 steps with alpha = 0.9, so alpha-bar at the top is 0.9^50 ≈ 0.005.
let T = 50, alpha = 0.9
let alphaBar = (0...T).map { pow(alpha, Double($0)) }          // alphaBar[0] = 1 (the data)
// The data: eight Gaussian blobs of standard deviation 0.1 on a circle of radius 2.
let centres = (0..<8).map { k in [2 * cos(Double(k) * Double.pi / 4), 2 * sin(Double(k) * Double.pi / 4)] }
let blob = 0.1
var rng = SeededGenerator(seed: 61)
func drawData() -> [Double] {
    let c = centres[rng.index(below: 8)]
    return [c[0] + blob * rng.normalDouble(), c[1] + blob * rng.normalDouble()]
}
// Walk the chain from one point x for 20,000 chains and compare level t with the closed form.
let x0 = [2.0, 0.0]
var chains = Array(repeating: x0, count: 20_000)
var rows: [[Any]] = []
for t in 1...T {
    chains = chains.map { z in z.map { alpha.squareRoot() * $0 + (1 - alpha).squareRoot() * rng.normalDouble() } }
    if [1, 5, 20, 50].contains(t) {
        let m = mean(chains.map { $0[0] }), v = variance(chains.map { $0[0] })
        rows.append(["t = \(t)", m, alphaBar[t].squareRoot() * x0[0], v, 1 - alphaBar[t]])
        expect(m, near: alphaBar[t].squareRoot() * x0[0], tolerance: 4 * (v / 20_000).squareRoot(), "t = \(t): the mean")
        expect(v, near: 1 - alphaBar[t], tolerance: 0.03 * (1 - alphaBar[t]) + 1e-3, "t = \(t): the variance")
    }
}
show(table: rows, headers: ["level", "mean of z_t (chain)", "√ᾱ_t x (closed form)", "variance (chain)", "1 − ᾱ_t"],
     caption: "First coordinate of 20,000 chains started at x = (2, 0)")

// The marginal q(z_t) of the whole data set at four levels, sampled in one step each.
var panels: [ScatterPlot] = []
for t in [0, 5, 15, 50] {
    let pts = (0..<1_500).map { _ -> [Double] in
        let x = drawData()
        return x.map { alphaBar[t].squareRoot() * $0 + (1 - alphaBar[t]).squareRoot() * rng.normalDouble() }
    }
    panels.append(ScatterPlot(title: "t = \(t)", xLabel: "", yLabel: "")
        .points(x: pts.map { $0[0] }, y: pts.map { $0[1] }, size: 2, opacity: 0.5)
        .xRange(-3.5...3.5).yRange(-3.5...3.5).equalAspect())
}
show(Subplots(rows: 1, columns: 4, title: "The data diffused: samples of q(z_t) at four levels",
              width: 960, height: 300, panels))

// MARK: cell 2, Lessons/06-from-hierarchies-to-diffusion.md:126
// The ideal denoiser E[x | z_t] for the mixture: posterior weights over the blobs, then each
// blob's Gaussian conditional mean.
func denoise(_ z: [Double], alphaBar ab: Double) -> [Double] {
    let a = ab.squareRoot(), v = ab * blob * blob + 1 - ab
    let logW = centres.map { c in -((z[0] - a * c[0]) * (z[0] - a * c[0]) + (z[1] - a * c[1]) * (z[1] - a * c[1])) / (2 * v) }
    let top = logW.max()!, w = logW.map { exp($0 - top) }, total = w.reduce(0, +)
    var out = [0.0, 0.0]
    for (k, c) in centres.enumerated() {
        for j in 0..<2 { out[j] += w[k] / total * (c[j] + a * blob * blob / v * (z[j] - a * c[j])) }
    }
    return out
}
func denoise(_ z: [Double], _ t: Int) -> [Double] { denoise(z, alphaBar: alphaBar[t]) }
// The backward step's coefficients of x and z_t, and its variance, for any schedule.
func coefficientOfX(_ ab: [Double], _ a: Double, _ t: Int) -> Double { ab[t - 1].squareRoot() * (1 - a) / (1 - ab[t]) }
func coefficientOfZ(_ ab: [Double], _ a: Double, _ t: Int) -> Double { a.squareRoot() * (1 - ab[t - 1]) / (1 - ab[t]) }
func betaTilde(_ ab: [Double], _ a: Double, _ t: Int) -> Double { (1 - ab[t - 1]) * (1 - a) / (1 - ab[t]) }
func coefficientOfX(_ t: Int) -> Double { coefficientOfX(alphaBar, alpha, t) }
func betaTilde(_ t: Int) -> Double { betaTilde(alphaBar, alpha, t) }
// L_{t−1} for t = 2...T by Monte Carlo over x and z_t ~ q(z_t | x), 4,000 draws per level.
let stepTerms: [Double] = (2...T).map { t in
    mean((0..<4_000).map { _ -> Double in
        let x = drawData()
        let z = x.map { alphaBar[t].squareRoot() * $0 + (1 - alphaBar[t]).squareRoot() * rng.normalDouble() }
        let guess = denoise(z, t)
        let squared = (x[0] - guess[0]) * (x[0] - guess[0]) + (x[1] - guess[1]) * (x[1] - guess[1])
        return coefficientOfX(t) * coefficientOfX(t) * squared / (2 * betaTilde(t))
    })
}
// L_T: KL(N(√ᾱ_T x, (1 − ᾱ_T) I) || N(0, I)), averaged over the data, in closed form per point.
let topTerm = mean((0..<4_000).map { _ -> Double in
    let x = drawData(), v = 1 - alphaBar[T]
    return 0.5 * (alphaBar[T] * (x[0] * x[0] + x[1] * x[1]) + 2 * (v - 1 - log(v)))
})
show(LinePlot(title: "The ELBO's terms, level by level", xLabel: "level t", yLabel: "term of level t (nats)")
    .line(x: (2...T).map(Double.init), y: stepTerms, label: "L_{t−1}, ideal denoiser", markers: true)
    .logY())
print("L_T, the prior term: \(String(format: "%.4f", topTerm)) nats;"
      + " the sum of L_1 ... L_{T−1}: \(String(format: "%.2f", stepTerms.reduce(0, +))) nats")
let half = stepTerms.count / 2
expect(topTerm < 0.05, "the top level is the prior: L_T costs almost nothing")
expect(stepTerms.prefix(half).reduce(0, +) > 10 * stepTerms.suffix(half).reduce(0, +),
       "almost all of the ELBO's KL is spent in the lower half of the chain, near the data")
expect(stepTerms.allSatisfy { $0 >= 0 }, "each term is a KL")

// MARK: cell 3, Lessons/06-from-hierarchies-to-diffusion.md:186
// Ancestral sampling with the ideal denoiser: 1,500 samples, for a schedule of `steps` steps.
func sampleChain(steps: Int, alpha a: Double, noise: Bool = true) -> [[Double]] {
    let ab = (0...steps).map { pow(a, Double($0)) }
    return (0..<1_500).map { _ in
        var z = [rng.normalDouble(), rng.normalDouble()]
        for t in stride(from: steps, through: 2, by: -1) {
            let guess = denoise(z, alphaBar: ab[t])
            let (cx, cz, sd) = (coefficientOfX(ab, a, t), coefficientOfZ(ab, a, t), betaTilde(ab, a, t).squareRoot())
            z = (0..<2).map { cx * guess[$0] + cz * z[$0] + (noise ? sd * rng.normalDouble() : 0) }
        }
        return denoise(z, alphaBar: ab[1])
    }
}
let samples = sampleChain(steps: T, alpha: alpha)
let data = (0..<1_500).map { _ in drawData() }
show(ScatterPlot(title: "Samples from the chain, and the data", xLabel: "x1", yLabel: "x2")
    .points(x: data.map { $0[0] }, y: data.map { $0[1] }, label: "data", size: 2, opacity: 0.4)
    .points(x: samples.map { $0[0] }, y: samples.map { $0[1] }, label: "samples", size: 2, opacity: 0.4)
    .equalAspect().size(width: 560, height: 520))
// How close is each sample to a blob centre, and are the blobs used equally?
func nearestCentre(_ p: [Double]) -> (index: Int, distance: Double) {
    let d = centres.map { c in ((p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1])).squareRoot() }
    let k = d.indices.min { d[$0] < d[$1] }!
    return (k, d[k])
}
func onBlob(_ points: [[Double]]) -> Double {
    Double(points.filter { nearestCentre($0).distance < 0.3 }.count) / Double(points.count)
}
let counts = (0..<8).map { k in samples.filter { nearestCentre($0).index == k }.count }
// The same with five times as many, smaller steps (alpha = 0.98, so alpha-bar at the top is 0.98^250).
let fineSamples = sampleChain(steps: 250, alpha: 0.98)
show(table: [["the data", onBlob(data)], ["50 steps, α = 0.9", onBlob(samples)],
             ["250 steps, α = 0.98", onBlob(fineSamples)]],
     headers: ["1,500 points", "share within 0.3 (3 blob sds) of a blob centre"])
print("samples per blob (50 steps): \(counts)")
expect(onBlob(samples) > 0.8, "the samples land on the blobs")
expect(onBlob(samples) < onBlob(data) - 0.03, "but more of them fall off the blobs than data points do")
expect(abs(onBlob(fineSamples) - onBlob(data)) < 0.02, "smaller steps bring them close to the data")
expect(counts.allSatisfy { abs(Double($0) - 1_500.0 / 8) < 4 * (1_500.0 / 8).squareRoot() },
       "every blob gets its share: no mode is dropped")
