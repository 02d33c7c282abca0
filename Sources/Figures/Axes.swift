// The model behind every x-y plot: one `Axes` value holding marks (lines, points, bars, ...),
// axis settings and the input issues found while marks were added. The public plot types
// (LinePlot, ScatterPlot, Histogram, ...) are thin wrappers that share all builder methods
// through `PlotBuilder`, so a histogram can take an overlaid curve and a scatter an ellipse.

import Foundation

public enum AxisScale: Sendable { case linear, log }

/// Where the legend goes. `.auto` puts it inside the plot in the first corner free of data,
/// otherwise to the right of the plot, so it never covers data.
public enum LegendPlacement: Sendable { case auto, outside, hidden }

struct LineMark { var xs: [Double]; var ys: [Double]; var label: String?; var color: Color; var dashed: Bool; var markers: Bool; var width: Double }
struct PointGroup {
    var label: String?; var color: Color; var xs: [Double]; var ys: [Double]
    /// Drawn as rings: categories beyond the eight palette colours reuse a colour with a hollow marker,
    /// so ten Fashion-MNIST classes stay distinguishable without giving up the colour-blind-safe palette.
    var hollow = false
}
struct ColorBarSpec {
    var map: ColorMap; var lo: Double; var hi: Double; var label: String?; var levels: [Double]?
    /// Start of the map actually used: contour lines skip the darkest 30 % of viridis, which vanishes on dark pages.
    var t0 = 0.0
    func color(_ t: Double) -> Color { map.color(t0 + (1 - t0) * t) }
}
struct PointsMark { var groups: [PointGroup]; var size: Double; var opacity: Double; var colorBar: ColorBarSpec? }
struct DataRect { var x0, x1, y0, y1: Double }
struct RectsMark { var rects: [DataRect]; var label: String?; var color: Color; var opacity: Double }
struct BarsMark { var categories: [String]; var values: [Double]; var errors: [Double]?; var label: String?; var color: Color }
struct BandMark { var xs: [Double]; var lo: [Double]; var hi: [Double]; var mean: [Double]?; var label: String?; var color: Color }
struct HeatmapMark { var nx: Int; var ny: Int; var values: [Double]; var x0, x1, y0, y1: Double; var rowZeroAtTop: Bool; var bar: ColorBarSpec }
struct ContourLevel { var level: Double; var polylines: [[(Double, Double)]] }
struct ContourMark { var levels: [ContourLevel]; var bar: ColorBarSpec; var x0, x1, y0, y1: Double; var labels = false }
struct EllipseMark { var mean: (Double, Double); var rings: [(sigma: Double, points: [(Double, Double)])]; var label: String?; var color: Color }
struct TextMark { var x: Double; var y: Double; var text: String; var anchor: String; var color: Color }
struct ArrowMark { var from: (Double, Double); var to: (Double, Double); var text: String?; var color: Color }
struct RefLineMark { var vertical: Bool; var value: Double; var label: String?; var color: Color }

enum Mark {
    case line(LineMark), points(PointsMark), rects(RectsMark), bars(BarsMark), band(BandMark)
    case heatmap(HeatmapMark), contour(ContourMark), ellipses(EllipseMark)
    case text(TextMark), arrow(ArrowMark), refLine(RefLineMark)
}

/// One set of axes with its marks: the value every plot type wraps.
public struct Axes: IssueReporting {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var width: Double = 640
    public var height: Double = 400
    public var xScale: AxisScale = .linear
    public var yScale: AxisScale = .linear
    /// Fixed ranges; nil means fitted to the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var equalAspect = false
    public var legend: LegendPlacement = .auto
    /// The `<desc>`; generated from the marks when nil.
    public var summary: String?
    public private(set) var issues: [FigureIssue] = []
    /// Kind of plot, for the generated description ("Line plot", "Scatter plot", ...).
    var kind = "Plot"
    var marks: [Mark] = []
    var nextColor = 0
    var yInverted = false
    var integerTicksX = false
    var integerTicksY = false

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
    }

    mutating func issue(_ e: FigureError, _ s: FigureIssue.Severity) { issues.append(FigureIssue(severity: s, error: e)) }

    mutating func takeColor(_ c: Color?) -> Color {
        if let c { return c }
        defer { nextColor += 1 }
        return Palette.color(nextColor)
    }

    /// Name used in messages: `line "VAE"` or `line 2`.
    func name(_ kind: String, _ label: String?) -> String {
        if let label, !label.isEmpty { return "\(kind) \"\(label)\"" }
        return "\(kind) \(marks.count + 1)"
    }
}

