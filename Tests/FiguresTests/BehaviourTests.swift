import XCTest
import CZlib
@testable import Figures

final class PNGTests: XCTestCase {
    /// Decodes our own PNGs (inflate + un-filter) to check they hold exactly the pixels given.
    var lastPalette: [UInt8] = [], lastTRNS: [UInt8] = []

    func decode(_ png: [UInt8]) throws -> (w: Int, h: Int, type: UInt8, pixels: [UInt8]) {
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var i = 8, w = 0, h = 0, type: UInt8 = 0, idat: [UInt8] = []
        func be(_ k: Int) -> Int { Int(png[k]) << 24 | Int(png[k + 1]) << 16 | Int(png[k + 2]) << 8 | Int(png[k + 3]) }
        while i < png.count {
            let len = be(i), name = String(decoding: png[(i + 4)..<(i + 8)], as: UTF8.self)
            var body = Array(png[(i + 4)..<(i + 8 + len)])
            let crc = body.withUnsafeMutableBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            XCTAssertEqual(UInt32(crc), UInt32(be(i + 8 + len)), "CRC of \(name)")
            if name == "IHDR" { w = be(i + 8); h = be(i + 12); type = png[i + 17] }
            if name == "IDAT" { idat += png[(i + 8)..<(i + 8 + len)] }
            if name == "PLTE" { lastPalette = Array(png[(i + 8)..<(i + 8 + len)]) }
            if name == "tRNS" { lastTRNS = Array(png[(i + 8)..<(i + 8 + len)]) }
            i += 12 + len
        }
        let ch = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(type)]!
        var raw = [UInt8](repeating: 0, count: (w * ch + 1) * h)
        var n = uLongf(raw.count)
        let rc = raw.withUnsafeMutableBufferPointer { r in idat.withUnsafeBufferPointer { uncompress(r.baseAddress, &n, $0.baseAddress, uLong($0.count)) } }
        XCTAssertEqual(rc, Z_OK)
        let stride = w * ch
        var out = [UInt8](), prev = [UInt8](repeating: 0, count: stride)
        for y in 0..<h {
            let f = raw[y * (stride + 1)]
            var row = Array(raw[(y * (stride + 1) + 1)..<((y + 1) * (stride + 1))])
            for x in 0..<stride {
                let a = x >= ch ? Int(row[x - ch]) : 0, b = Int(prev[x]), c = x >= ch ? Int(prev[x - ch]) : 0
                let p = a + b - c
                let pred = [0, a, b, (a + b) / 2, (abs(p - a) <= abs(p - b) && abs(p - a) <= abs(p - c)) ? a : (abs(p - b) <= abs(p - c) ? b : c)][Int(f)]
                row[x] = UInt8(truncatingIfNeeded: Int(row[x]) + pred)
            }
            out += row; prev = row
        }
        return (w, h, type, out)
    }

    func testRoundTripAllColourTypes() throws {
        var r = TestRandom(9)
        for type in [PNG.ColorType.grey, .rgb, .greyAlpha, .rgba] {
            let w = 13, h = 7
            // Smooth ramps plus noise exercise every filter choice.
            let px = (0..<(w * h * type.channels)).map { UInt8(truncatingIfNeeded: $0 * 3 + Int(r.uniform() * 20)) }
            let png = try PNG.encode(width: w, height: h, colorType: type, pixels: px)
            let d = try decode(png)
            XCTAssertEqual(d.w, w); XCTAssertEqual(d.h, h); XCTAssertEqual(d.type, type.rawValue)
            XCTAssertEqual(d.pixels, px, "\(type)")
        }
    }

    func testIndexedWithPaletteAndTransparency() throws {
        let pal = [Color(hex: 0x112233), Color(hex: 0x445566), Color(hex: 0xffffff)]
        let px: [UInt8] = [0, 1, 2, 2, 1, 0]
        let png = try PNG.encode(width: 3, height: 2, colorType: .indexed, pixels: px, palette: pal, alpha: [255, 255, 0])
        let d = try decode(png)
        XCTAssertEqual(d.type, 3); XCTAssertEqual(d.pixels, px)
        XCTAssertEqual(lastPalette, [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0xff, 0xff, 0xff])
        XCTAssertEqual(lastTRNS, [255, 255, 0])
        XCTAssertThrowsError(try PNG.encode(width: 1, height: 1, colorType: .indexed, pixels: [3], palette: pal))
        let g = try PNG.encode(width: 2, height: 1, colorType: .grey, pixels: [1, 7], transparentGrey: 1)
        _ = try decode(g)
        XCTAssertEqual(lastTRNS, [0, 1])
    }

    func testRejectsWrongPixelCount() {
        XCTAssertThrowsError(try PNG.encode(width: 2, height: 2, colorType: .rgb, pixels: [1, 2, 3]))
        XCTAssertThrowsError(try PNG.encode(width: 0, height: 2, colorType: .grey, pixels: []))
    }

    func testImageGridPixelsLandInTheirCells() throws {
        // Image k is uniformly k/5; cell (r, c) of a 2x3 grid holds image r*3+c; gaps carry the transparent key.
        let imgs: [[Double]] = (0..<6).map { k in [Double](repeating: Double(k) / 5, count: 4) }
        let g = ImageGrid(images: imgs, rows: 2, columns: 3, width: 2, height: 2)
        let d = try decode(g.png()!)
        XCTAssertEqual(d.type, 0)
        XCTAssertEqual(lastTRNS, [0, ImageGrid.transparentKey])
        XCTAssertEqual(d.w, 3 * 2 + 2 * 2); XCTAssertEqual(d.h, 2 * 2 + 2)
        func px(_ x: Int, _ y: Int) -> UInt8 { d.pixels[y * d.w + x] }
        XCTAssertEqual(px(0, 0), 0)
        XCTAssertEqual(px(4, 0), 51)             // image 1 at column 1 (x = 4)
        XCTAssertEqual(px(8, 4), 255)            // image 5 at row 1, column 2
        XCTAssertEqual(px(2, 0), ImageGrid.transparentKey)   // gap column
        XCTAssertEqual(px(0, 2), ImageGrid.transparentKey)   // gap row
        // An image pixel that happens to equal the key is nudged so it stays opaque.
        let k = ImageGrid(images: [[UInt8]](repeating: [ImageGrid.transparentKey], count: 1), rows: 1, columns: 1, width: 1, height: 1)
        XCTAssertEqual(try decode(k.png()!).pixels, [ImageGrid.transparentKey + 1])
    }

    func testHeatmapPNGIsIndexedWithNaNTransparent() throws {
        let svg = Heatmap(matrix: [[0.0, 1], [.nan, 0.5]]).svgString()
        let b64 = svg.components(separatedBy: "base64,")[1].prefix(while: { $0 != "\"" })
        let d = try decode([UInt8](Data(base64Encoded: String(b64))!))
        XCTAssertEqual(d.type, 3)
        XCTAssertEqual(d.pixels, [0, 254, 255, 127])   // min, max, NaN (transparent entry), middle
        XCTAssertEqual(lastTRNS.last, 0)
    }
}

