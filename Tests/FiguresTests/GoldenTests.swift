import XCTest
@testable import Figures

/// One golden SVG per figure kind. Data are small and deterministic so the files stay reviewable.
final class GoldenTests: XCTestCase {
    func testLinePlot() {
        let x: [Double] = (0..<12).map(Double.init)
        let a: [Double] = x.map { 100 * exp(-$0 / 4) + 20 }
        let b: [Float] = x.map { Float(80 * exp(-$0 / 3) + 10) }
        assertGolden("line", LinePlot(title: "Loss", xLabel: "epoch", yLabel: "nats")
            .line(x: x, y: a, label: "VAE").line(x: x.map { Float($0) }, y: b, label: "AE", markers: true, dashed: true)
            .text("plateau", x: 9, y: 40).arrow(from: (6, 90), to: (3, 60), text: "fast drop"))
    }

    func testScatterByCategory() {
        var r = TestRandom(1)
        var xs: [Double] = [], ys: [Double] = [], c: [String] = []
        for i in 0..<60 { let k = i % 3; xs.append(Double(k) * 3 + r.normal()); ys.append(Double(k) + r.normal()); c.append(["coat", "bag", "shoe"][k]) }
        assertGolden("scatter-category", ScatterPlot(title: "Latent codes", xLabel: "z1", yLabel: "z2").points(x: xs, y: ys, category: c))
    }

    func testScatterByValue() {
        var r = TestRandom(2)
        var xs: [Float] = [], ys: [Float] = [], v: [Float] = []
        for _ in 0..<80 { let x = r.normal(), y = r.normal(); xs.append(Float(x)); ys.append(Float(y)); v.append(Float(x * x + y * y)) }
        assertGolden("scatter-value", ScatterPlot(title: "Coloured by radius").points(x: xs, y: ys, value: v, valueLabel: "r²"))
    }

    func testHistogramWithCurve() {
        var r = TestRandom(3)
        let s: [Double] = (0..<400).map { _ in r.normal() }
        assertGolden("histogram", Histogram(s, bins: 16, density: true, label: "samples", title: "ε ~ N(0, 1)", xLabel: "ε")
            .curve(label: "density", x: -4...4, samples: 60) { exp(-$0 * $0 / 2) / (2 * Double.pi).squareRoot() })
        assertGolden("histogram-counts", Histogram(s, bins: 10, label: "counts"))
    }

    func testBarChart() {
        assertGolden("bars", BarChart(title: "KL per layer", yLabel: "nats", categories: ["z1", "z2", "z3"], values: [5.0, 2.5, 0.5], errors: [0.5, 0.3, 0.1], label: "warm-up")
            .bars(categories: ["z1", "z2", "z3"], values: [6.0, 1.0, 0.2], label: "none"))
    }

    func testHeatmaps() {
        let m: [[Double]] = (0..<6).map { r in (0..<8).map { c in Double(r - c) / 4 } }
        assertGolden("heatmap-matrix", Heatmap(matrix: m, colorMap: .coolWarm, valueLabel: "w", title: "Matrix"))
        assertGolden("heatmap-function", Heatmap(f: { x, y in -(x * x + y * y) }, x: -2...2, y: -1...1, resolution: 12, title: "f(x, y)"))
    }

    func testContour() {
        assertGolden("contour", ContourPlot(f: { x, y in x * x + 2 * y * y }, x: -2...2, y: -2...2, levels: 4, resolution: 24, title: "Quadratic").equalAspect())
        assertGolden("contour-labels", ContourPlot(f: { x, y in x * x - y * y }, x: -2...2, y: -2...2, levels: 6, resolution: 30, filled: true, labels: true, title: "Saddle"))
    }

    func testGaussianEllipses() {
        assertGolden("ellipses", Plot(title: "q(z|x)").gaussianEllipses(mean: [1.0, 0], covariance: [[2, 0.8], [0.8, 1]], label: "q").equalAspect())
    }

    func testErrorBandLogY() {
        let x: [Double] = (1...10).map(Double.init)
        let m = x.map { 10 / $0 }, s = m.map { $0 * 0.3 }
        assertGolden("band-log", LinePlot(title: "Variance", xLabel: "n", yLabel: "var").band(x: x, mean: m, sd: s, label: "score").logY())
    }

    func testLogXTicks() {
        let x: [Double] = [1, 10, 100, 1000, 1e4, 1e5]
        assertGolden("log-x", LinePlot(title: "log x").line(x: x, y: [1, 2, 3, 4, 5, 6]).logX())
    }

    func testImageGrid() {
        let imgs: [[Float]] = (0..<6).map { k in (0..<16).map { Float(($0 + k) % 16) / 15 } }
        assertGolden("image-grid", ImageGrid(images: imgs, rows: 2, columns: 3, width: 4, height: 4, rowLabels: ["input", "recon"], title: "Tiny images"))
    }

    func testSubplots() {
        let x: [Double] = [0, 1, 2, 3]
        assertGolden("subplots", Subplots(rows: 2, columns: 2, sharedX: true, sharedY: true, title: "Grid", [
            LinePlot(title: "a", yLabel: "y").line(x: x, y: [0, 1, 2, 3]),
            LinePlot(title: "b").line(x: x, y: [3, 2, 1, 0]),
            ScatterPlot(title: "c", xLabel: "x", yLabel: "y").points(x: x, y: [1, 1, 2, 2]),
            BarChart(title: "d", xLabel: "x", categories: ["p", "q"], values: [1.0, 2.0]),
        ]))
    }

    func testDiagrams() {
        assertGolden("diagram-vae", Diagram.vae())
        assertGolden("diagram-reparameterization", Diagram.reparameterization())
        assertGolden("diagram-hierarchical", Diagram.hierarchical(levels: 3))
        // A skip connection bends around the node it would cross; a cycle does not break the layering.
        assertGolden("diagram-custom", Diagram(title: "Custom", direction: .topToBottom)
            .node("a", "a", shape: .observed).node("b", "h_1", shape: .deterministic).node("c", "c").node("d", "\\epsilon", shape: .noise)
            .edge("a", "b").edge("b", "c").edge("a", "c", label: "skip", style: .dashed).edge("c", "a", label: "loop").edge("d", "c"))
    }

    func testBadInputRendering() {
        assertGolden("bad-input", LinePlot(title: "Bad input").line(x: [1.0, 2, 3, 4], y: [1, .nan, 3, .infinity], label: "gaps")
            .line(x: [1.0, 2], y: [1.0], label: "short").line(x: [1.0, 2, 3], y: [-1, 1, 2], label: "logged").logY())
    }
}