/// Anything built on one `Axes`; gives every plot type the same chainable methods.
public protocol PlotBuilder: SVGConvertible, IssueReporting {
    var axes: Axes { get set }
}

extension PlotBuilder {
    /// Input problems, including those that depend on axis settings (log axes, ranges).
    public var issues: [FigureIssue] { Panel(axes).allIssues }
    public func svgString() -> String { PlotRenderer.render(axes) }

    func with(_ f: (inout Axes) -> Void) -> Self { var c = self; f(&c.axes); return c }

    // MARK: axis options

    public func xRange(_ r: ClosedRange<Double>) -> Self { with { $0.xRange = r } }
    public func yRange(_ r: ClosedRange<Double>) -> Self { with { $0.yRange = r } }
    public func logX(_ on: Bool = true) -> Self { with { $0.xScale = on ? .log : .linear } }
    public func logY(_ on: Bool = true) -> Self { with { $0.yScale = on ? .log : .linear } }
    /// One unit on x is as long as one unit on y (the data range is widened, never cut).
    public func equalAspect(_ on: Bool = true) -> Self { with { $0.equalAspect = on } }
    public func size(width: Double, height: Double) -> Self {
        with { a in
            if width.isFinite && height.isFinite && width >= 120 && height >= 100 { a.width = width; a.height = height }
            else { a.issue(.invalidArgument("size \(width)x\(height) is too small or not finite; kept \(Int(a.width))x\(Int(a.height))"), .warning) }
        }
    }
    public func legend(_ p: LegendPlacement) -> Self { with { $0.legend = p } }
    public func title(_ t: String) -> Self { with { $0.title = t } }
    public func xLabel(_ t: String) -> Self { with { $0.xLabel = t } }
    public func yLabel(_ t: String) -> Self { with { $0.yLabel = t } }
    /// The text of `<desc>` (what a screen reader says about the figure).
    public func description(_ d: String) -> Self { with { $0.summary = d } }

    // MARK: lines

    /// A line through (x[i], y[i]). NaN/Inf points leave a gap.
    public func line<T: BinaryFloatingPoint, U: BinaryFloatingPoint>(x: [T], y: [U], label: String? = nil, markers: Bool = false,
                                                                      dashed: Bool = false, color: Color? = nil, width: Double = 2) -> Self {
        with { a in
            let n = a.name("line", label)
            guard x.count == y.count else {
                a.issue(.lengthMismatch("\(n): x has \(x.count) values but y has \(y.count); not drawn"), .error); return
            }
            guard !x.isEmpty else { a.issue(.emptySeries("\(n) is empty; not drawn"), .error); return }
            let xs = x.map(Double.init), ys = y.map(Double.init)
            let bad = zip(xs, ys).filter { !$0.0.isFinite || !$0.1.isFinite }.count
            if bad > 0 { a.issue(.nonFinite("\(n): \(bad) NaN/Inf point\(bad == 1 ? "" : "s") left as gap\(bad == 1 ? "" : "s")"), .warning) }
            a.marks.append(.line(LineMark(xs: xs, ys: ys, label: label, color: a.takeColor(color), dashed: dashed, markers: markers, width: width)))
        }
    }

    /// A line through y[i] at x = 0, 1, 2, ...
    public func line<T: BinaryFloatingPoint>(y: [T], label: String? = nil, markers: Bool = false, dashed: Bool = false, color: Color? = nil) -> Self {
        line(x: (0..<y.count).map { Double($0) }, y: y, label: label, markers: markers, dashed: dashed, color: color)
    }

