// figures-gallery: one figure of each kind on one HTML page (light and dark theme side by side),
// plus the sizes the issue asks about. Usage:
//
//     swift run --scratch-path .build-figures figures-gallery [output-dir]     (default /tmp/figures-gallery)
//     chromium --headless --no-sandbox --disable-gpu --screenshot=/tmp/gallery.png \
//              --window-size=1200,3000 file:///tmp/figures-gallery/index.html

import Figures
import Foundation

/// Deterministic normal samples (LCG + Box-Muller) so the page is the same every run.
struct Rand {
    var s: UInt64
    mutating func uniform() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return Double(s >> 11) / Double(1 << 53) }
    mutating func normal() -> Double { let u = max(uniform(), 1e-12), v = uniform(); return (-2 * log(u)).squareRoot() * cos(2 * .pi * v) }
}

let outDir = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "/tmp/figures-gallery"
try? FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
var rng = Rand(s: 42)

// Fashion-MNIST test images if the Debian package is installed (gzip via /bin/gzip, to keep
// the gallery free of other dependencies); otherwise synthetic blobs.
func fashionMNIST(count: Int) -> [[UInt8]]? {
    let path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    let p = Process(); p.executableURL = URL(fileURLWithPath: "/bin/gzip"); p.arguments = ["-dc", path]
    let pipe = Pipe(); p.standardOutput = pipe
    guard (try? p.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile(); p.waitUntilExit()
    let bytes = [UInt8](data)
    guard bytes.count >= 16 + count * 784 else { return nil }
    return (0..<count).map { Array(bytes[(16 + $0 * 784)..<(16 + ($0 + 1) * 784)]) }
}

var figures: [(String, SVGConvertible)] = []

// Line plot: two loss curves, one with markers, plus an annotation.
let epochs = (1...30).map(Double.init)
let vae: [Double] = epochs.map { (e: Double) -> Double in 95 + 160 * exp(-e / 5) }
let ae: [Double] = epochs.map { (e: Double) -> Double in 70 + 150 * exp(-e / 4) }
figures.append(("Line plot", LinePlot(title: "Training loss", xLabel: "epoch", yLabel: "nats per image")
    .line(x: epochs, y: vae, label: "VAE (−ELBO)").line(x: epochs, y: ae, label: "AE (reconstruction)", markers: true)
    .arrow(from: (15, 190), to: (10.5, 117), text: "KL keeps the VAE above")))

// Scatter by category: latent codes of 10 classes, 2000 points.
var zx: [Double] = [], zy: [Double] = [], cls: [Int] = []
for i in 0..<2000 {
    let c = i % 10, a = Double(c) / 10 * 2 * .pi
    zx.append(2.2 * cos(a) + 0.55 * rng.normal()); zy.append(2.2 * sin(a) + 0.55 * rng.normal()); cls.append(c)
}
figures.append(("Scatter by category", ScatterPlot(title: "Latent codes by class", xLabel: "z₁", yLabel: "z₂").points(x: zx, y: zy, category: cls, size: 3.5).equalAspect()))

// Scatter by value with colour bar: 10,000 points (the size the issue asks about).
var sx: [Double] = [], sy: [Double] = [], sv: [Double] = []
for _ in 0..<10_000 { let x = rng.normal(), y = 0.6 * x + 0.8 * rng.normal(); sx.append(x); sy.append(y); sv.append(-0.5 * (x * x + y * y)) }
let bigScatter = ScatterPlot(title: "10,000 samples coloured by log density", xLabel: "x", yLabel: "y")
    .points(x: sx, y: sy, value: sv, valueLabel: "log p", size: 3)
figures.append(("Scatter by value (10,000 points)", bigScatter))

// Histogram with density curve.
let hs = (0..<5000).map { _ in rng.normal() }
figures.append(("Histogram", Histogram(hs, density: true, label: "samples", title: "Samples of ε against 𝒩(0, 1)", xLabel: "ε")
    .curve(label: "𝒩(0, 1) density", x: -4...4) { exp(-$0 * $0 / 2) / (2 * Double.pi).squareRoot() }))

// Overlaid histograms (as in lesson 1: lengths of N(0, I) samples in 2, 16 and 100 dimensions).
var lengths = Histogram(title: "Length of z ~ N(0, I)", xLabel: "‖z‖", yLabel: "density")
for d in [2, 16, 100] {
    let ls: [Double] = (0..<3000).map { _ in (0..<d).map { _ in let v = rng.normal(); return v * v }.reduce(0, +).squareRoot() }
    lengths = lengths.histogram(ls, bins: 40, density: true, label: "d = \(d)")
}
figures.append(("Overlaid histograms", lengths))

// Bar chart with errors, grouped.
figures.append(("Bar chart", BarChart(title: "KL per layer", yLabel: "nats", categories: ["z₁", "z₂", "z₃", "z₄"], values: [12.5, 6.1, 2.4, 0.6], errors: [1.1, 0.7, 0.5, 0.2], label: "HVAE")
    .bars(categories: ["z₁", "z₂", "z₃", "z₄"], values: [14.0, 3.2, 0.4, 0.1], errors: [1.3, 0.6, 0.2, 0.1], label: "HVAE, no warm-up")))

// Heatmap of a 100x100 matrix (the size the issue asks about), diverging colours.
let matrix = (0..<100).map { r in (0..<100).map { c in sin(Double(r) / 9) * cos(Double(c) / 13) + 0.1 * rng.normal() } }
let heat = Heatmap(matrix: matrix, colorMap: .coolWarm, valueLabel: "weight", title: "A 100 × 100 weight matrix")
figures.append(("Heatmap (matrix, diverging)", heat))

// Heatmap of a function with contour lines on top.
let banana: (Double, Double) -> Double = { x, y in -0.5 * (x * x / 4 + (y - 0.5 * x * x + 1) * (y - 0.5 * x * x + 1)) }
figures.append(("Contour over heatmap", ContourPlot(f: banana, x: -3...3, y: -2...4, levels: 8, filled: true, valueLabel: "log p(z)", title: "A banana-shaped posterior")))
figures.append(("Contour lines", ContourPlot(f: { x, y in x * x + 3 * y * y - x * y }, x: -3...3, y: -2...2, levels: 7, labels: true, valueLabel: "f", title: "Contours of a quadratic").equalAspect()))

// Gaussian ellipses over samples.
var gx: [Double] = [], gy: [Double] = []
for _ in 0..<600 {
    let a: Double = rng.normal(), b: Double = rng.normal()
    gx.append(1 + 1.2 * a); gy.append(-0.5 + 0.54 * a + 0.72 * b)
}
figures.append(("Gaussian ellipses", ScatterPlot(title: "Posterior samples and q(z|x)", xLabel: "z₁", yLabel: "z₂")
    .points(x: gx, y: gy, label: "samples", color: .foreground, size: 3, opacity: 0.35)
    .gaussianEllipses(mean: [1, -0.5], covariance: [[1.44, 0.648], [0.648, 0.8073]], label: "q(z|x)", color: .vermillion).equalAspect()))

// Error bands on a log axis.
let steps: [Double] = (1...50).map { Double($0) * 20 }
let sfMean: [Double] = steps.map { (n: Double) -> Double in 40 / n.squareRoot() }
let sfSd: [Double] = sfMean.map { $0 * 0.5 }
let rpMean: [Double] = steps.map { (n: Double) -> Double in 3 / n.squareRoot() }
let rpSd: [Double] = rpMean.map { $0 * 0.3 }
figures.append(("Error bands, log y", LinePlot(title: "Gradient variance", xLabel: "samples", yLabel: "variance")
    .band(x: steps, mean: sfMean, sd: sfSd, label: "score function").band(x: steps, mean: rpMean, sd: rpSd, label: "reparameterized").logY()))

// Image grid: 10 x 10 Fashion-MNIST (the size the issue asks about), and a 2 x 10 with row labels.
func synthetic(_ k: Int) -> [UInt8] { (0..<784).map { (i: Int) -> UInt8 in UInt8(sin(Double(i + k) / 7) * 127 + 128) } }
let imgs: [[UInt8]] = fashionMNIST(count: 100) ?? (0..<100).map(synthetic)
let grid10 = ImageGrid(images: imgs, rows: 10, columns: 10, title: "Fashion-MNIST test images")
figures.append(("Image grid 10 × 10", grid10))
let inputs: [[Double]] = imgs.prefix(10).map { (im: [UInt8]) -> [Double] in im.map { Double($0) / 255 } }
let noisy: [[Double]] = inputs.map { (im: [Double]) -> [Double] in im.map { $0 * 0.8 + 0.1 } }
figures.append(("Image grid with row labels", ImageGrid(images: inputs + noisy, rows: 2, columns: 10,
                                                       rowLabels: ["input", "recon"], title: "Inputs and reconstructions")))

// Subplots with shared axes.
figures.append(("Subplots (shared y)", Subplots(rows: 1, columns: 3, sharedY: true, title: "Per-β training curves", [
    LinePlot(title: "β = 0.5", xLabel: "epoch", yLabel: "loss").line(x: epochs, y: vae.map { $0 - 10 }),
    LinePlot(title: "β = 1", xLabel: "epoch").line(x: epochs, y: vae),
    LinePlot(title: "β = 4", xLabel: "epoch").line(x: epochs, y: vae.map { $0 + 25 }),
])))

// Subplots with categorical legends: hidden on one panel, outside on the other.
figures.append(("Subplots with an outside legend", Subplots(rows: 1, columns: 2, width: 960, height: 420, [
    ScatterPlot(title: "Autoencoder codes", xLabel: "code 1", yLabel: "code 2").points(x: zx.map { $0 * 3 }, y: zy, category: cls).legend(.hidden),
    ScatterPlot(title: "VAE means", xLabel: "z1", yLabel: "z2").points(x: zx, y: zy, category: cls.map { ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"][$0] }).legend(.outside),
])))

// Exact posteriors against their Gaussian approximations, three panels (as in lesson 2).
var posteriors: [ScatterPlot] = []
for (j, name) in ["Ankle boot", "Trouser", "Bag"].enumerated() {
    let c = Double(j) - 1, r = 0.3 + 0.3 * Double(j)
    let density: (Double, Double) -> Double = { x, y in exp(-0.5 * ((x - c) * (x - c) / 0.5 + (y - r * x * x) * (y - r * x * x) / 0.3)) }
    posteriors.append(ScatterPlot(title: name, xLabel: "z1", yLabel: "z2")
        .contour(f: density, x: -3...3, y: -2...3, levels: 6, resolution: 60, valueLabel: "p(z|x)")
        .gaussianEllipses(mean: [c, r * (c * c + 0.5)], covariance: [[0.5, 0], [0, 0.45]], label: "q(z|x)")
        .equalAspect())
}
figures.append(("Subplots of contours and ellipses", Subplots(rows: 1, columns: 3, width: 960, height: 330, posteriors)))

// Small multiples of bars with many categories (as in lesson 4: KL per latent unit, largest first).
let units: [Double] = (0..<16).map { 9 * exp(-Double($0) / 2.5) }
figures.append(("Bar panels, shared y", Subplots(rows: 1, columns: 3, sharedY: true, title: "KL per latent unit, largest first", [
    BarChart(title: "VAE z: 6 of 16 active", xLabel: "unit", yLabel: "nats", categories: (1...16).map(String.init), values: units),
    BarChart(title: "HVAE z1: 9 of 16 active", xLabel: "unit", categories: (1...16).map(String.init), values: units.map { $0 * 0.8 + 0.3 }),
    BarChart(title: "HVAE z2: 3 of 8 active", xLabel: "unit", categories: (1...8).map(String.init), values: units.prefix(8).map { $0 * 0.4 }),
])))

// Log-log with markers and a reference slope (as in lessons 2 and 3: error against samples K).
let ks: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
figures.append(("Log-log with markers", LinePlot(title: "Estimating log p(x)", xLabel: "samples K", yLabel: "mean |error| (nats)")
    .line(x: ks, y: ks.map { 3 / $0.squareRoot() }, label: "importance sampling", markers: true)
    .line(x: ks, y: ks.map { 9 / $0.squareRoot() }, label: "prior sampling", markers: true)
    .line(x: ks, y: ks.map { 1 / $0.squareRoot() }, label: "∝ 1/√K", dashed: true, color: .foreground)
    .logX().logY()))

// Diagrams.
figures.append(("Diagram: VAE", Diagram.vae()))
figures.append(("Diagram: reparameterization", Diagram.reparameterization()))
figures.append(("Diagram: hierarchical VAE", Diagram.hierarchical(levels: 3)))

// A custom diagram with a skip connection (bent around the node it would cross) and a same-rank edge.
figures.append(("Diagram: custom, with a skip connection", Diagram(title: "Ladder-style decoder")
    .node("z2", "z_2").node("z1", "z_1").node("h", "h", shape: .deterministic).node("x", "x̂", shape: .observed)
    .node("prior", "\\mathcal{N}(0, I)", shape: .noise)
    .edge("prior", "z2", style: .dashed).edge("z2", "z1", label: "p(z_1|z_2)").edge("z1", "h").edge("h", "x")
    .edge("z2", "h", label: "skip", color: .vermillion)))

// Bad input, drawn with visible notes.
figures.append(("Bad input", LinePlot(title: "Bad input is noted, not fatal", xLabel: "x", yLabel: "y")
    .line(x: [1, 2, 3, 4, 5], y: [1, .nan, 3, 2, 4], label: "with NaN").line(x: [1, 2, 3], y: [1, 2], label: "mismatched")
    .line(x: [1.0, 2, 3], y: [-1, 0.5, 2], label: "log y").logY()))

// Page: each figure in a light and a dark panel.
var html = """
<!doctype html><html><head><meta charset="utf-8"><title>Figures gallery</title><style>
body{font-family:system-ui,sans-serif;margin:0;background:#fff}
h2{font-size:15px;margin:16px 12px 4px}
.row{display:grid;grid-template-columns:1fr 1fr;gap:0}
.light{--fig-fg:#222;--fig-bg:#fff;background:#fff;color:#222;padding:8px}
.dark{--fig-fg:#e6e6e6;--fig-bg:#1b1d22;background:#1b1d22;color:#e6e6e6;padding:8px}
svg{width:100%;height:auto}
</style></head><body>

"""
// index.html has everything; part-N.html six figures each, short enough to screenshot legibly.
let head = html
var parts: [String] = []
for (i, (name, fig)) in figures.enumerated() {
    let svg = fig.svgString()
    // The same figure twice on one page would share element ids, and a marker is styled where it is
    // defined (the light copy): give the dark copy its own ids, as two different figures would have.
    var dark = svg
    if let r = svg.range(of: "aria-labelledby=\""), let id = svg[r.upperBound...].split(separator: "-").first {
        dark = svg.replacingOccurrences(of: String(id), with: "dark" + id)
    }
    let section = "<h2>\(name) (\(String(format: "%.1f", Double(svg.utf8.count) / 1024)) KB)</h2><div class=\"row\"><div class=\"light\">\(svg)</div><div class=\"dark\">\(dark)</div></div>\n"
    html += section
    if i % 6 == 0 { parts.append(head) }
    parts[parts.count - 1] += section
    let file = name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
    try? svg.write(toFile: outDir + "/" + String(file) + ".svg", atomically: true, encoding: .utf8)
}
html += "</body></html>\n"
try html.write(toFile: outDir + "/index.html", atomically: true, encoding: .utf8)
for (i, p) in parts.enumerated() { try (p + "</body></html>\n").write(toFile: outDir + "/part-\(i + 1).html", atomically: true, encoding: .utf8) }

func kb(_ f: SVGConvertible) -> String { String(format: "%.1f KB", Double(f.svgString().utf8.count) / 1024) }
print("wrote \(outDir)/index.html with \(figures.count) figures")
print("size of 10x10 image grid (Fashion-MNIST):", kb(grid10))
print("size of 10,000-point scatter (coloured by value):", kb(bigScatter))
print("size of 10,000-point scatter (one colour):", kb(ScatterPlot().points(x: sx, y: sy)))
print("size of 100x100 heatmap:", kb(heat))
