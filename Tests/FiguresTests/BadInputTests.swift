import XCTest
@testable import Figures

/// Every kind of bad input gives a named issue (and `validated()` throws it), and the SVG still parses.
final class BadInputTests: XCTestCase {
    func kinds(_ f: IssueReporting) -> [FigureError] { f.issues.map { $0.error } }

    func assertIssue<F: IssueReporting & SVGConvertible>(_ f: F, _ match: (FigureError) -> Bool, severity: FigureIssue.Severity,
                                                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(f.issues.contains { match($0.error) && $0.severity == severity }, "issues: \(f.issues)", file: file, line: line)
        XCTAssertThrowsError(try f.validated(), file: file, line: line) { e in
            XCTAssertTrue(match(e as! FigureError), "thrown: \(e)", file: file, line: line)
        }
        let svg = f.svgString()
        assertWellFormedSVG(svg, file: file, line: line)
        // The treatment is visible: the first issue's text is drawn in the figure.
        XCTAssertTrue(svg.contains(HTML.escape(f.issues[0].description)), "issue not shown in the SVG", file: file, line: line)
    }

    func testEmptySeries() {
        assertIssue(LinePlot().line(x: [Double](), y: [Double]()), { if case .emptySeries = $0 { return true }; return false }, severity: .error)
        assertIssue(ScatterPlot().points(x: [Float](), y: [Float]()), { if case .emptySeries = $0 { return true }; return false }, severity: .error)
        assertIssue(Histogram([Double]()), { if case .emptySeries = $0 { return true }; return false }, severity: .error)
        assertIssue(Heatmap(matrix: [[Double]]()), { if case .emptySeries = $0 { return true }; return false }, severity: .error)
        // A plot with nothing in it says so rather than drawing bare axes silently.
        assertIssue(LinePlot(title: "empty"), { if case .emptySeries = $0 { return true }; return false }, severity: .warning)
    }

    func testNaNAndInfinity() {
        let p = LinePlot().line(x: [0.0, 1, 2, 3, 4], y: [1, .nan, 2, .infinity, 3], label: "s")
        assertIssue(p, { if case .nonFinite(let m) = $0 { return m.contains("2 NaN/Inf points") }; return false }, severity: .warning)
        // The finite points are still drawn (a path with moves around the gaps) and the lone point as a dot.
        let svg = p.svgString()
        XCTAssertTrue(svg.contains("stroke-linecap=\"round\""))
        let s = ScatterPlot().points(x: [0.0, 1, .nan], y: [1.0, 2, 3])
        assertIssue(s, { if case .nonFinite = $0 { return true }; return false }, severity: .warning)
        let h = Histogram([1.0, 2, .nan, -.infinity, 2.5])
        assertIssue(h, { if case .nonFinite(let m) = $0 { return m.contains("2 NaN/Inf values dropped") }; return false }, severity: .warning)
        assertIssue(Heatmap(matrix: [[1.0, .nan], [2, 3]]), { if case .nonFinite = $0 { return true }; return false }, severity: .warning)
        assertIssue(ContourPlot(f: { x, _ in x > 0 ? .nan : x }, x: -1...1, y: -1...1), { if case .nonFinite = $0 { return true }; return false }, severity: .warning)
        assertIssue(ImageGrid(images: [[0.5, .nan, 0.2, 0.1]], rows: 1, columns: 1, width: 2, height: 2), { if case .nonFinite = $0 { return true }; return false }, severity: .warning)
        assertIssue(Plot().gaussianEllipses(mean: [Double.nan, 0], covariance: [[1, 0], [0, 1]]), { if case .nonFinite = $0 { return true }; return false }, severity: .error)
    }

    func testMismatchedLengths() {
        assertIssue(LinePlot().line(x: [1.0, 2, 3], y: [1.0, 2]), { if case .lengthMismatch = $0 { return true }; return false }, severity: .error)
        assertIssue(ScatterPlot().points(x: [1.0, 2], y: [1.0, 2], category: ["a"]), { if case .lengthMismatch = $0 { return true }; return false }, severity: .error)
        assertIssue(ScatterPlot().points(x: [1.0, 2], y: [1.0, 2], value: [1.0]), { if case .lengthMismatch = $0 { return true }; return false }, severity: .error)
        assertIssue(BarChart(categories: ["a", "b"], values: [1.0]), { if case .lengthMismatch = $0 { return true }; return false }, severity: .error)
        assertIssue(LinePlot().band(x: [1.0, 2], mean: [1.0, 2], sd: [1.0]), { if case .lengthMismatch = $0 { return true }; return false }, severity: .error)
        assertIssue(Heatmap(matrix: [[1.0, 2], [3]]), { if case .lengthMismatch = $0 { return true }; return false }, severity: .error)
        assertIssue(ImageGrid(images: [[0.5, 0.5, 0.5]], rows: 1, columns: 1, width: 2, height: 2), { if case .lengthMismatch = $0 { return true }; return false }, severity: .error)
        assertIssue(Plot().gaussianEllipses(mean: [0.0], covariance: [[1, 0], [0, 1]]), { if case .lengthMismatch = $0 { return true }; return false }, severity: .error)
    }