final class ScaleAndColourTests: XCTestCase {
    func testNiceLinearTicks() {
        let t = Ticks.linear(0, 1, count: 5)
        XCTAssertEqual(t.count, 6)
        for (k, v) in t.enumerated() { XCTAssertEqual(v, Double(k) * 0.2, accuracy: 1e-12) }
        XCTAssertEqual(Ticks.labels(Ticks.linear(0, 1, count: 5), log: false), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(Ticks.linear(-3.2, 7.9, count: 5), [-2, 0, 2, 4, 6])
        // A narrow panel asks for few ticks; it still gets three, not a lone "0".
        XCTAssertEqual(Ticks.linear(-4.3, 3.4, count: 2), [-4, -2, 0, 2])
        XCTAssertEqual(Ticks.linear(0.2, 1.7, count: 1, integer: true), [1])
        XCTAssertEqual(Ticks.labels([-2, 0, 2], log: false), ["−2", "0", "2"])
        XCTAssertEqual(Ticks.linear(0, 3, count: 8, integer: true), [0, 1, 2, 3])
        XCTAssertEqual(Ticks.labels([0, 2e6, 4e6], log: false), ["0", "2e6", "4e6"])
    }

    func testLogTicks() {
        XCTAssertEqual(Ticks.log(1, 1e5, count: 6), [1, 10, 100, 1000, 1e4, 1e5])
        XCTAssertEqual(Ticks.log(0.31, 4, count: 5), [0.5, 1, 2, 3])
        XCTAssertEqual(Ticks.log(0.3, 4, count: 5), [0.3, 0.5, 1, 2, 3])
        XCTAssertEqual(Ticks.log(0.05, 0.9, count: 5), [0.05, 0.1, 0.2, 0.5])
        XCTAssertEqual(Ticks.log(0.05, 40, count: 5), [0.1, 1, 10])
        XCTAssertEqual(Ticks.labels([1.5, 2, 3, 0.015], log: true), ["1.5", "2", "3", "0.015"])
        XCTAssertEqual(Ticks.labels([1e-5, 0.01, 1, 1e6], log: true), ["10^-5", "0.01", "1", "10^6"])
    }

    func testNumbersAreFixedPrecision() {
        XCTAssertEqual(num(12), "12"); XCTAssertEqual(num(12.25), "12.3"); XCTAssertEqual(num(-0.04), "0")
        XCTAssertEqual(num(.nan), "0"); XCTAssertEqual(num(-3.14159), "-3.1")
    }

    func testColourMaps() {
        let v0 = ColorMap.viridis.color(0), v1 = ColorMap.viridis.color(1)
        // matplotlib's viridis ends: #440154 and #fde725 (the fit is within a few 8-bit steps).
        XCTAssertLessThan(abs(Int(v0.r) - 0x44) + abs(Int(v0.g) - 0x01) + abs(Int(v0.b) - 0x54), 12)
        XCTAssertLessThan(abs(Int(v1.r) - 0xfd) + abs(Int(v1.g) - 0xe7) + abs(Int(v1.b) - 0x25), 12)
        // Perceptual lightness rises monotonically along viridis, and away from the ends of cool-warm.
        let lv = (0...20).map { Lab(ColorMap.viridis.color(Double($0) / 20)).l }
        XCTAssertEqual(lv, lv.sorted())
        let lc = (0...20).map { Lab(ColorMap.coolWarm.color(Double($0) / 20)).l }
        XCTAssertEqual(Array(lc[0...10]), lc[0...10].sorted())
        XCTAssertEqual(Array(lc[10...20]), lc[10...20].sorted(by: >))
        XCTAssertEqual(ColorMap.coolWarm.color(0.5).svg, "#dddddd")
        XCTAssertEqual(Palette.color(0).svg, "#0072b2")
        XCTAssertEqual(Palette.color(7).svg, "currentColor")
    }
}

final class GeometryTests: XCTestCase {
    func testMarchingSquaresCircle() {
        let g = Grid.sample({ x, y in x * x + y * y }, x: -2...2, y: -2...2, nx: 41, ny: 41)
        let lines = marchingSquares(g, level: 1)
        XCTAssertEqual(lines.count, 1, "one closed loop")
        let loop = lines[0]
        XCTAssertGreaterThan(loop.count, 30)
        XCTAssertEqual(loop.first!.0, loop.last!.0, accuracy: 1e-12); XCTAssertEqual(loop.first!.1, loop.last!.1, accuracy: 1e-12)
        for p in loop { XCTAssertEqual((p.0 * p.0 + p.1 * p.1).squareRoot(), 1, accuracy: 0.02) }
        XCTAssertTrue(marchingSquares(g, level: 100).isEmpty)
    }

