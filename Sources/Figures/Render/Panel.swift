// A panel prepared for drawing (marks, bounds, legend entries, issues) and its layout types.
// `Subplots` reuses the same steps with margins and domains shared across panels.

import Foundation

struct Rect {
    var x, y, w, h: Double
    var maxX: Double { x + w }
    var maxY: Double { y + h }
    func contains(_ px: Double, _ py: Double) -> Bool { px >= x && px <= maxX && py >= y && py <= maxY }
    func intersects(_ o: Rect) -> Bool { x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY }
}

/// Settings a Subplots grid imposes on each panel so plot areas line up.
struct SharedLayout {
    var left: Double, right: Double, top: Double, bottom: Double
    var xDomain: (Double, Double)?
    var yDomain: (Double, Double)?
    var showXTickLabels = true
    var showYTickLabels = true
    var showXLabel = true
    var showYLabel = true
}

enum LegendSymbol { case line(Color, dashed: Bool, markers: Bool), patch(Color, opacity: Double), point(Color, hollow: Bool), ring(Color) }
struct LegendEntry { var label: String; var symbol: LegendSymbol }

let tickFont = 12.0, labelFont = 13.0, titleFont = 15.0, legendFont = 12.0, noteFont = 11.0

/// A panel prepared for drawing: marks, data bounds, legend, colour bar and issues, all derived from `Axes`.
struct Panel {
    let a: Axes
    var legend: [LegendEntry] = []
    var colorBar: ColorBarSpec?
    var xBounds: (Double, Double)?
    var yBounds: (Double, Double)?
    var padX = false, padY = false, zeroY = false
    var categories: [String] = []
    var barSeries = 0
    var renderIssues: [FigureIssue] = []
    var hasHeatmap = false

    init(_ axes: Axes) {
        var a = axes
        // A heatmap image is stretched linearly over its extent; on a log axis it would lie about where
        // values are, so log scales are dropped (and noted) for plots that hold one.
        let heatmapOnLog = a.marks.contains { if case .heatmap = $0 { return true }; return false } && (a.xScale == .log || a.yScale == .log)
        if heatmapOnLog { a.xScale = .linear; a.yScale = .linear }
        self.a = a
        if heatmapOnLog { renderIssues.append(FigureIssue(severity: .warning, error: .invalidArgument("log axes are not supported with a heatmap; drawn linear"))) }
        let xlog = a.xScale == .log, ylog = a.yScale == .log
        var xlo = Double.infinity, xhi = -Double.infinity, ylo = Double.infinity, yhi = -Double.infinity
        var hiddenX = 0, hiddenY = 0
        func addX(_ v: Double, pad: Bool = true) {
            guard v.isFinite else { return }
            if xlog && v <= 0 { hiddenX += 1; return }
            xlo = min(xlo, v); xhi = max(xhi, v); if pad { padX = true }
        }
        func addY(_ v: Double, pad: Bool = true) {
            guard v.isFinite else { return }
            if ylog && v <= 0 { hiddenY += 1; return }
            ylo = min(ylo, v); yhi = max(yhi, v); if pad { padY = true }
        }
        for m in a.marks {
            switch m {
            case .line(let l):
                for i in 0..<l.xs.count where l.xs[i].isFinite && l.ys[i].isFinite { addX(l.xs[i]); addY(l.ys[i]) }
                if let s = l.label { legend.append(LegendEntry(label: s, symbol: .line(l.color, dashed: l.dashed, markers: l.markers))) }
            case .points(let p):
                for g in p.groups {
                    for i in 0..<g.xs.count where g.xs[i].isFinite && g.ys[i].isFinite { addX(g.xs[i]); addY(g.ys[i]) }
                    if let s = g.label, p.colorBar == nil { legend.append(LegendEntry(label: s, symbol: .point(g.color, hollow: g.hollow))) }
                }
                if let cb = p.colorBar, colorBar == nil { colorBar = cb }
            case .rects(let r):
                for d in r.rects { addX(d.x0, pad: false); addX(d.x1, pad: false); addY(d.y1) }
                if !ylog { zeroY = true }
                if let s = r.label { legend.append(LegendEntry(label: s, symbol: .patch(r.color, opacity: r.opacity))) }
            case .bars(let b):
                for c in b.categories where !categories.contains(c) { categories.append(c) }
                for (i, v) in b.values.enumerated() { addY(v + (b.errors?[i] ?? 0)); addY(v - (b.errors?[i] ?? 0)) }
                if !ylog { zeroY = true }
                barSeries += 1
                if let s = b.label { legend.append(LegendEntry(label: s, symbol: .patch(b.color, opacity: 0.85))) }
            case .band(let b):
                for i in 0..<b.xs.count where b.xs[i].isFinite && b.lo[i].isFinite && b.hi[i].isFinite { addX(b.xs[i]); addY(b.lo[i]); addY(b.hi[i]) }
                if let s = b.label { legend.append(LegendEntry(label: s, symbol: b.mean == nil ? .patch(b.color, opacity: 0.25) : .line(b.color, dashed: false, markers: false))) }
            case .heatmap(let h):
                addX(h.x0, pad: false); addX(h.x1, pad: false); addY(h.y0, pad: false); addY(h.y1, pad: false)
                colorBar = h.bar; hasHeatmap = true
            case .contour(let c):
                addX(c.x0, pad: false); addX(c.x1, pad: false); addY(c.y0, pad: false); addY(c.y1, pad: false)
                if colorBar == nil { colorBar = c.bar }
            case .ellipses(let e):
                for r in e.rings { for p in r.points { addX(p.0); addY(p.1) } }
                addX(e.mean.0); addY(e.mean.1)
                if let s = e.label { legend.append(LegendEntry(label: s, symbol: .ring(e.color))) }
            case .text, .arrow, .refLine: break  // annotations never stretch the axes
            }
        }
        if !categories.isEmpty { addX(-0.5, pad: false); addX(Double(categories.count) - 0.5, pad: false) }
        if xlo <= xhi { xBounds = (xlo, xhi) }
        if ylo <= yhi { yBounds = (ylo, yhi) }
        if hiddenX > 0 { renderIssues.append(FigureIssue(severity: .warning, error: .nonPositiveOnLogAxis("log x axis: \(hiddenX) value\(hiddenX == 1 ? "" : "s") <= 0 hidden"))) }
        if hiddenY > 0 { renderIssues.append(FigureIssue(severity: .warning, error: .nonPositiveOnLogAxis("log y axis: \(hiddenY) value\(hiddenY == 1 ? "" : "s") <= 0 hidden"))) }
        if let r = a.xRange { checkRange(r, log: xlog, axis: "x") }
        if let r = a.yRange { checkRange(r, log: ylog, axis: "y") }
        if a.marks.isEmpty && a.issues.isEmpty { renderIssues.append(FigureIssue(severity: .warning, error: .emptySeries("no data to plot"))) }
    }