    /// The graph of `f` over `x`, sampled at `samples` points (NaN/Inf results leave gaps).
    public func curve(label: String? = nil, x: ClosedRange<Double>, samples: Int = 200, dashed: Bool = false,
                      color: Color? = nil, _ f: (Double) -> Double) -> Self {
        guard x.upperBound > x.lowerBound, samples >= 2 else {
            return with { $0.issue(.zeroWidthRange("curve \(label ?? ""): range \(x) has no width (or fewer than 2 samples); not drawn"), .error) }
        }
        let xs = (0..<samples).map { x.lowerBound + (x.upperBound - x.lowerBound) * Double($0) / Double(samples - 1) }
        return line(x: xs, y: xs.map(f), label: label, dashed: dashed, color: color)
    }

    /// A shaded band between `lower` and `upper` (e.g. mean - sd ... mean + sd).
    public func band<T: BinaryFloatingPoint>(x: [T], lower: [T], upper: [T], label: String? = nil, color: Color? = nil) -> Self {
        addBand(x: x.map(Double.init), lo: lower.map(Double.init), hi: upper.map(Double.init), mean: nil, label: label, color: color)
    }

    /// The mean as a line with a band of mean -/+ `k` standard deviations around it.
    public func band<T: BinaryFloatingPoint>(x: [T], mean: [T], sd: [T], k: Double = 1, label: String? = nil, color: Color? = nil) -> Self {
        let m = mean.map(Double.init), s = sd.map(Double.init)
        guard m.count == s.count else {
            return with { $0.issue(.lengthMismatch("\($0.name("band", label)): mean has \(m.count) values but sd has \(s.count); not drawn"), .error) }
        }
        return addBand(x: x.map(Double.init), lo: zip(m, s).map { $0 - k * $1 }, hi: zip(m, s).map { $0 + k * $1 }, mean: m, label: label, color: color)
    }

    func addBand(x: [Double], lo: [Double], hi: [Double], mean: [Double]?, label: String?, color: Color?) -> Self {
        with { a in
            let n = a.name("band", label)
            guard x.count == lo.count, x.count == hi.count else {
                a.issue(.lengthMismatch("\(n): x has \(x.count) values, bounds have \(lo.count) and \(hi.count); not drawn"), .error); return
            }
            guard !x.isEmpty else { a.issue(.emptySeries("\(n) is empty; not drawn"), .error); return }
            let bad = (0..<x.count).filter { !x[$0].isFinite || !lo[$0].isFinite || !hi[$0].isFinite }.count
            if bad > 0 { a.issue(.nonFinite("\(n): \(bad) NaN/Inf point\(bad == 1 ? "" : "s") left as gap\(bad == 1 ? "" : "s")"), .warning) }
            a.marks.append(.band(BandMark(xs: x, lo: lo, hi: hi, mean: mean, label: label, color: a.takeColor(color))))
        }
    }

    // MARK: points

    /// Points in one colour.
    public func points<T: BinaryFloatingPoint, U: BinaryFloatingPoint>(x: [T], y: [U], label: String? = nil, color: Color? = nil,
                                                                        size: Double = 4, opacity: Double = 0.8) -> Self {
        with { a in
            guard let (xs, ys) = a.checkedPoints(x, y, label) else { return }
            a.marks.append(.points(PointsMark(groups: [PointGroup(label: label, color: a.takeColor(color), xs: xs, ys: ys)],
                                              size: size, opacity: opacity, colorBar: nil)))
        }
    }

    /// Points coloured by category, with a legend; categories are sorted.
    public func points<T: BinaryFloatingPoint, U: BinaryFloatingPoint, C: Hashable & Comparable>(x: [T], y: [U], category: [C],
                                                                                                 size: Double = 4, opacity: Double = 0.8) -> Self {
        categorized(x: x, y: y, category: category, order: Array(Set(category)).sorted(), size: size, opacity: opacity)
    }