    func testZeroWidthRanges() {
        assertIssue(LinePlot().line(x: [1.0, 2], y: [1.0, 2]).xRange(3...3), { if case .zeroWidthRange = $0 { return true }; return false }, severity: .error)
        assertIssue(ContourPlot(f: { x, y in x + y }, x: 1...1, y: 0...1), { if case .zeroWidthRange = $0 { return true }; return false }, severity: .error)
        assertIssue(Heatmap(f: { x, y in x + y }, x: 0...1, y: 2...2), { if case .zeroWidthRange = $0 { return true }; return false }, severity: .error)
        assertIssue(LinePlot().curve(x: 0...0) { $0 }, { if case .zeroWidthRange = $0 { return true }; return false }, severity: .error)
        // Data without spread is not an error: the axis gets a documented window around the value.
        let flat = ScatterPlot().points(x: [2.0, 2, 2], y: [5.0, 5, 5])
        XCTAssertTrue(flat.issues.isEmpty)
        let l = PlotRenderer.layout(Panel(flat.axes), frame: Rect(x: 0, y: 0, w: 640, h: 400), shared: nil)
        XCTAssertEqual(l.xs.d0, 1.8, accuracy: 1e-12); XCTAssertEqual(l.xs.d1, 2.2, accuracy: 1e-12)
        XCTAssertEqual(l.ys.d0, 4.5, accuracy: 1e-12); XCTAssertEqual(l.ys.d1, 5.5, accuracy: 1e-12)
        let zero = ScatterPlot().points(x: [0.0, 0], y: [1.0, 2])
        let lz = PlotRenderer.layout(Panel(zero.axes), frame: Rect(x: 0, y: 0, w: 640, h: 400), shared: nil)
        XCTAssertEqual(lz.xs.d0, -0.5); XCTAssertEqual(lz.xs.d1, 0.5)
        assertWellFormedSVG(flat.svgString())
    }

    func testLogAxisWithNonPositiveValues() {
        let p = LinePlot().line(x: [1.0, 2, 3, 4], y: [-1, 0, 10, 100]).logY()
        assertIssue(p, { if case .nonPositiveOnLogAxis(let m) = $0 { return m.contains("2 values <= 0 hidden") }; return false }, severity: .warning)
        XCTAssertTrue(LinePlot().line(x: [1.0, 2, 3, 4], y: [-1, 0, 10, 100]).issues.isEmpty, "the same data on a linear axis is fine")
        assertIssue(LinePlot().line(x: [1.0, 10], y: [1.0, 2]).logX().xRange(0...10), { if case .nonPositiveOnLogAxis = $0 { return true }; return false }, severity: .error)
        // All values hidden: still a valid figure, with the default decade.
        let none = ScatterPlot().points(x: [1.0, 2], y: [-1.0, -2]).logY()
        assertWellFormedSVG(none.svgString())
        XCTAssertFalse(none.issues.isEmpty)
    }

    func testHeatmapOnLogAxesIsDrawnLinear() {
        let h = Heatmap(matrix: [[1.0, 2], [3, 4]]).logX()
        assertIssue(h, { if case .invalidArgument(let m) = $0 { return m.contains("log axes") }; return false }, severity: .warning)
        XCTAssertTrue(h.svgString().contains("<image x="))
    }

    func testOtherInvalidInput() {
        assertIssue(Plot().gaussianEllipses(mean: [0.0, 0], covariance: [[1, 2], [2, 1]]), { if case .invalidArgument(let m) = $0 { return m.contains("positive definite") }; return false }, severity: .error)
        assertIssue(Plot().gaussianEllipses(mean: [0.0, 0], covariance: [[1, 0.2], [0.3, 1]]), { if case .invalidArgument(let m) = $0 { return m.contains("symmetric") }; return false }, severity: .error)
        assertIssue(Diagram().node("a").edge("a", "b"), { if case .invalidArgument(let m) = $0 { return m.contains("unknown node") }; return false }, severity: .error)
        assertIssue(ImageGrid(images: [[Double]](), rows: 0, columns: 3), { if case .invalidArgument = $0 { return true }; return false }, severity: .error)
        assertIssue(ImageGrid(images: [[0.0, 1, 0, 1]], rows: 1, columns: 1, width: 2, height: 2, range: 1...1), { if case .zeroWidthRange = $0 { return true }; return false }, severity: .warning)
        assertIssue(Subplots(rows: 1, columns: 1, [LinePlot().line(y: [1.0, 2]), LinePlot().line(y: [2.0, 1])]), { if case .invalidArgument = $0 { return true }; return false }, severity: .warning)
    }

    func testGoodInputHasNoIssues() throws {
        let p = try LinePlot(title: "ok").line(x: [1.0, 2, 3], y: [3.0, 1, 2], label: "a").validated()
        XCTAssertTrue(p.issues.isEmpty)
        XCTAssertFalse(p.svgString().contains("#D55E00\"><text"), "no notes drawn for good input")
        _ = try Diagram.vae().validated()
        _ = try Diagram.hierarchical(levels: 4).validated()
        _ = try ImageGrid(images: [[Float]](repeating: [0.5, 0.5, 0.5, 0.5], count: 4), rows: 2, columns: 2, width: 2, height: 2).validated()
    }

    func testMarkupAndTextAreEscaped() {
        let p = LinePlot(title: "a < b & \"c\"", xLabel: "<x>").line(x: [1.0, 2], y: [1.0, 2], label: "it's").text("<&>", x: 1, y: 1)
        let svg = p.svgString()
        assertWellFormedSVG(svg)
        XCTAssertTrue(svg.contains("a &lt; b &amp; &quot;c&quot;"))
        XCTAssertFalse(svg.contains("<x>"))
    }
}