    func testMarchingSquaresOpenLineAndSaddle() {
        // f = x: the level-0 line crosses the whole square, bottom to top.
        let g = Grid.sample({ x, _ in x }, x: -1...1, y: -1...1, nx: 5, ny: 5)
        let l = marchingSquares(g, level: 0.1)
        XCTAssertEqual(l.count, 1)
        XCTAssertEqual(Set(l[0].map { ($0.0 * 1000).rounded() }), [100])
        XCTAssertEqual(l[0].count, 5)
        // f = x*y has a saddle; level 0.5 gives two separate branches in opposite quadrants.
        let s = Grid.sample({ x, y in x * y }, x: -2...2, y: -2...2, nx: 21, ny: 21)
        let b = marchingSquares(s, level: 0.5)
        XCTAssertEqual(b.count, 2)
        for line in b { XCTAssertTrue(line.allSatisfy { $0.0 * $0.1 > 0 && abs($0.0 * $0.1 - 0.5) < 0.1 }) }
    }

    func testEllipseRadiiFollowEigenvalues() {
        // Covariance diag(4, 1): the 2-sigma ellipse has semi-axes 4 and 2.
        let p = Plot().gaussianEllipses(mean: [1.0, 1], covariance: [[4, 0], [0, 1]], sigmas: [2])
        guard case .ellipses(let e) = p.axes.marks[0] else { return XCTFail() }
        let xs = e.rings[0].points.map { $0.0 }, ys = e.rings[0].points.map { $0.1 }
        XCTAssertEqual(xs.max()! - 1, 4, accuracy: 1e-9); XCTAssertEqual(ys.max()! - 1, 2, accuracy: 0.01)
        // A rotated covariance: every point is at Mahalanobis distance 2.
        let c = [[2.0, 0.8], [0.8, 1]], det = 2.0 * 1 - 0.64
        let q = Plot().gaussianEllipses(mean: [0.0, 0], covariance: c, sigmas: [2])
        guard case .ellipses(let f) = q.axes.marks[0] else { return XCTFail() }
        for (x, y) in f.rings[0].points { XCTAssertEqual((1 * x * x - 1.6 * x * y + 2 * y * y) / det, 4, accuracy: 1e-9) }
    }