    /// Points coloured by category, in order of first appearance, with a legend.
    public func points<T: BinaryFloatingPoint, U: BinaryFloatingPoint, C: Hashable>(x: [T], y: [U], category: [C],
                                                                                    size: Double = 4, opacity: Double = 0.8) -> Self {
        var seen = Set<C>(), order: [C] = []
        for c in category where seen.insert(c).inserted { order.append(c) }
        return categorized(x: x, y: y, category: category, order: order, size: size, opacity: opacity)
    }

    func categorized<T: BinaryFloatingPoint, U: BinaryFloatingPoint, C: Hashable>(x: [T], y: [U], category: [C], order: [C],
                                                                                  size: Double, opacity: Double) -> Self {
        with { a in
            guard category.count == x.count else {
                a.issue(.lengthMismatch("points: \(x.count) x values but \(category.count) categories; not drawn"), .error); return
            }
            guard let (xs, ys) = a.checkedPoints(x, y, nil, keepNaN: true) else { return }
            var index = [C: Int]()
            for (i, c) in order.enumerated() { index[c] = i }
            var groups = order.map { PointGroup(label: String(describing: $0), color: .foreground, xs: [], ys: []) }
            for i in 0..<xs.count where xs[i].isFinite && ys[i].isFinite {
                let g = index[category[i]]!
                groups[g].xs.append(xs[i]); groups[g].ys.append(ys[i])
            }
            for g in groups.indices {
                groups[g].hollow = (a.nextColor / Palette.okabeIto.count) % 2 == 1
                groups[g].color = a.takeColor(nil)
            }
            a.marks.append(.points(PointsMark(groups: groups, size: size, opacity: opacity, colorBar: nil)))
        }
    }

    /// Points coloured by a value through a colour map, with a colour bar.
    public func points<T: BinaryFloatingPoint, U: BinaryFloatingPoint, V: BinaryFloatingPoint>(x: [T], y: [U], value: [V], colorMap: ColorMap = .viridis,
                                                                                               valueLabel: String? = nil, size: Double = 4, opacity: Double = 0.85) -> Self {
        with { a in
            guard value.count == x.count else {
                a.issue(.lengthMismatch("points: \(x.count) x values but \(value.count) colour values; not drawn"), .error); return
            }
            guard let (xs, ys) = a.checkedPoints(x, y, valueLabel, keepNaN: true) else { return }
            let vs = value.map(Double.init)
            let finite = vs.filter { $0.isFinite }
            guard var lo = finite.min(), var hi = finite.max() else {
                a.issue(.nonFinite("points: no finite colour values; not drawn"), .error); return
            }
            if colorMap == .coolWarm { let m = max(abs(lo), abs(hi)); lo = -m; hi = m }  // diverging: 0 is the neutral middle
            if hi == lo { lo -= 0.5; hi += 0.5 }
            // Quantise to 32 colours: one path per colour keeps 10k points small, and 32 steps are
            // finer than the eye separates on a colour bar.
            let steps = 32
            let cols = colorMap.samples(steps)
            var groups = cols.map { PointGroup(label: nil, color: $0, xs: [], ys: []) }
            var badColour = 0
            for i in 0..<xs.count where xs[i].isFinite && ys[i].isFinite {
                guard vs[i].isFinite else { badColour += 1; continue }
                let k = safeInt(((vs[i] - lo) / (hi - lo) * Double(steps - 1)).rounded(), 0...(steps - 1))
                groups[k].xs.append(xs[i]); groups[k].ys.append(ys[i])
            }
            if badColour > 0 { a.issue(.nonFinite("points: \(badColour) NaN/Inf colour value\(badColour == 1 ? "" : "s"); those points dropped"), .warning) }
            a.marks.append(.points(PointsMark(groups: groups.filter { !$0.xs.isEmpty }, size: size, opacity: opacity,
                                              colorBar: ColorBarSpec(map: colorMap, lo: lo, hi: hi, label: valueLabel, levels: nil))))
        }
    }

    // MARK: bars and histograms

