// Scalar fields: heatmaps (embedded as one PNG, so a 100x100 map costs kilobytes, not 10,000
// rectangles) and contour lines by marching squares.

import Foundation

/// A value sampled on a grid: `values[j * nx + i]` at x_i, y_j (j = 0 at the bottom).
struct Grid {
    var nx: Int, ny: Int, values: [Double]
    var x0: Double, x1: Double, y0: Double, y1: Double
    func x(_ i: Int) -> Double { nx == 1 ? x0 : x0 + (x1 - x0) * Double(i) / Double(nx - 1) }
    func y(_ j: Int) -> Double { ny == 1 ? y0 : y0 + (y1 - y0) * Double(j) / Double(ny - 1) }
    subscript(i: Int, j: Int) -> Double { values[j * nx + i] }

    static func sample(_ f: (Double, Double) -> Double, x: ClosedRange<Double>, y: ClosedRange<Double>, nx: Int, ny: Int) -> Grid {
        var g = Grid(nx: nx, ny: ny, values: [], x0: x.lowerBound, x1: x.upperBound, y0: y.lowerBound, y1: y.upperBound)
        g.values.reserveCapacity(nx * ny)
        for j in 0..<ny { for i in 0..<nx { g.values.append(f(g.x(i), g.y(j))) } }
        return g
    }
}

/// Marching squares: the polylines where the grid crosses `level`. Saddle cells are resolved by
/// the value at the cell centre; cells with a NaN corner are skipped. Segments are chained into
/// polylines so lines are smooth (and dashes continuous) rather than many tiny pieces.
func marchingSquares(_ g: Grid, level: Double) -> [[(Double, Double)]] {
    guard g.nx >= 2, g.ny >= 2 else { return [] }
    // Edge ids: horizontal edge from (i,j) to (i+1,j) = 2*(j*nx+i); vertical (i,j)-(i,j+1) = 2*(j*nx+i)+1.
    func hEdge(_ i: Int, _ j: Int) -> Int { 2 * (j * g.nx + i) }
    func vEdge(_ i: Int, _ j: Int) -> Int { 2 * (j * g.nx + i) + 1 }
    var point = [Int: (Double, Double)]()
    func crossing(_ e: Int) -> (Double, Double) {
        if let p = point[e] { return p }
        let k = e / 2, i = k % g.nx, j = k / g.nx
        let (i2, j2) = e % 2 == 0 ? (i + 1, j) : (i, j + 1)
        let a = g[i, j], b = g[i2, j2]
        let t = a == b ? 0.5 : min(1, max(0, (level - a) / (b - a)))
        let p = (g.x(i) + (g.x(i2) - g.x(i)) * t, g.y(j) + (g.y(j2) - g.y(j)) * t)
        point[e] = p
        return p
    }
    var segs: [(Int, Int)] = []
    for j in 0..<(g.ny - 1) {
        for i in 0..<(g.nx - 1) {
            let v0 = g[i, j], v1 = g[i + 1, j], v2 = g[i + 1, j + 1], v3 = g[i, j + 1]
            guard v0.isFinite, v1.isFinite, v2.isFinite, v3.isFinite else { continue }
            let c = (v0 >= level ? 1 : 0) | (v1 >= level ? 2 : 0) | (v2 >= level ? 4 : 0) | (v3 >= level ? 8 : 0)
            let b = hEdge(i, j), r = vEdge(i + 1, j), t = hEdge(i, j + 1), l = vEdge(i, j)
            switch c {
            case 0, 15: break
            case 1, 14: segs.append((l, b))
            case 2, 13: segs.append((b, r))
            case 3, 12: segs.append((l, r))
            case 4, 11: segs.append((r, t))
            case 6, 9: segs.append((b, t))
            case 7, 8: segs.append((l, t))
            case 5, 10:
                let centre = (v0 + v1 + v2 + v3) / 4 >= level
                // c == 5: corners 0 and 2 high. If the centre is high they connect through the middle.
                if (c == 5) == centre { segs.append((l, t)); segs.append((b, r)) } else { segs.append((l, b)); segs.append((r, t)) }
            default: break
            }
        }
    }
    // Chain segments by shared edge ids.
    var adj = [Int: [Int]]()  // edge id -> segment indices
    for (k, s) in segs.enumerated() { adj[s.0, default: []].append(k); adj[s.1, default: []].append(k) }
    var used = [Bool](repeating: false, count: segs.count)
    var lines: [[(Double, Double)]] = []
    func walk(from start: Int, seg: Int) -> [Int] {
        var ids = [start], cur = start, s = seg
        while true {
            used[s] = true
            let next = segs[s].0 == cur ? segs[s].1 : segs[s].0
            ids.append(next)
            guard let cand = adj[next]?.first(where: { !used[$0] }) else { break }
            cur = next; s = cand
        }
        return ids
    }
    // Open chains first (start at edges used once), then closed loops.
    let ends = adj.filter { $0.value.count == 1 }.keys.sorted()
    for e in ends { if let s = adj[e]?.first, !used[s] { lines.append(walk(from: e, seg: s).map(crossing)) } }
    for k in 0..<segs.count where !used[k] { lines.append(walk(from: segs[k].0, seg: k).map(crossing)) }
    return lines
}

