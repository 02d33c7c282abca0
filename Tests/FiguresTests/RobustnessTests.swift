import XCTest
@testable import Figures

/// Hostile values in every plot kind: no trap, and always well-formed SVG without non-finite numbers.
final class RobustnessTests: XCTestCase {
    let nasty: [[Double]] = [
        [], [0], [1, 1, 1], [.nan, .nan], [.infinity, -.infinity, 1], [1e300, -1e300, 0], [1e-300, 2e-300, 3e-300],
        [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude], [-5, -1, 0], [0, 1e12, 2e12], [1, 2, 3, 4, 5],
    ]

    func check(_ f: SVGConvertible, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let svg = f.svgString()
        assertWellFormedSVG(svg, file: file, line: line)
        XCTAssertFalse(svg.isEmpty, what, file: file, line: line)
    }

    func testPlotsSurviveHostileValues() {
        for x in nasty {
            for y in nasty {
                for log in [false, true] {
                    check(LinePlot().line(x: x, y: y, markers: true).logY(log), "line \(x) \(y)")
                    check(ScatterPlot().points(x: x, y: y).logX(log).equalAspect(), "points \(x) \(y)")
                    if x.count == y.count {
                        check(ScatterPlot().points(x: x, y: y, value: y).logX(log), "value points \(x) \(y)")
                        check(LinePlot().band(x: x, mean: y, sd: y).logY(log), "band \(x) \(y)")
                    }
                }
            }
            check(Histogram(x, density: true), "histogram \(x)")
            check(Histogram(x, bins: 0).logY(), "histogram log \(x)")
            check(BarChart(categories: x.map { "\($0)" }, values: x, errors: x), "bars \(x)")
            check(Heatmap(matrix: [x, x.map { -$0 }]), "heatmap \(x)")
            if x.count >= 2 {
                check(Plot().gaussianEllipses(mean: [x[0], x[1]], covariance: [[x[0], 0], [0, x[1]]]), "ellipse \(x)")
                check(ImageGrid(images: [x, x], rows: 1, columns: 2, width: x.count, height: 1), "image \(x)")
            }
        }
    }

    func testFunctionsReturningHostileValues() {
        let fs: [(Double, Double) -> Double] = [{ _, _ in .nan }, { x, _ in 1 / x }, { x, y in x > 0 ? .infinity : y }, { _, _ in 1e300 }, { x, y in x * y * 1e305 }]
        for f in fs {
            check(ContourPlot(f: f, x: -1...1, y: -1...1, resolution: 11), "contour")
            check(Heatmap(f: f, x: -1...1, y: -1...1, resolution: 11), "heatmap f")
            check(LinePlot().curve(x: -1...1) { f($0, $0) }, "curve")
        }
    }

    func testHostileLayoutSettings() {
        let p = LinePlot(title: String(repeating: "very long title ", count: 20), xLabel: "x", yLabel: "y").line(y: [1.0, 2, 3])
        check(p.size(width: 50, height: 50), "tiny")
        check(p.size(width: .nan, height: 300), "nan size")
        check(p.size(width: 5000, height: 4000), "huge")
        check(p.xRange(5...5).yRange(-1...(-1)), "zero ranges")
        check(p.xRange(-.infinity...0), "infinite range")
        check(Subplots(rows: 0, columns: 0, []), "empty grid")
        check(Subplots(rows: 3, columns: 3, sharedX: true, sharedY: true, [p, ScatterPlot().points(x: [Double](), y: [Double]()), Heatmap(matrix: [[1.0]])]), "mixed grid")
        check(Diagram.hierarchical(levels: 0), "zero levels")
        check(Diagram.hierarchical(levels: 100), "many levels")
        check(Diagram(), "empty diagram")
        check(Diagram().node("a").edge("a", "a").edge("a", "zz"), "self loop and unknown node")
        check(ImageGrid(images: [[Float]](), rows: 100_000, columns: 100_000), "absurd grid")
    }
}