    /// Bars over named categories; several calls give grouped bars. `errors` draws +- error bars.
    public func bars<T: BinaryFloatingPoint>(categories: [String], values: [T], errors: [T]? = nil, label: String? = nil, color: Color? = nil) -> Self {
        with { a in
            let n = a.name("bars", label)
            guard categories.count == values.count else {
                a.issue(.lengthMismatch("\(n): \(categories.count) categories but \(values.count) values; not drawn"), .error); return
            }
            if let e = errors, e.count != values.count {
                a.issue(.lengthMismatch("\(n): \(values.count) values but \(e.count) errors; not drawn"), .error); return
            }
            guard !values.isEmpty else { a.issue(.emptySeries("\(n) is empty; not drawn"), .error); return }
            let vs = values.map(Double.init)
            let bad = vs.filter { !$0.isFinite }.count
            if bad > 0 { a.issue(.nonFinite("\(n): \(bad) NaN/Inf value\(bad == 1 ? "" : "s") drawn as missing bars"), .warning) }
            a.marks.append(.bars(BarsMark(categories: categories, values: vs, errors: errors?.map(Double.init), label: label, color: a.takeColor(color))))
            a.integerTicksX = true
        }
    }

    /// A histogram of `values`: counts, or a density that integrates to 1. NaN/Inf values are dropped (noted).
    /// `bins` defaults to the Freedman-Diaconis rule (clamped to 5...100).
    public func histogram<T: BinaryFloatingPoint>(_ values: [T], bins: Int? = nil, range: ClosedRange<Double>? = nil,
                                                  density: Bool = false, label: String? = nil, color: Color? = nil) -> Self {
        with { a in
            let n = a.name("histogram", label)
            let all = values.map(Double.init)
            var vs = all.filter { $0.isFinite }
            if vs.count < all.count { a.issue(.nonFinite("\(n): \(all.count - vs.count) NaN/Inf value\(all.count - vs.count == 1 ? "" : "s") dropped"), .warning) }
            guard !vs.isEmpty else { a.issue(.emptySeries("\(n) has no finite values; not drawn"), .error); return }
            var lo = range?.lowerBound ?? vs.min()!, hi = range?.upperBound ?? vs.max()!
            if let r = range, !(r.upperBound > r.lowerBound) || !r.lowerBound.isFinite || !r.upperBound.isFinite {
                a.issue(.zeroWidthRange("\(n): range \(r) has no width; not drawn"), .error); return
            }
            if range != nil { vs = vs.filter { $0 >= lo && $0 <= hi } }
            if hi == lo { lo -= 0.5; hi += 0.5 }
            var k = bins ?? {
                let s = vs.sorted()
                let iqr = s[(s.count * 3) / 4] - s[s.count / 4]
                guard iqr > 0 else { return max(5, min(100, Int(Double(s.count).squareRoot()))) }
                let w = 2 * iqr / cbrt(Double(s.count))
                return safeInt(((hi - lo) / w).rounded(.up), 1...10_000)
            }()
            if bins != nil && k < 1 { a.issue(.invalidArgument("\(n): \(k) bins; using 1"), .warning) }
            k = max(bins == nil ? 5 : 1, min(bins == nil ? 100 : 10_000, k))
            var counts = [Int](repeating: 0, count: k)
            let w = (hi - lo) / Double(k)
            for v in vs { counts[safeInt((v - lo) / w, 0...(k - 1))] += 1 }
            let scale = density ? 1 / (Double(vs.count) * w) : 1
            let rects = (0..<k).map { DataRect(x0: lo + Double($0) * w, x1: lo + Double($0 + 1) * w, y0: 0, y1: Double(counts[$0]) * scale) }
            a.marks.append(.rects(RectsMark(rects: rects, label: label, color: a.takeColor(color), opacity: 0.55)))
        }
    }

    // MARK: Gaussians, reference lines, annotations