    func testLegendAvoidsData() {
        // Data fill the top-right and top-left corners: the legend must go to a bottom corner.
        var xs: [Double] = [], ys: [Double] = []
        for i in 0...40 { let x = Double(i) / 40; xs.append(x); ys.append(x < 0.2 || x > 0.8 ? 1 : 0.9) }  // a band along the top
        xs.append(0.5); ys.append(0)  // one point at the bottom middle
        let p = ScatterPlot().points(x: xs, y: ys, label: "arch").line(x: [0.0, 1], y: [0.95, 0.95], label: "a long legend label")
        let panel = Panel(p.axes)
        let l = PlotRenderer.layout(panel, frame: Rect(x: 0, y: 0, w: 640, h: 400), shared: nil)
        let r = try! XCTUnwrap(l.legendRect)
        XCTAssertGreaterThan(r.y, l.plot.y + l.plot.h / 2, "legend placed low")
        XCTAssertEqual(Occupancy(panel, l).count(r), 0)
        // Data everywhere: the legend moves outside the plot area.
        var gx: [Double] = [], gy: [Double] = []
        for i in 0..<30 { for j in 0..<30 { gx.append(Double(i)); gy.append(Double(j)) } }
        let full = ScatterPlot().points(x: gx, y: gy, label: "grid")
        let lf = PlotRenderer.layout(Panel(full.axes), frame: Rect(x: 0, y: 0, w: 640, h: 400), shared: nil)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(lf.legendRect).x, lf.plot.maxX)
    }