/// "Nice" contour levels strictly inside the data range: multiples of 1, 2, 2.5 or 5 x 10^k, the
/// step whose number of levels comes closest to `count` (the larger step on a tie).
func contourLevels(lo: Double, hi: Double, count: Int) -> [Double] {
    guard hi > lo, count > 0, (hi - lo).isFinite else { return [] }
    let e = floor(log10((hi - lo) / Double(count + 1)))
    var best: [Double] = [], bestErr = Int.max
    for k in [e - 1, e, e + 1] {
        for m in [1.0, 2, 2.5, 5] {
            let step = m * pow(10, k)
            let first = (lo / step).rounded(.down) + 1
            var levels: [Double] = []
            var j = first
            while levels.count <= 4 * count + 4 {
                let v = j * step
                if v >= hi { break }
                if v > lo { levels.append(abs(v) < step * 1e-9 ? 0 : v) }
                j += 1
            }
            let err = abs(levels.count - count)
            if !levels.isEmpty && (err < bestErr || (err == bestErr && levels.count < best.count)) { best = levels; bestErr = err }
        }
    }
    return best.isEmpty ? [(lo + hi) / 2] : best
}

extension PlotBuilder {
    /// A heatmap of `f` over the rectangle, sampled on `resolution` x `resolution` points.
    public func heatmap(f: (Double, Double) -> Double, x: ClosedRange<Double>, y: ClosedRange<Double>, resolution: Int = 100,
                        colorMap: ColorMap = .viridis, valueLabel: String? = nil) -> Self {
        with { a in
            guard x.upperBound > x.lowerBound, y.upperBound > y.lowerBound, x.lowerBound.isFinite, x.upperBound.isFinite,
                  y.lowerBound.isFinite, y.upperBound.isFinite else {
                a.issue(.zeroWidthRange("heatmap: x \(x) or y \(y) has no width; not drawn"), .error); return
            }
            let n = max(2, min(resolution, 1000))
            let g = Grid.sample(f, x: x, y: y, nx: n, ny: n)
            // Cells are centred on the sample points; extend by half a cell so the image fills the range.
            let dx = (x.upperBound - x.lowerBound) / Double(n - 1) / 2, dy = (y.upperBound - y.lowerBound) / Double(n - 1) / 2
            a.addHeatmap(values: g.values, nx: n, ny: n, x0: x.lowerBound - dx, x1: x.upperBound + dx, y0: y.lowerBound - dy,
                         y1: y.upperBound + dy, rowZeroAtTop: false, colorMap: colorMap, label: valueLabel, centered: colorMap == .coolWarm)
            a.xRange = a.xRange ?? x; a.yRange = a.yRange ?? y
        }
    }