    mutating func checkRange(_ r: ClosedRange<Double>, log: Bool, axis: String) {
        if !(r.upperBound > r.lowerBound) || !r.lowerBound.isFinite || !r.upperBound.isFinite {
            renderIssues.append(FigureIssue(severity: .error, error: .zeroWidthRange("\(axis) range \(r) has no width; fitted to the data instead")))
        } else if log && r.lowerBound <= 0 {
            renderIssues.append(FigureIssue(severity: .error, error: .nonPositiveOnLogAxis("log \(axis) range \(r) starts at or below 0; fitted to the data instead")))
        }
    }

    var allIssues: [FigureIssue] { a.issues + renderIssues }

    /// Domain for one axis: the user's range if valid, else the data padded by 4 % (not past a bar baseline).
    static func domain(bounds: (Double, Double)?, user: ClosedRange<Double>?, log: Bool, pad: Bool, zero: Bool) -> (Double, Double) {
        if let r = user, r.upperBound > r.lowerBound, r.lowerBound.isFinite, r.upperBound.isFinite, !log || r.lowerBound > 0 {
            return (r.lowerBound, r.upperBound)
        }
        guard var (lo, hi) = bounds else { return log ? (1, 10) : (0, 1) }
        if zero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi == lo {
            // No spread: a documented +-0.5 (or +-10 %) window around the value.
            if log { lo /= 2; hi *= 2 } else { let d = lo == 0 ? 0.5 : abs(lo) * 0.1; lo -= d; hi += d }
            return (lo, hi)
        }
        guard pad, (hi - lo).isFinite else { return (lo, hi) }  // no padding past the largest double
        if log {
            let l0 = log10(lo), l1 = log10(hi), p = (l1 - l0) * 0.04
            return (pow(10, l0 - p), pow(10, l1 + p))
        }
        let p = (hi - lo) * 0.04
        return (zero && lo == 0 ? 0 : lo - p, zero && hi == 0 ? 0 : hi + p)
    }
}

/// Everything about a panel's geometry once margins and domains are fixed.
struct Layout {
    var frame: Rect
    var plot: Rect
    var xs: Scale, ys: Scale
    var xTicks: [Double], yTicks: [Double]
    var xTickLabels: [String], yTickLabels: [String]
    var legendRect: Rect?
    var colorBarRect: Rect?
    var shared: SharedLayout?
}