    func testEqualAspect() {
        let p = ScatterPlot().points(x: [0.0, 10], y: [0.0, 1]).equalAspect()
        let l = PlotRenderer.layout(Panel(p.axes), frame: Rect(x: 0, y: 0, w: 640, h: 400), shared: nil)
        let ux = (l.xs.d1 - l.xs.d0) / l.plot.w, uy = (l.ys.d1 - l.ys.d0) / l.plot.h
        XCTAssertEqual(ux, uy, accuracy: 1e-9 * ux)
        XCTAssertLessThanOrEqual(l.xs.d0, 0); XCTAssertGreaterThanOrEqual(l.xs.d1, 10)
    }

    func testSharedAxesUseOneDomain() {
        let s = Subplots(rows: 1, columns: 2, sharedY: true, [LinePlot().line(y: [0.0, 1]), LinePlot().line(y: [5.0, 10])])
        let svg = s.svgString()
        assertWellFormedSVG(svg)
        // Both panels' descriptions report the same y range.
        let ranges = svg.components(separatedBy: "y from ").dropFirst().map { $0.prefix(while: { $0 != "." && $0 != ";" }) }
        XCTAssertEqual(ranges.count, 2); XCTAssertEqual(ranges[0], ranges[1])
    }

    func testDiagramLayoutRanks() {
        let d = Diagram.reparameterization()
        let r = d.rank()
        XCTAssertEqual(r["x"], 0); XCTAssertEqual(r["enc"], 1)
        XCTAssertEqual(r["mu"], 2); XCTAssertEqual(r["sigma"], 2); XCTAssertEqual(r["eps"], 2, "noise is pulled next to its consumer")
        XCTAssertEqual(r["z"], 3); XCTAssertEqual(r["xh"], 5)
        let h = Diagram.hierarchical(levels: 5)
        let hr = h.rank()
        XCTAssertEqual((0...5).map { hr[$0 == 0 ? "x" : "z\($0)"]! }, [0, 1, 2, 3, 4, 5], "back edges (generative) do not disturb the chain")
        let (placed, _, _, _) = h.layout()
        XCTAssertLessThan(placed["z5"]!.y, placed["x"]!.y, "bottom to top: z_T above x")
        // Nodes never overlap.
        let ps = Array(placed.values)
        for i in 0..<ps.count { for j in (i + 1)..<ps.count {
            let a = ps[i], b = ps[j]
            XCTAssertFalse(abs(a.x - b.x) < (a.w + b.w) / 2 && abs(a.y - b.y) < (a.h + b.h) / 2, "\(a.node.id) overlaps \(b.node.id)")
        } }
    }

    func testArrowsBendAroundNodesInTheWay() {
        let d = Diagram().node("a").node("b").node("c").edge("a", "b").edge("b", "c").edge("a", "c")
        let (placed, _, _, _) = d.layout()
        let g = d.edgeGeometry(placed)
        XCTAssertNil(g[0].c); XCTAssertNil(g[1].c)
        let skip = try! XCTUnwrap(g[2].c, "a -> c would cross b: it must bend")
        // Sampled along the curve, the skip arrow stays outside b's box.
        let b = placed["b"]!
        for k in 1..<20 {
            let t = Double(k) / 20, u = 1 - t
            let x = u * u * placed["a"]!.x + 2 * u * t * skip.0 + t * t * placed["c"]!.x
            let y = u * u * placed["a"]!.y + 2 * u * t * skip.1 + t * t * placed["c"]!.y
            XCTAssertFalse(abs(x - b.x) < b.w / 2 && abs(y - b.y) < b.h / 2)
        }
        XCTAssertTrue(d.svgString().contains("Q"))
    }

    func testMarkupParsing() {
        let r = parseMarkup("q_\\phi(z_{t-1}|x)^2 \\sim \\mathcal{N}")
        XCTAssertEqual(r.map { $0.text }, ["q", "φ", "(z", "t-1", "|x)", "2", " ∼ 𝒩"])
        XCTAssertEqual(r.map { $0.level }, [0, -1, 0, -1, 0, 1, 0])
    }
}