    /// A heatmap of a matrix: `matrix[row][column]`, row 0 at the top (like an image).
    /// With the diverging `.coolWarm` map the colour scale is centred on zero.
    public func heatmap<T: BinaryFloatingPoint>(matrix: [[T]], colorMap: ColorMap = .viridis, valueLabel: String? = nil) -> Self {
        with { a in
            guard let cols = matrix.first?.count, cols > 0 else { a.issue(.emptySeries("heatmap: empty matrix; not drawn"), .error); return }
            guard matrix.allSatisfy({ $0.count == cols }) else {
                a.issue(.lengthMismatch("heatmap: rows have different lengths (\(Set(matrix.map { $0.count }).sorted())); not drawn"), .error); return
            }
            let rows = matrix.count
            let vals = matrix.flatMap { $0.map(Double.init) }
            a.addHeatmap(values: vals, nx: cols, ny: rows, x0: -0.5, x1: Double(cols) - 0.5, y0: -0.5, y1: Double(rows) - 0.5,
                         rowZeroAtTop: true, colorMap: colorMap, label: valueLabel, centered: colorMap == .coolWarm)
            a.yInverted = true
            a.integerTicksX = true; a.integerTicksY = true
            a.xRange = -0.5...(Double(cols) - 0.5); a.yRange = -0.5...(Double(rows) - 0.5)
        }
    }

    /// Contour lines of `f` (marching squares on a `resolution`^2 grid), coloured by level with a colour bar.
    /// `levels` is a count of "nice" levels; pass `levelValues` for exact ones. `labels: true` writes each
    /// level's value on its longest line (where there is room), as matplotlib's clabel does.
    public func contour(f: (Double, Double) -> Double, x: ClosedRange<Double>, y: ClosedRange<Double>, levels: Int = 8,
                        levelValues: [Double]? = nil, resolution: Int = 80, colorMap: ColorMap = .viridis, valueLabel: String? = nil,
                        labels: Bool = false) -> Self {
        with { a in
            guard x.upperBound > x.lowerBound, y.upperBound > y.lowerBound, x.lowerBound.isFinite, x.upperBound.isFinite,
                  y.lowerBound.isFinite, y.upperBound.isFinite else {
                a.issue(.zeroWidthRange("contour: x \(x) or y \(y) has no width; not drawn"), .error); return
            }
            let n = max(3, min(resolution, 400))
            let g = Grid.sample(f, x: x, y: y, nx: n, ny: n)
            let finite = g.values.filter { $0.isFinite }
            if finite.count < g.values.count {
                a.issue(.nonFinite("contour: f is NaN/Inf at \(g.values.count - finite.count) of \(g.values.count) grid points; no lines there"), .warning)
            }
            guard let lo = finite.min(), let hi = finite.max() else {
                a.issue(.nonFinite("contour: f has no finite values; not drawn"), .error); return
            }
            guard hi > lo else { a.issue(.zeroWidthRange("contour: f is constant (\(lo)); no contour lines"), .warning); a.xRange = a.xRange ?? x; a.yRange = a.yRange ?? y; return }
            let lv = (levelValues ?? contourLevels(lo: lo, hi: hi, count: levels)).filter { $0.isFinite }.sorted()
            let cl = lv.map { ContourLevel(level: $0, polylines: marchingSquares(g, level: $0)) }
            let bar = ColorBarSpec(map: colorMap, lo: lv.first ?? lo, hi: lv.last ?? hi, label: valueLabel, levels: lv, t0: colorMap == .viridis ? 0.3 : 0)
            a.marks.append(.contour(ContourMark(levels: cl, bar: bar, x0: x.lowerBound, x1: x.upperBound, y0: y.lowerBound, y1: y.upperBound, labels: labels)))
            a.xRange = a.xRange ?? x; a.yRange = a.yRange ?? y
        }
    }
}