    /// The 1-, 2- and 3-sigma ellipses of a 2-D Gaussian: the curves at Mahalanobis distance
    /// 1, 2, 3 from the mean (they hold 39 %, 86 % and 99 % of the mass in 2-D).
    public func gaussianEllipses<T: BinaryFloatingPoint>(mean: [T], covariance: [[T]], sigmas: [Double] = [1, 2, 3],
                                                         label: String? = nil, color: Color? = nil) -> Self {
        with { a in
            let n = a.name("ellipses", label)
            guard mean.count == 2, covariance.count == 2, covariance.allSatisfy({ $0.count == 2 }) else {
                a.issue(.lengthMismatch("\(n): need a mean of 2 values and a 2x2 covariance; not drawn"), .error); return
            }
            let m = (Double(mean[0]), Double(mean[1]))
            let sa = Double(covariance[0][0]), sb = Double(covariance[0][1]), sb2 = Double(covariance[1][0]), sc = Double(covariance[1][1])
            guard [m.0, m.1, sa, sb, sb2, sc].allSatisfy({ $0.isFinite }) else {
                a.issue(.nonFinite("\(n): NaN/Inf in mean or covariance; not drawn"), .error); return
            }
            guard abs(sb - sb2) <= 1e-9 * max(1, abs(sb)) else {
                a.issue(.invalidArgument("\(n): covariance is not symmetric; not drawn"), .error); return
            }
            // Eigen-decomposition of the symmetric 2x2 matrix.
            let mid = (sa + sc) / 2, rad = (((sa - sc) / 2) * ((sa - sc) / 2) + sb * sb).squareRoot()
            let l1 = mid + rad, l2 = mid - rad
            guard l2 > 0 else {
                a.issue(.invalidArgument("\(n): covariance is not positive definite (eigenvalues \(l1), \(l2)); not drawn"), .error); return
            }
            let th = 0.5 * atan2(2 * sb, sa - sc)
            let r1 = l1.squareRoot(), r2 = l2.squareRoot()
            var rings: [(sigma: Double, points: [(Double, Double)])] = []
            for k in sigmas where k > 0 && k.isFinite {
                let pts = (0..<96).map { i -> (Double, Double) in
                    let t = Double(i) / 96 * 2 * Double.pi
                    let u = k * r1 * cos(t), v = k * r2 * sin(t)
                    return (m.0 + u * cos(th) - v * sin(th), m.1 + u * sin(th) + v * cos(th))
                }
                rings.append((k, pts))
            }
            a.marks.append(.ellipses(EllipseMark(mean: m, rings: rings, label: label, color: a.takeColor(color))))
        }
    }

    /// A horizontal reference line across the plot.
    public func hline(_ y: Double, label: String? = nil, color: Color = .foreground) -> Self {
        with { a in
            guard y.isFinite else { a.issue(.nonFinite("hline at \(y); not drawn"), .error); return }
            a.marks.append(.refLine(RefLineMark(vertical: false, value: y, label: label, color: color)))
        }
    }

    /// A vertical reference line across the plot.
    public func vline(_ x: Double, label: String? = nil, color: Color = .foreground) -> Self {
        with { a in
            guard x.isFinite else { a.issue(.nonFinite("vline at \(x); not drawn"), .error); return }
            a.marks.append(.refLine(RefLineMark(vertical: true, value: x, label: label, color: color)))
        }
    }

    /// Text at a data position; `anchor` is "start", "middle" or "end". Supports `z_1`, `\mu` markup.
    public func text(_ s: String, x: Double, y: Double, anchor: String = "start", color: Color = .foreground) -> Self {
        with { a in
            guard x.isFinite, y.isFinite else { a.issue(.nonFinite("text \"\(s)\" at non-finite position; not drawn"), .error); return }
            a.marks.append(.text(TextMark(x: x, y: y, text: s, anchor: ["start", "middle", "end"].contains(anchor) ? anchor : "start", color: color)))
        }
    }

    /// An arrow between two data positions, with optional text at its tail.
    public func arrow(from: (Double, Double), to: (Double, Double), text: String? = nil, color: Color = .foreground) -> Self {
        with { a in
            guard [from.0, from.1, to.0, to.1].allSatisfy({ $0.isFinite }) else {
                a.issue(.nonFinite("arrow with non-finite end; not drawn"), .error); return
            }
            a.marks.append(.arrow(ArrowMark(from: from, to: to, text: text, color: color)))
        }
    }
}