final class SizeTests: XCTestCase {
    /// The size budget: 10,000 scatter points must not produce megabytes.
    func testTenThousandPointScatterStaysSmall() {
        var r = TestRandom(5)
        var xs: [Double] = [], ys: [Double] = []
        for _ in 0..<10_000 { xs.append(r.normal()); ys.append(r.normal()) }
        let one = ScatterPlot().points(x: xs, y: ys).svgString()
        let byValue = ScatterPlot().points(x: xs, y: ys, value: xs).svgString()
        assertWellFormedSVG(one)
        XCTAssertLessThan(one.utf8.count, 100_000, "\(one.utf8.count) bytes")
        XCTAssertLessThan(byValue.utf8.count, 110_000, "\(byValue.utf8.count) bytes")
        // Every point is there: one marked vertex per distinct quarter-pixel position.
        let d = one.components(separatedBy: "transform=\"scale(.25)\" d=\"")[1].prefix(while: { $0 != "\"" })
        let numbers = try! NSRegularExpression(pattern: "-?[0-9]+").numberOfMatches(in: String(d), range: NSRange(d.startIndex..., in: d))
        XCTAssertGreaterThan(numbers / 2, 9_900)
        XCTAssertLessThanOrEqual(numbers / 2, 10_000)
    }

    func testLongLinesAreDecimatedWithoutChangingTheirShape() {
        var r = TestRandom(8)
        let n = 10_000
        let x = (0..<n).map(Double.init), y = (0..<n).map { 100 * exp(-Double($0) / 2000) + 3 * r.normal() }
        let svg = LinePlot().line(x: x, y: y).svgString()
        XCTAssertLessThan(svg.utf8.count, 60_000, "\(svg.utf8.count) bytes")
        // The extremes survive: the decimated path reaches the same lowest and highest pixel rows.
        let pts = (0..<n).map { (x[$0] / Double(n - 1) * 500, y[$0]) }
        let kept = PlotRenderer.decimate(pts)
        XCTAssertLessThan(kept.count, 4 * 1001)
        XCTAssertEqual(kept.map { $0.1 }.min(), y.min()); XCTAssertEqual(kept.map { $0.1 }.max(), y.max())
        XCTAssertEqual(kept.first!.0, pts.first!.0); XCTAssertEqual(kept.last!.0, pts.last!.0)
        XCTAssertEqual(kept.map { $0.0 }, kept.map { $0.0 }.sorted(), "order is kept")
    }

    func testHeatmapIsOneImage() {
        let m = (0..<100).map { r in (0..<100).map { c in Double(r * c) } }
        let svg = Heatmap(matrix: m).svgString()
        XCTAssertEqual(svg.components(separatedBy: "<image").count - 1, 1)
        XCTAssertLessThan(svg.utf8.count, 40_000)
    }
}

final class PresentationTests: XCTestCase {
    func testCategoriesBeyondThePaletteGetHollowMarkers() {
        let n = 10
        let xs = (0..<n).map(Double.init), c = Array(0..<n)
        let p = ScatterPlot().points(x: xs, y: xs, category: c)
        guard case .points(let pm) = p.axes.marks[0] else { return XCTFail() }
        XCTAssertEqual(pm.groups.map { $0.hollow }, [false, false, false, false, false, false, false, false, true, true])
        // The two hollow groups share colours with the first two, so shape is what tells them apart.
        XCTAssertEqual(pm.groups[8].color, pm.groups[0].color)
        let svg = p.svgString()
        assertWellFormedSVG(svg)
        XCTAssertEqual(svg.components(separatedBy: "fill=\"none\" stroke=\"#0072b2\" stroke-width=\"1.5\"").count - 1, 1, "hollow legend symbol")
    }