extension Axes {
    mutating func addHeatmap(values: [Double], nx: Int, ny: Int, x0: Double, x1: Double, y0: Double, y1: Double,
                             rowZeroAtTop: Bool, colorMap: ColorMap, label: String?, centered: Bool) {
        let finite = values.filter { $0.isFinite }
        if finite.count < values.count {
            issue(.nonFinite("heatmap: \(values.count - finite.count) NaN/Inf cell\(values.count - finite.count == 1 ? "" : "s") left transparent"), .warning)
        }
        guard var lo = finite.min(), var hi = finite.max() else { issue(.nonFinite("heatmap: no finite values; not drawn"), .error); return }
        if centered { let m = max(abs(lo), abs(hi)); lo = -m; hi = m }
        if hi == lo { lo -= 0.5; hi += 0.5 }
        marks.append(.heatmap(HeatmapMark(nx: nx, ny: ny, values: values, x0: x0, x1: x1, y0: y0, y1: y1, rowZeroAtTop: rowZeroAtTop,
                                          bar: ColorBarSpec(map: colorMap, lo: lo, hi: hi, label: label, levels: nil))))
    }
}

/// Heatmaps: `Heatmap(matrix: m)` (row 0 at the top) or `Heatmap(f: { x, y in ... }, x: -3...3, y: -3...3)`.
public struct Heatmap: PlotBuilder {
    public var axes: Axes
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, width: Double = 640, height: Double = 400) {
        axes = Axes(title: title, xLabel: xLabel, yLabel: yLabel); axes.width = width; axes.height = height; axes.kind = "Heatmap"
    }
    public init<T: BinaryFloatingPoint>(matrix: [[T]], colorMap: ColorMap = .viridis, valueLabel: String? = nil,
                                        title: String? = nil, xLabel: String? = "column", yLabel: String? = "row") {
        self.init(title: title, xLabel: xLabel, yLabel: yLabel)
        self = heatmap(matrix: matrix, colorMap: colorMap, valueLabel: valueLabel)
    }
    public init(f: (Double, Double) -> Double, x: ClosedRange<Double>, y: ClosedRange<Double>, resolution: Int = 100,
                colorMap: ColorMap = .viridis, valueLabel: String? = nil, title: String? = nil, xLabel: String? = "x", yLabel: String? = "y") {
        self.init(title: title, xLabel: xLabel, yLabel: yLabel)
        self = heatmap(f: f, x: x, y: y, resolution: resolution, colorMap: colorMap, valueLabel: valueLabel)
    }
}

/// Contour plots: `ContourPlot(f: { x, y in ... }, x: -3...3, y: -3...3, levels: 8)`; `filled: true` adds a heatmap beneath.
public struct ContourPlot: PlotBuilder {
    public var axes: Axes
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, width: Double = 640, height: Double = 400) {
        axes = Axes(title: title, xLabel: xLabel, yLabel: yLabel); axes.width = width; axes.height = height; axes.kind = "Contour plot"
    }
    public init(f: (Double, Double) -> Double, x: ClosedRange<Double>, y: ClosedRange<Double>, levels: Int = 8, resolution: Int = 80,
                filled: Bool = false, labels: Bool = false, colorMap: ColorMap = .viridis, valueLabel: String? = nil,
                title: String? = nil, xLabel: String? = "x", yLabel: String? = "y") {
        self.init(title: title, xLabel: xLabel, yLabel: yLabel)
        if filled { self = heatmap(f: f, x: x, y: y, resolution: resolution, colorMap: colorMap, valueLabel: valueLabel) }
        self = contour(f: f, x: x, y: y, levels: levels, resolution: resolution, colorMap: colorMap, valueLabel: valueLabel, labels: labels)
    }
}