extension Axes {
    /// Converts and checks an x/y pair for point marks; nil (with an error issue) when unusable.
    mutating func checkedPoints<T: BinaryFloatingPoint, U: BinaryFloatingPoint>(_ x: [T], _ y: [U], _ label: String?, keepNaN: Bool = false) -> ([Double], [Double])? {
        let n = name("points", label)
        guard x.count == y.count else {
            issue(.lengthMismatch("\(n): x has \(x.count) values but y has \(y.count); not drawn"), .error); return nil
        }
        guard !x.isEmpty else { issue(.emptySeries("\(n) is empty; not drawn"), .error); return nil }
        var xs = x.map(Double.init), ys = y.map(Double.init)
        let bad = zip(xs, ys).filter { !$0.0.isFinite || !$0.1.isFinite }.count
        if bad > 0 {
            issue(.nonFinite("\(n): \(bad) NaN/Inf point\(bad == 1 ? "" : "s") dropped"), .warning)
            if !keepNaN {
                let keep = (0..<xs.count).filter { xs[$0].isFinite && ys[$0].isFinite }
                xs = keep.map { xs[$0] }; ys = keep.map { ys[$0] }
            }
        }
        return (xs, ys)
    }
}

/// A general plot: start empty and add any marks.
public struct Plot: PlotBuilder {
    public var axes: Axes
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, width: Double = 640, height: Double = 400) {
        axes = Axes(title: title, xLabel: xLabel, yLabel: yLabel); axes.width = width; axes.height = height
    }
}

/// Line plots: `LinePlot(title:xLabel:yLabel:).line(x:y:label:)`, several series, optional markers, bands.
public struct LinePlot: PlotBuilder {
    public var axes: Axes
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, width: Double = 640, height: Double = 400) {
        axes = Axes(title: title, xLabel: xLabel, yLabel: yLabel); axes.width = width; axes.height = height; axes.kind = "Line plot"
    }
}

/// Scatter plots: `.points(x:y:)`, `.points(x:y:category:)` (legend) or `.points(x:y:value:)` (colour bar).
public struct ScatterPlot: PlotBuilder {
    public var axes: Axes
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, width: Double = 640, height: Double = 400) {
        axes = Axes(title: title, xLabel: xLabel, yLabel: yLabel); axes.width = width; axes.height = height; axes.kind = "Scatter plot"
    }
}

/// Histograms: `Histogram(values, bins: 30, density: true)`, then e.g. `.curve(x:) { pdf($0) }`.
public struct Histogram: PlotBuilder {
    public var axes: Axes
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, width: Double = 640, height: Double = 400) {
        axes = Axes(title: title, xLabel: xLabel, yLabel: yLabel); axes.width = width; axes.height = height; axes.kind = "Histogram"
    }
    public init<T: BinaryFloatingPoint>(_ values: [T], bins: Int? = nil, density: Bool = false, label: String? = nil,
                                        title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) {
        self.init(title: title, xLabel: xLabel, yLabel: yLabel ?? (density ? "density" : "count"))
        self = histogram(values, bins: bins, density: density, label: label)
    }
}

/// Bar charts over named categories: `BarChart(categories:values:)`, more series with `.bars(...)`.
public struct BarChart: PlotBuilder {
    public var axes: Axes
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, width: Double = 640, height: Double = 400) {
        axes = Axes(title: title, xLabel: xLabel, yLabel: yLabel); axes.width = width; axes.height = height; axes.kind = "Bar chart"
    }
    public init<T: BinaryFloatingPoint>(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                                        categories: [String], values: [T], errors: [T]? = nil, label: String? = nil) {
        self.init(title: title, xLabel: xLabel, yLabel: yLabel)
        self = bars(categories: categories, values: values, errors: errors, label: label)
    }
}