    func testWideFiguresKeepTextLegible() {
        let wide = LinePlot().line(y: [1.0, 2]).size(width: 1200, height: 600).svgString()
        XCTAssertTrue(wide.contains("viewBox=\"0 0 800 400\" width=\"1200\" height=\"600\""))
        let medium = LinePlot().line(y: [1.0, 2]).size(width: 760, height: 400).svgString()
        XCTAssertTrue(medium.contains("viewBox=\"0 0 760 400\" width=\"760\" height=\"400\""))
        let normal = LinePlot().line(y: [1.0, 2]).svgString()
        XCTAssertTrue(normal.contains("viewBox=\"0 0 640 400\" width=\"640\" height=\"400\""))
        let grid = Subplots(rows: 1, columns: 3, [LinePlot().line(y: [1.0, 2]), LinePlot().line(y: [2.0, 1]), LinePlot().line(y: [1.0, 1])]).svgString()
        XCTAssertTrue(grid.contains("viewBox=\"0 0 800 280\" width=\"960\" height=\"336\""))
        assertWellFormedSVG(grid)
    }

    func testDivergingMapsAreCentredOnZero() {
        let p = ScatterPlot().points(x: [0.0, 1, 2], y: [0.0, 1, 2], value: [-1.0, 0.5, 3], colorMap: .coolWarm)
        guard case .points(let pm) = p.axes.marks[0], let cb = pm.colorBar else { return XCTFail() }
        XCTAssertEqual(cb.lo, -3); XCTAssertEqual(cb.hi, 3)
        let h = Heatmap(f: { x, _ in x }, x: 1...2, y: 0...1, colorMap: .coolWarm)
        guard case .heatmap(let hm) = h.axes.marks[0] else { return XCTFail() }
        XCTAssertEqual(hm.bar.lo, -hm.bar.hi)
        let v = Heatmap(f: { x, _ in x }, x: 1...2, y: 0...1)   // sequential maps span the data
        guard case .heatmap(let vm) = v.axes.marks[0] else { return XCTFail() }
        XCTAssertEqual(vm.bar.lo, 1, accuracy: 1e-12)
    }

    func testDescriptionsSayWhatIsDrawn() {
        let svg = LinePlot(title: "Loss", xLabel: "epoch", yLabel: "nats").line(x: [1.0, 2, 3], y: [3.0, 2, 1], label: "VAE").svgString()
        let desc = svg.components(separatedBy: "<desc")[1].components(separatedBy: "</desc>")[0]
        XCTAssertTrue(desc.contains("Line plot &quot;Loss&quot;: line &quot;VAE&quot; with 3 points"), desc)
        XCTAssertTrue(desc.contains("epoch from"), desc)
        let custom = LinePlot().line(y: [1.0, 2]).description("My words.").svgString()
        XCTAssertTrue(custom.contains(">My words.</desc>"))
    }

    func testThemeColoursComeFromThePage() {
        let svg = Plot(title: "t").line(y: [1.0, 2], label: "a").text("note", x: 0, y: 1).svgString()
        XCTAssertTrue(svg.contains("style=\"color:var(--fig-fg,#222);"))
        XCTAssertTrue(svg.contains("fill:var(--fig-bg,#fff)"), "legend box follows the page background")
        XCTAssertFalse(svg.contains("#000000"), "no hard-coded black")
        XCTAssertFalse(svg.contains("<style"), "no global style element leaking into the page")
    }
}

final class ContourLevelTests: XCTestCase {
    func testLevelCountFollowsTheRequest() {
        for n in [3, 5, 7, 8, 10] {
            let lv = contourLevels(lo: 0, hi: 26.3, count: n)
            XCTAssertLessThanOrEqual(abs(lv.count - n), 2, "\(n): \(lv)")
            XCTAssertTrue(lv.allSatisfy { $0 > 0 && $0 < 26.3 })
            let steps = Set(zip(lv, lv.dropFirst()).map { (($1 - $0) * 1e6).rounded() })
            XCTAssertEqual(steps.count, 1, "evenly spaced: \(lv)")
        }
        XCTAssertEqual(contourLevels(lo: -1, hi: 1, count: 3), [-0.5, 0, 0.5])
    }
}
