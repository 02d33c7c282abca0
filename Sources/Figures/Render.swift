// Rendering one `Axes` (a panel) into SVG: domains, margins, ticks, marks, legend, colour bar, notes.
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

enum PlotRenderer {
    static func render(_ a: Axes) -> String {
        let p = Panel(a)
        let k = layoutScale(a.width)
        let frame = Rect(x: 0, y: 0, w: a.width / k, h: a.height / k)
        let lay = layout(p, frame: frame, shared: nil)
        let body = draw(p, lay, index: 0)
        return svgDocument(width: a.width, height: a.height, title: a.title ?? a.kind, desc: describe(p, lay), body: body, scale: k)
    }

    static func legendSize(_ p: Panel) -> (Double, Double) {
        let w = (p.legend.map { textWidth($0.label, legendFont) }.max() ?? 0) + 46
        return (w, Double(p.legend.count) * 18 + 10)
    }

    static func colorBarWidth(_ p: Panel) -> Double {
        guard let cb = p.colorBar else { return 0 }
        let labels = Ticks.labels(Ticks.linear(cb.lo, cb.hi, count: 5), log: false)
        return 14 + 6 + (labels.map { textWidth($0, tickFont) }.max() ?? 20) + (cb.label != nil ? 22 : 0) + 14
    }

    /// Vertical margins that do not depend on ticks.
    static func verticalMargins(_ p: Panel) -> (top: Double, bottom: Double) {
        let notes = min(p.allIssues.count, 3) + (p.allIssues.count > 3 ? 1 : 0)
        let top = p.a.title != nil ? 36.0 : 14
        var bottom = 10 + 20.0 + (p.a.xLabel != nil ? 22 : 0)
        bottom += Double(notes) * 15
        if !p.categories.isEmpty { bottom += 2 }
        return (top, bottom)
    }

    static func yTickInfo(_ p: Panel, domain: (Double, Double), height: Double) -> ([Double], [String]) {
        let log = p.a.yScale == .log
        let count = safeInt(height / 55, 2...50)
        let t = log ? Ticks.log(domain.0, domain.1, count: count) : Ticks.linear(domain.0, domain.1, count: count, integer: p.a.integerTicksY)
        return (t, Ticks.labels(t, log: log))
    }

    static func xTickInfo(_ p: Panel, domain: (Double, Double), width: Double) -> ([Double], [String]) {
        if !p.categories.isEmpty { return (p.categories.indices.map(Double.init), p.categories) }
        let log = p.a.xScale == .log
        let count = safeInt(width / 90, 2...50)
        let t = log ? Ticks.log(domain.0, domain.1, count: count) : Ticks.linear(domain.0, domain.1, count: count, integer: p.a.integerTicksX)
        return (t, Ticks.labels(t, log: log))
    }

    static func labelWidth(_ s: String) -> Double {
        // "10^-5" is drawn as 10 with a superscript.
        if let r = s.range(of: "^") { return textWidth(String(s[..<r.lowerBound]), tickFont) + textWidth(String(s[r.upperBound...]), tickFont * 0.75) }
        return textWidth(s, tickFont)
    }

    static func layout(_ p: Panel, frame: Rect, shared: SharedLayout?, forceOutsideLegend: Bool = false) -> Layout {
        let a = p.a
        var xd = shared?.xDomain ?? Panel.domain(bounds: p.xBounds, user: a.xRange, log: a.xScale == .log, pad: p.padX, zero: false)
        var yd = shared?.yDomain ?? Panel.domain(bounds: p.yBounds, user: a.yRange, log: a.yScale == .log, pad: p.padY, zero: p.zeroY)
        let (lw, lh) = legendSize(p)
        let legendOutside = !p.legend.isEmpty && a.legend != .hidden && (a.legend == .outside || forceOutsideLegend)
        let cbw = colorBarWidth(p)
        var top: Double, bottom: Double, left: Double, right: Double
        if let s = shared {
            top = s.top; bottom = s.bottom; left = s.left; right = s.right
        } else {
            (top, bottom) = verticalMargins(p)
            right = 18 + cbw + (legendOutside ? lw + 12 : 0)
            let (_, yl) = yTickInfo(p, domain: yd, height: frame.h - top - bottom)
            left = 10 + (a.yLabel != nil ? 22 : 0) + (yl.map(labelWidth).max() ?? 10) + 8
        }
        var plot = Rect(x: frame.x + left, y: frame.y + top, w: max(20, frame.w - left - right), h: max(20, frame.h - top - bottom))
        // Equal aspect widens a domain, so it applies only where no domain is shared with other panels.
        if a.equalAspect && shared?.xDomain == nil && shared?.yDomain == nil && a.xScale == .linear && a.yScale == .linear {
            // Widen the domain that has fewer units per pixel so both axes share one scale.
            let ux = (xd.1 - xd.0) / plot.w, uy = (yd.1 - yd.0) / plot.h
            if ux > uy { let c = (yd.0 + yd.1) / 2, h = ux * plot.h / 2; yd = (c - h, c + h) }
            else { let c = (xd.0 + xd.1) / 2, h = uy * plot.w / 2; xd = (c - h, c + h) }
        }
        let (yt, yl) = yTickInfo(p, domain: yd, height: plot.h)
        let (xt, xl) = xTickInfo(p, domain: xd, width: plot.w)
        // Keep the last x tick label inside the frame.
        if shared == nil, let last = xl.last, let lx = xt.last {
            let xs0 = Scale(d0: xd.0, d1: xd.1, r0: plot.x, r1: plot.maxX, log: a.xScale == .log)
            let overflow = xs0(lx) + labelWidth(last) / 2 + 4 - frame.maxX
            if overflow > 0 { plot.w -= overflow }
        }
        let xs = Scale(d0: xd.0, d1: xd.1, r0: plot.x, r1: plot.maxX, log: a.xScale == .log)
        let ys = a.yInverted ? Scale(d0: yd.0, d1: yd.1, r0: plot.y, r1: plot.maxY, log: a.yScale == .log)
                             : Scale(d0: yd.0, d1: yd.1, r0: plot.maxY, r1: plot.y, log: a.yScale == .log)
        var lay = Layout(frame: frame, plot: plot, xs: xs, ys: ys, xTicks: xt, yTicks: yt, xTickLabels: xl, yTickLabels: yl,
                         legendRect: nil, colorBarRect: nil, shared: shared)
        if p.colorBar != nil {
            lay.colorBarRect = Rect(x: plot.maxX + 14, y: plot.y + 4, w: 14, h: plot.h - 8)
        }
        if !p.legend.isEmpty && a.legend != .hidden {
            if legendOutside {
                lay.legendRect = Rect(x: plot.maxX + 12 + (p.colorBar != nil ? cbw : 0), y: plot.y, w: lw, h: lh)
            } else {
                let occ = Occupancy(p, lay)
                let cands = [Rect(x: plot.maxX - lw - 6, y: plot.y + 6, w: lw, h: lh), Rect(x: plot.x + 6, y: plot.y + 6, w: lw, h: lh),
                             Rect(x: plot.maxX - lw - 6, y: plot.maxY - lh - 6, w: lw, h: lh), Rect(x: plot.x + 6, y: plot.maxY - lh - 6, w: lw, h: lh)]
                if lw < plot.w * 0.6, lh < plot.h * 0.7, let free = cands.first(where: { !occ.hits($0) }) {
                    lay.legendRect = free
                } else if shared == nil && !forceOutsideLegend {
                    return layout(p, frame: frame, shared: shared, forceOutsideLegend: true)
                } else {
                    // In a shared grid there is no room outside: take the emptiest corner.
                    lay.legendRect = cands.min(by: { occ.count($0) < occ.count($1) })
                }
            }
        }
        return lay
    }

    // MARK: drawing

    static func draw(_ p: Panel, _ l: Layout, index: Int) -> String {
        let a = p.a
        var s = ""
        let clip = "§ID§-c\(index)"
        let pl = l.plot
        s += "<defs><clipPath id=\"\(clip)\"><rect x=\"\(num(pl.x))\" y=\"\(num(pl.y))\" width=\"\(num(pl.w))\" height=\"\(num(pl.h))\"/></clipPath>"
        if let cb = p.colorBar {
            s += "<linearGradient id=\"§ID§-g\(index)\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
            for i in 0...10 { s += "<stop offset=\"\(fixed(Double(i) / 10, 1))\" stop-color=\"\(cb.color(Double(i) / 10).svg)\"/>" }
            s += "</linearGradient>"
        }
        s += "</defs>\n"
        // Grid lines under the data.
        var grid = ""
        for t in l.xTicks where p.categories.isEmpty { let x = l.xs(t); if x >= pl.x - 0.5 && x <= pl.maxX + 0.5 { grid += "M\(num(x)) \(num(pl.y))V\(num(pl.maxY))" } }
        for t in l.yTicks { let y = l.ys(t); if y >= pl.y - 0.5 && y <= pl.maxY + 0.5 { grid += "M\(num(pl.x)) \(num(y))H\(num(pl.maxX))" } }
        if !grid.isEmpty && !p.hasHeatmap { s += "<path d=\"\(grid)\" stroke=\"currentColor\" stroke-opacity=\"0.1\" fill=\"none\"/>\n" }
        s += "<g clip-path=\"url(#\(clip))\">\n"
        var barIndex = 0
        for m in a.marks {
            switch m {
            case .heatmap(let h): s += drawHeatmap(h, l)
            default: break
            }
        }
        for m in a.marks {
            switch m {
            case .line(let ln): s += drawLine(ln, l)
            case .points(let pm): s += drawPoints(pm, l)
            case .rects(let r): s += drawRects(r, l)
            case .bars(let b): s += drawBars(b, l, p, index: barIndex); barIndex += 1
            case .band(let b): s += drawBand(b, l)
            case .contour(let c): s += drawContour(c, l, overHeatmap: p.hasHeatmap)
            case .ellipses(let e): s += drawEllipses(e, l)
            case .refLine(let r): s += drawRefLine(r, l)
            case .heatmap, .text, .arrow: break
            }
        }
        s += "</g>\n"
        for m in a.marks {
            switch m {
            case .text(let t): s += drawText(t, l)
            case .arrow(let ar): s += drawArrow(ar, l)
            default: break
            }
        }
        s += drawAxes(p, l)
        if let lr = l.legendRect { s += drawLegend(p.legend, lr) }
        if let cb = p.colorBar, let r = l.colorBarRect { s += drawColorBar(cb, r, gradient: "§ID§-g\(index)") }
        s += drawNotes(p.allIssues, l)
        return s
    }

    static func px(_ l: Layout, _ x: Double, _ y: Double) -> (Double, Double)? {
        guard l.xs.accepts(x), l.ys.accepts(y) else { return nil }
        return (l.xs(x), l.ys(y))
    }

    /// Polyline path data, broken at points that cannot be placed (NaN, <= 0 on log axes).
    static func polyline(_ pts: [(Double, Double)?]) -> String {
        var d = "", run: [(Double, Double)] = []
        func flush() {
            for (i, q) in decimate(run).enumerated() { d += (i == 0 ? "M" : "L") + num(q.0) + " " + num(q.1) }
            run.removeAll(keepingCapacity: true)
        }
        for q in pts { if let q { run.append(q) } else { flush() } }
        flush()
        return d
    }

    /// Fewer vertices, same picture: consecutive points that fall in the same half-pixel column keep
    /// only their first, lowest, highest and last point (the M4 rule), so a 10,000-step loss curve
    /// costs about four points per column instead of 10,000. Short runs are returned unchanged.
    static func decimate(_ run: [(Double, Double)]) -> [(Double, Double)] {
        guard run.count > 800 else { return run }
        var out: [(Double, Double)] = []
        out.reserveCapacity(run.count / 4)
        var i = 0
        while i < run.count {
            let col = (run[i].0 * 2).rounded(.down)
            var j = i, lo = i, hi = i
            while j + 1 < run.count && (run[j + 1].0 * 2).rounded(.down) == col {
                j += 1
                if run[j].1 < run[lo].1 { lo = j }
                if run[j].1 > run[hi].1 { hi = j }
            }
            for k in Set([i, lo, hi, j]).sorted() { out.append(run[k]) }
            i = j + 1
        }
        return out
    }

    static func drawLine(_ ln: LineMark, _ l: Layout) -> String {
        let pts = (0..<ln.xs.count).map { px(l, ln.xs[$0], ln.ys[$0]) }
        var s = "<path d=\"\(polyline(pts))\" fill=\"none\" stroke=\"\(ln.color.svg)\" stroke-width=\"\(num(ln.width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
        if ln.dashed { s += " stroke-dasharray=\"6 4\"" }
        s += "/>\n"
        if ln.markers { s += dots(pts.compactMap { $0 }, color: ln.color, size: 6, opacity: 1) }
        else {
            // A point with gaps on both sides would be invisible as a line: show it as a dot.
            let lone = pts.indices.compactMap { i -> (Double, Double)? in
                guard let q = pts[i], i == 0 || pts[i - 1] == nil, i == pts.count - 1 || pts[i + 1] == nil else { return nil }
                return q
            }
            s += dots(lone, color: ln.color, size: ln.width * 2.5, opacity: 1)
        }
        return s
    }

    /// Many dots in one path: the points are the vertices of one invisible polyline, each carrying a
    /// circle marker. Coordinates are integers in quarter pixels (under scale(.25)) written as
    /// implicit relative line-tos ("m x y dx dy dx dy ..."), visited in a serpentine order over
    /// 12 px cells so successive moves are short; identical dots are merged. About 4-5 bytes a point.
    static func dots(_ pts: [(Double, Double)], color: Color, size: Double, opacity: Double, hollow: Bool = false) -> String {
        guard !pts.isEmpty else { return "" }
        let unit = 4.0, cell = 48
        let lim = 40_000_000  // far outside any viewBox, but no overflow in the deltas below
        var q = pts.map { (safeInt(($0.0 * unit).rounded(), -lim...lim), safeInt(($0.1 * unit).rounded(), -lim...lim)) }
        q.sort { a, b in
            let ra = a.1 / cell, rb = b.1 / cell
            if ra != rb { return ra < rb }
            let ca = a.0 / cell, cb = b.0 / cell
            if ca != cb { return ra % 2 == 0 ? ca < cb : ca > cb }
            return a < b
        }
        var d = "m\(q[0].0) \(q[0].1)"
        var prev = q[0]
        for p in q.dropFirst() where p != prev {
            let dx = p.0 - prev.0, dy = p.1 - prev.1
            d += (dx < 0 ? "" : " ") + String(dx) + (dy < 0 ? "" : " ") + String(dy)
            prev = p
        }
        // Unique within the figure (the figure hash is prepended), and the same on every run.
        let id = "§ID§-d\(q.count)-\(q[0].0)-\(q[0].1)-\(Int(size * 10))-\(color.svg.dropFirst())\(hollow ? "-o" : "")"
        var s = "<marker id=\"\(id)\" markerUnits=\"userSpaceOnUse\" overflow=\"visible\">"
        if hollow {
            s += "<circle r=\"\(num((size - 1.2) * unit / 2))\" fill=\"none\" stroke=\"\(color.svg)\" stroke-width=\"\(num(1.2 * unit))\""
            if opacity < 1 { s += " stroke-opacity=\"\(fixed(opacity, 2))\"" }
        } else {
            s += "<circle r=\"\(num(size * unit / 2))\" fill=\"\(color.svg)\""
            if opacity < 1 { s += " fill-opacity=\"\(fixed(opacity, 2))\"" }
        }
        s += "/></marker>"
        s += "<path transform=\"scale(.25)\" d=\"\(d)\" fill=\"none\" stroke=\"none\" marker-start=\"url(#\(id))\" marker-mid=\"url(#\(id))\" marker-end=\"url(#\(id))\"/>\n"
        return s
    }

    static func drawPoints(_ pm: PointsMark, _ l: Layout) -> String {
        var s = ""
        for g in pm.groups {
            let pts = (0..<g.xs.count).compactMap { px(l, g.xs[$0], g.ys[$0]) }
            s += dots(pts, color: g.color, size: g.hollow ? pm.size + 1 : pm.size, opacity: pm.opacity, hollow: g.hollow)
        }
        return s
    }

    static func rectPath(_ l: Layout, _ r: DataRect) -> String? {
        let y0 = l.ys.log && r.y0 <= 0 ? l.ys.d0 : r.y0
        guard let (ax, ay) = px(l, r.x0, y0), let (bx, by) = px(l, r.x1, r.y1), r.y1 != r.y0 else { return nil }
        return "M\(num(ax)) \(num(ay))H\(num(bx))V\(num(by))H\(num(ax))Z"
    }

    static func drawRects(_ r: RectsMark, _ l: Layout) -> String {
        let d = r.rects.compactMap { rectPath(l, $0) }.joined()
        guard !d.isEmpty else { return "" }
        return "<path d=\"\(d)\" fill=\"\(r.color.svg)\" fill-opacity=\"\(fixed(r.opacity, 2))\" stroke=\"\(r.color.svg)\" stroke-width=\"1\"/>\n"
    }

    static func drawBars(_ b: BarsMark, _ l: Layout, _ p: Panel, index: Int) -> String {
        let n = Double(max(p.barSeries, 1)), band = 0.8, w = band / n
        var d = "", e = ""
        for (i, c) in b.categories.enumerated() {
            guard let k = p.categories.firstIndex(of: c), b.values[i].isFinite else { continue }
            let x0 = Double(k) - band / 2 + Double(index) * w
            if let r = rectPath(l, DataRect(x0: x0, x1: x0 + w * 0.92, y0: 0, y1: b.values[i])) { d += r }
            if let err = b.errors?[i], err.isFinite, err > 0, let (cx, y1) = px(l, x0 + w * 0.46, b.values[i] + err),
               let (_, y2) = px(l, x0 + w * 0.46, b.values[i] - err) ?? px(l, x0 + w * 0.46, l.ys.d0) {
                let cap = min(6, (l.xs(1) - l.xs(0)) * w * 0.2)
                e += "M\(num(cx)) \(num(y1))V\(num(y2))M\(num(cx - cap)) \(num(y1))h\(num(2 * cap))M\(num(cx - cap)) \(num(y2))h\(num(2 * cap))"
            }
        }
        var s = d.isEmpty ? "" : "<path d=\"\(d)\" fill=\"\(b.color.svg)\" fill-opacity=\"0.85\"/>\n"
        if !e.isEmpty { s += "<path d=\"\(e)\" stroke=\"currentColor\" stroke-width=\"1.5\" fill=\"none\"/>\n" }
        return s
    }

    static func drawBand(_ b: BandMark, _ l: Layout) -> String {
        // One polygon per run of placeable points: upper edge forward, lower edge back.
        var d = "", run: [(Double, Double, Double)] = []
        func flush() {
            if run.count >= 2 {
                let upper = decimate(run.map { ($0.0, $0.2) }), lower = decimate(run.map { ($0.0, $0.1) })
                d += "M" + upper.map { "\(num($0.0)) \(num($0.1))" }.joined(separator: "L")
                d += "L" + lower.reversed().map { "\(num($0.0)) \(num($0.1))" }.joined(separator: "L") + "Z"
            }
            run.removeAll()
        }
        for i in 0..<b.xs.count {
            if let (x, ylo) = px(l, b.xs[i], b.lo[i]), let (_, yhi) = px(l, b.xs[i], b.hi[i]) { run.append((x, ylo, yhi)) } else { flush() }
        }
        flush()
        var s = d.isEmpty ? "" : "<path d=\"\(d)\" fill=\"\(b.color.svg)\" fill-opacity=\"0.22\"/>\n"
        if let m = b.mean {
            let pts = (0..<b.xs.count).map { px(l, b.xs[$0], m[$0]) }
            s += "<path d=\"\(polyline(pts))\" fill=\"none\" stroke=\"\(b.color.svg)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n"
        }
        return s
    }

    static func drawHeatmap(_ h: HeatmapMark, _ l: Layout) -> String {
        // An indexed PNG: 255 colour levels (finer than 8-bit steps of most maps) plus one transparent
        // entry for NaN; one byte a cell compresses to a fraction of RGBA.
        let levels = 255
        var palette = h.bar.map.samples(levels)
        palette.append(Color(r: 0, g: 0, b: 0))
        let alpha = [UInt8](repeating: 255, count: levels) + [0]
        var idx = [UInt8](); idx.reserveCapacity(h.nx * h.ny)
        for row in 0..<h.ny {
            let j = h.rowZeroAtTop ? row : h.ny - 1 - row
            for i in 0..<h.nx {
                let v = h.values[j * h.nx + i]
                if !v.isFinite { idx.append(UInt8(levels)); continue }
                idx.append(UInt8(safeInt(((v - h.bar.lo) / (h.bar.hi - h.bar.lo) * Double(levels - 1)).rounded(), 0...(levels - 1))))
            }
        }
        let hasNaN = idx.contains(UInt8(levels))
        guard let png = try? PNG.encode(width: h.nx, height: h.ny, colorType: .indexed, pixels: idx,
                                        palette: hasNaN ? palette : Array(palette.prefix(levels)), alpha: hasNaN ? alpha : []) else { return "" }
        let xa = l.xs(h.x0), xb = l.xs(h.x1), ya = l.ys(h.y0), yb = l.ys(h.y1)
        return "<image x=\"\(num(min(xa, xb)))\" y=\"\(num(min(ya, yb)))\" width=\"\(num(abs(xb - xa)))\" height=\"\(num(abs(yb - ya)))\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"\(PNG.dataURL(png))\"/>\n"
    }

    static func drawContour(_ c: ContourMark, _ l: Layout, overHeatmap: Bool) -> String {
        var s = ""
        for lv in c.levels {
            let d = lv.polylines.map { pl in polyline(pl.map { px(l, $0.0, $0.1) }) }.joined()
            guard !d.isEmpty else { continue }
            let t = c.bar.hi > c.bar.lo ? (lv.level - c.bar.lo) / (c.bar.hi - c.bar.lo) : 0.5
            let stroke = overHeatmap ? "#ffffff\" stroke-opacity=\"0.75" : c.bar.color(t).svg
            s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(overHeatmap ? "1.2" : "1.8")\" stroke-linejoin=\"round\"/>\n"
        }
        if c.labels { s += contourLabels(c, l, overHeatmap: overHeatmap) }
        return s
    }

    /// Each level's value at the middle (by length) of its longest on-screen line, on a halo of the page
    /// background; skipped when the line is short or the label would touch another one.
    static func contourLabels(_ c: ContourMark, _ l: Layout, overHeatmap: Bool) -> String {
        let labels = Ticks.labels(c.levels.map { $0.level }, log: false)
        var taken: [Rect] = [], s = ""
        for (lv, text) in zip(c.levels, labels) {
            let lines = lv.polylines.map { $0.compactMap { px(l, $0.0, $0.1) } }
            func length(_ p: [(Double, Double)]) -> Double {
                zip(p, p.dropFirst()).reduce(0) { $0 + (($1.1.0 - $1.0.0) * ($1.1.0 - $1.0.0) + ($1.1.1 - $1.0.1) * ($1.1.1 - $1.0.1)).squareRoot() }
            }
            guard let line = lines.max(by: { length($0) < length($1) }), length(line) > 60 else { continue }
            var half = length(line) / 2, at = line[0]
            for (p, q) in zip(line, line.dropFirst()) {
                let seg = ((q.0 - p.0) * (q.0 - p.0) + (q.1 - p.1) * (q.1 - p.1)).squareRoot()
                if seg >= half { let t = seg > 0 ? half / seg : 0; at = (p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t); break }
                half -= seg
            }
            let w = textWidth(text, 11)
            let r = Rect(x: at.0 - w / 2 - 2, y: at.1 - 8, w: w + 4, h: 14)
            guard l.plot.contains(r.x, r.y), l.plot.contains(r.maxX, r.maxY), !taken.contains(where: { $0.intersects(r) }) else { continue }
            taken.append(r)
            let t = c.bar.hi > c.bar.lo ? (lv.level - c.bar.lo) / (c.bar.hi - c.bar.lo) : 0.5
            let fill = overHeatmap ? "currentColor" : c.bar.color(t).svg
            s += "<text x=\"\(num(at.0))\" y=\"\(num(at.1 + 4))\" font-size=\"11\" text-anchor=\"middle\" fill=\"\(fill)\" style=\"paint-order:stroke;stroke:var(--fig-bg,#fff);stroke-width:4px;stroke-linejoin:round\">\(escapeXML(text))</text>\n"
        }
        return s
    }

    static func drawEllipses(_ e: EllipseMark, _ l: Layout) -> String {
        var s = ""
        var taken: [Rect] = []
        for (k, r) in e.rings.enumerated() {
            let pts = r.points.map { px(l, $0.0, $0.1) }
            var d = polyline(pts)
            if !d.isEmpty && !pts.contains(where: { $0 == nil }) { d += "Z" }
            let op = [1.0, 0.75, 0.5][min(k, 2)]
            s += "<path d=\"\(d)\" fill=\"\(k == 0 ? e.color.svg : "none")\" fill-opacity=\"0.08\" stroke=\"\(e.color.svg)\" stroke-opacity=\"\(fixed(op, 2))\" stroke-width=\"2\"\(k > 0 ? " stroke-dasharray=\"\(k == 1 ? "7 4" : "2 4")\"" : "")/>\n"
            // Label each ring at its upper-right point: nested rings put their labels along a
            // diagonal, apart from each other (at the rightmost points they crowd on one line).
            // A halo keeps a label readable over the points beneath it.
            let label = fixed(r.sigma, r.sigma == r.sigma.rounded() ? 0 : 1) + "σ"
            let w = textWidth(label, 11)
            if let corner = pts.compactMap({ $0 }).max(by: { $0.0 - $0.1 < $1.0 - $1.1 }) {
                let box = Rect(x: corner.0 + 2, y: corner.1 - 15, w: w + 4, h: 14)
                if l.plot.contains(box.x, box.y), l.plot.contains(box.maxX, box.maxY), !taken.contains(where: { $0.intersects(box) }) {
                    taken.append(box)
                    s += "<text x=\"\(num(corner.0 + 4))\" y=\"\(num(corner.1 - 4))\" font-size=\"11\" fill=\"\(e.color.svg)\" style=\"paint-order:stroke;stroke:var(--fig-bg,#fff);stroke-width:4px;stroke-linejoin:round\">\(label)</text>\n"
                }
            }
        }
        if let (mx, my) = px(l, e.mean.0, e.mean.1) {
            s += "<path d=\"M\(num(mx - 5)) \(num(my))h10M\(num(mx)) \(num(my - 5))v10\" stroke=\"\(e.color.svg)\" stroke-width=\"2\"/>\n"
        }
        return s
    }

    static func drawRefLine(_ r: RefLineMark, _ l: Layout) -> String {
        let pl = l.plot
        if r.vertical {
            guard l.xs.accepts(r.value) else { return "" }
            let x = l.xs(r.value)
            var s = "<path d=\"M\(num(x)) \(num(pl.y))V\(num(pl.maxY))\" stroke=\"\(r.color.svg)\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>\n"
            if let t = r.label { s += "<text x=\"\(num(x + 4))\" y=\"\(num(pl.y + 14))\" font-size=\"12\" fill=\"\(r.color.svg)\">\(escapeXML(t))</text>\n" }
            return s
        }
        guard l.ys.accepts(r.value) else { return "" }
        let y = l.ys(r.value)
        var s = "<path d=\"M\(num(pl.x)) \(num(y))H\(num(pl.maxX))\" stroke=\"\(r.color.svg)\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>\n"
        if let t = r.label { s += "<text x=\"\(num(pl.maxX - 4))\" y=\"\(num(y - 5))\" font-size=\"12\" text-anchor=\"end\" fill=\"\(r.color.svg)\">\(escapeXML(t))</text>\n" }
        return s
    }

    static func drawText(_ t: TextMark, _ l: Layout) -> String {
        guard let (x, y) = px(l, t.x, t.y) else { return "" }
        let runs = parseMarkup(t.text)
        return "<text x=\"\(num(x))\" y=\"\(num(y))\" font-size=\"13\" text-anchor=\"\(t.anchor)\" fill=\"\(t.color.svg)\" style=\"paint-order:stroke;stroke:var(--fig-bg,#fff);stroke-width:3px;stroke-linejoin:round\">\(markupTSpans(runs, 13))</text>\n"
    }

    static func arrowHead(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, size: Double) -> String {
        let len = max(((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot(), 1e-9)
        let ux = (x1 - x0) / len, uy = (y1 - y0) / len
        let bx = x1 - ux * size, by = y1 - uy * size
        return "M\(num(x1)) \(num(y1))L\(num(bx - uy * size * 0.45)) \(num(by + ux * size * 0.45))L\(num(bx + uy * size * 0.45)) \(num(by - ux * size * 0.45))Z"
    }

    static func drawArrow(_ ar: ArrowMark, _ l: Layout) -> String {
        guard let (x0, y0) = px(l, ar.from.0, ar.from.1), let (x1, y1) = px(l, ar.to.0, ar.to.1) else { return "" }
        let len = max(((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot(), 1e-9)
        let ux = (x1 - x0) / len, uy = (y1 - y0) / len
        var s = "<path d=\"M\(num(x0)) \(num(y0))L\(num(x1 - ux * 8)) \(num(y1 - uy * 8))\" stroke=\"\(ar.color.svg)\" stroke-width=\"1.5\"/>"
        s += "<path d=\"\(arrowHead(x0, y0, x1, y1, size: 9))\" fill=\"\(ar.color.svg)\"/>\n"
        if let t = ar.text {
            // Text sits beyond the tail, away from the head.
            let anchor = ux > 0.4 ? "end" : (ux < -0.4 ? "start" : "middle")
            let ty = y0 - uy * 6 + (uy > 0.4 ? -2 : (uy < -0.4 ? 12 : 4))
            s += "<text x=\"\(num(x0 - ux * 5))\" y=\"\(num(ty))\" font-size=\"13\" text-anchor=\"\(anchor)\" fill=\"\(ar.color.svg)\" style=\"paint-order:stroke;stroke:var(--fig-bg,#fff);stroke-width:3px;stroke-linejoin:round\">\(markupTSpans(parseMarkup(t), 13))</text>\n"
        }
        return s
    }

    static func tickLabelMarkup(_ s: String) -> String {
        guard let r = s.range(of: "^") else { return escapeXML(s) }
        let base = String(s[..<r.lowerBound]), exp = String(s[r.upperBound...]).replacingOccurrences(of: "-", with: "−")
        return escapeXML(base) + "<tspan dy=\"-5\" font-size=\"9\">\(escapeXML(exp))</tspan>"
    }

    static func drawAxes(_ p: Panel, _ l: Layout) -> String {
        let a = p.a, pl = l.plot
        let showX = l.shared?.showXTickLabels ?? true, showY = l.shared?.showYTickLabels ?? true
        var s = "<g fill=\"none\" stroke=\"currentColor\" stroke-width=\"1\">"
        s += "<path d=\"M\(num(pl.x)) \(num(pl.y))V\(num(pl.maxY))H\(num(pl.maxX))\"/>"
        var ticks = ""
        for t in l.xTicks { let x = l.xs(t); if x >= pl.x - 0.5 && x <= pl.maxX + 0.5 { ticks += "M\(num(x)) \(num(pl.maxY))v5" } }
        for t in l.yTicks { let y = l.ys(t); if y >= pl.y - 0.5 && y <= pl.maxY + 0.5 { ticks += "M\(num(pl.x)) \(num(y))h-5" } }
        // Unlabelled minor ticks at 2..9 x 10^k on log axes, so a reader can place values between decades.
        func major(_ v: Double, _ t: [Double]) -> Bool { t.contains { abs($0 - v) <= v * 1e-9 } }
        if l.xs.log { for v in minorLogTicks(l.xs.d0, l.xs.d1) where !major(v, l.xTicks) { ticks += "M\(num(l.xs(v))) \(num(pl.maxY))v3" } }
        if l.ys.log { for v in minorLogTicks(l.ys.d0, l.ys.d1) where !major(v, l.yTicks) { ticks += "M\(num(pl.x)) \(num(l.ys(v)))h-3" } }
        if !ticks.isEmpty { s += "<path d=\"\(ticks)\"/>" }
        s += "</g>\n"
        s += "<g font-size=\"\(num(tickFont))\" fill=\"currentColor\">"
        if showX {
            // Category labels that would collide are drawn every k-th.
            let maxW = l.xTickLabels.map(labelWidth).max() ?? 0
            let spacing = l.xTicks.count > 1 ? abs(l.xs(l.xTicks[1]) - l.xs(l.xTicks[0])) : pl.w
            let every = maxW + 6 > spacing ? safeInt(((maxW + 6) / max(spacing, 1)).rounded(.up), 1...1000) : 1
            for (i, t) in l.xTicks.enumerated() where i % every == 0 {
                let x = l.xs(t); guard x >= pl.x - 0.5 && x <= pl.maxX + 0.5 else { continue }
                s += "<text x=\"\(num(x))\" y=\"\(num(pl.maxY + 19))\" text-anchor=\"middle\">\(tickLabelMarkup(l.xTickLabels[i]))</text>"
            }
        }
        if showY {
            for (i, t) in l.yTicks.enumerated() {
                let y = l.ys(t); guard y >= pl.y - 0.5 && y <= pl.maxY + 0.5 else { continue }
                s += "<text x=\"\(num(pl.x - 8))\" y=\"\(num(y + 4))\" text-anchor=\"end\">\(tickLabelMarkup(l.yTickLabels[i]))</text>"
            }
        }
        s += "</g>\n"
        if let t = a.xLabel, l.shared?.showXLabel ?? true {
            s += "<text x=\"\(num(pl.x + pl.w / 2))\" y=\"\(num(pl.maxY + 40))\" font-size=\"\(num(labelFont))\" text-anchor=\"middle\" fill=\"currentColor\">\(escapeXML(t))</text>\n"
        }
        if let t = a.yLabel, l.shared?.showYLabel ?? true {
            let w = l.yTickLabels.map(labelWidth).max() ?? 10
            let x = showY ? pl.x - 14 - w - 8 : pl.x - 14
            s += "<text transform=\"translate(\(num(x)) \(num(pl.y + pl.h / 2))) rotate(-90)\" font-size=\"\(num(labelFont))\" text-anchor=\"middle\" fill=\"currentColor\">\(escapeXML(t))</text>\n"
        }
        if let t = a.title {
            s += titleText(t, x: pl.x + pl.w / 2, y: l.frame.y + 22, minX: l.frame.x, maxX: l.frame.maxX, size: titleFont)
        }
        return s
    }

    static func minorLogTicks(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi > lo, hi.isFinite, log10(hi) - log10(lo) <= 6 else { return [] }
        var out: [Double] = []
        for e in Int(floor(log10(lo)))...Int(ceil(log10(hi))) {
            for m in 2...9 { let v = Double(m) * pow(10, Double(e)); if v > lo && v < hi { out.append(v) } }
        }
        return out
    }

    static func drawLegend(_ entries: [LegendEntry], _ r: Rect) -> String {
        var s = "<g font-size=\"\(num(legendFont))\">"
        s += "<rect x=\"\(num(r.x))\" y=\"\(num(r.y))\" width=\"\(num(r.w))\" height=\"\(num(r.h))\" rx=\"4\" style=\"fill:var(--fig-bg,#fff)\" fill-opacity=\"0.85\" stroke=\"currentColor\" stroke-opacity=\"0.2\"/>"
        for (i, e) in entries.enumerated() {
            let y = r.y + 14 + Double(i) * 18, x = r.x + 8
            switch e.symbol {
            case .line(let c, let dashed, let markers):
                s += "<path d=\"M\(num(x)) \(num(y - 4))h22\" stroke=\"\(c.svg)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
                if markers { s += "<circle cx=\"\(num(x + 11))\" cy=\"\(num(y - 4))\" r=\"3\" fill=\"\(c.svg)\"/>" }
            case .patch(let c, let op):
                s += "<rect x=\"\(num(x + 3))\" y=\"\(num(y - 10))\" width=\"16\" height=\"12\" fill=\"\(c.svg)\" fill-opacity=\"\(fixed(max(op, 0.35), 2))\" stroke=\"\(c.svg)\"/>"
            case .point(let c, let hollow):
                s += hollow ? "<circle cx=\"\(num(x + 11))\" cy=\"\(num(y - 4))\" r=\"3.5\" fill=\"none\" stroke=\"\(c.svg)\" stroke-width=\"1.5\"/>"
                            : "<circle cx=\"\(num(x + 11))\" cy=\"\(num(y - 4))\" r=\"4\" fill=\"\(c.svg)\"/>"
            case .ring(let c):
                s += "<ellipse cx=\"\(num(x + 11))\" cy=\"\(num(y - 4))\" rx=\"10\" ry=\"5\" fill=\"none\" stroke=\"\(c.svg)\" stroke-width=\"2\"/>"
            }
            s += "<text x=\"\(num(x + 30))\" y=\"\(num(y))\" fill=\"currentColor\">\(escapeXML(e.label))</text>"
        }
        return s + "</g>\n"
    }

    static func drawColorBar(_ cb: ColorBarSpec, _ r: Rect, gradient: String) -> String {
        var s = "<rect x=\"\(num(r.x))\" y=\"\(num(r.y))\" width=\"\(num(r.w))\" height=\"\(num(r.h))\" fill=\"url(#\(gradient))\" stroke=\"currentColor\" stroke-opacity=\"0.3\"/>\n"
        let sc = Scale(d0: cb.lo, d1: cb.hi, r0: r.maxY, r1: r.y, log: false)
        let ticks = Ticks.linear(cb.lo, cb.hi, count: 5), labels = Ticks.labels(ticks, log: false)
        var d = ""
        for t in ticks { d += "M\(num(r.maxX)) \(num(sc(t)))h4" }
        if let lv = cb.levels { for v in lv { d += "M\(num(r.x)) \(num(sc(v)))h\(num(r.w))" } }
        s += "<path d=\"\(d)\" stroke=\"currentColor\" stroke-width=\"1\"/>\n<g font-size=\"\(num(tickFont))\" fill=\"currentColor\">"
        for (t, lab) in zip(ticks, labels) { s += "<text x=\"\(num(r.maxX + 7))\" y=\"\(num(sc(t) + 4))\">\(escapeXML(lab))</text>" }
        s += "</g>\n"
        if let lab = cb.label {
            let w = labels.map { textWidth($0, tickFont) }.max() ?? 20
            s += "<text transform=\"translate(\(num(r.maxX + 14 + w)) \(num(r.y + r.h / 2))) rotate(90)\" font-size=\"\(num(labelFont))\" text-anchor=\"middle\" fill=\"currentColor\">\(escapeXML(lab))</text>\n"
        }
        return s
    }

    static func drawNotes(_ issues: [FigureIssue], _ l: Layout) -> String {
        guard !issues.isEmpty else { return "" }
        var lines = issues.prefix(3).map { ($0.severity == .error ? "✕ " : "⚠ ") + $0.description }
        if issues.count > 3 { lines.append("… and \(issues.count - 3) more") }
        var s = "<g font-size=\"\(num(noteFont))\" fill=\"#D55E00\">"
        let y0 = l.frame.maxY - Double(lines.count) * 15 + 8
        for (i, t) in lines.enumerated() { s += "<text x=\"\(num(l.frame.x + 8))\" y=\"\(num(y0 + Double(i) * 15))\">\(escapeXML(t))</text>" }
        return s + "</g>\n"
    }

    // MARK: description

    static func describe(_ p: Panel, _ l: Layout) -> String {
        if let s = p.a.summary { return s }
        let a = p.a
        var parts: [String] = []
        for m in a.marks {
            switch m {
            case .line(let x): parts.append("line\(x.label.map { " \"\($0)\"" } ?? "") with \(x.xs.count) points")
            case .points(let x):
                let n = x.groups.reduce(0) { $0 + $1.xs.count }
                if x.colorBar != nil { parts.append("\(n) points coloured by \(x.colorBar?.label ?? "value")") }
                else { parts.append("\(n) points" + (x.groups.count > 1 ? " in \(x.groups.count) categories (\(x.groups.compactMap { $0.label }.joined(separator: ", ")))" : "")) }
            case .rects(let x): parts.append("histogram\(x.label.map { " \"\($0)\"" } ?? "") with \(x.rects.count) bins")
            case .bars(let x): parts.append("bars\(x.label.map { " \"\($0)\"" } ?? ""): " + zip(x.categories, x.values).map { "\($0) \(shortNumber($1))" }.joined(separator: ", "))
            case .band(let x): parts.append("band\(x.label.map { " \"\($0)\"" } ?? "") over \(x.xs.count) points")
            case .heatmap(let x): parts.append("heatmap of \(x.ny) x \(x.nx) values from \(shortNumber(x.bar.lo)) to \(shortNumber(x.bar.hi))")
            case .contour(let x): parts.append("contour lines at \(x.levels.map { shortNumber($0.level) }.joined(separator: ", "))")
            case .ellipses(let x): parts.append("\(x.rings.map { shortNumber($0.sigma) }.joined(separator: ", "))-sigma ellipses around (\(shortNumber(x.mean.0)), \(shortNumber(x.mean.1)))")
            case .text(let x): parts.append("note \"\(markupPlain(x.text))\"")
            case .arrow(let x): if let t = x.text { parts.append("arrow \"\(markupPlain(t))\"") }
            case .refLine(let x): parts.append("\(x.vertical ? "vertical" : "horizontal") line at \(shortNumber(x.value))")
            }
        }
        var s = a.kind
        if let t = a.title { s += " \"\(t)\"" }
        s += parts.isEmpty ? " with no data" : ": " + parts.joined(separator: "; ")
        let xl = a.xLabel ?? "x", yl = a.yLabel ?? "y"
        if p.categories.isEmpty { s += ". \(xl) from \(shortNumber(l.xs.d0)) to \(shortNumber(l.xs.d1))\(a.xScale == .log ? " (log scale)" : "")" }
        else { s += ". \(xl): \(p.categories.joined(separator: ", "))" }
        s += "; \(yl) from \(shortNumber(l.ys.d0)) to \(shortNumber(l.ys.d1))\(a.yScale == .log ? " (log scale)" : "")."
        if !p.allIssues.isEmpty { s += " Notes: " + p.allIssues.map { $0.description }.joined(separator: "; ") + "." }
        return s
    }
}

/// Three significant digits, fixed formatting (for descriptions).
func shortNumber(_ v: Double) -> String {
    guard v.isFinite else { return String(describing: v) }
    if v == 0 { return "0" }
    let e = Int(floor(log10(abs(v))))
    if e >= 6 || e < -3 { return String(format: "%.2e", v) }
    var s = fixed(v, max(0, 2 - e))
    if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
    return s
}

/// A coarse raster of where a panel draws data, used to place the legend where it covers nothing.
struct Occupancy {
    let cell = 6.0
    var cols: Int, rows: Int, origin: (Double, Double)
    var bits: [Bool]

    init(_ p: Panel, _ l: Layout) {
        let pl = l.plot
        origin = (pl.x, pl.y)
        cols = safeInt(pl.w / cell, 0...2000) + 1; rows = safeInt(pl.h / cell, 0...2000) + 1
        bits = [Bool](repeating: false, count: cols * rows)
        func mark(_ x: Double, _ y: Double) {
            guard x.isFinite, y.isFinite else { return }
            let c = safeInt((x - origin.0) / cell, -1...cols), r = safeInt((y - origin.1) / cell, -1...rows)
            if c >= 0 && c < cols && r >= 0 && r < rows { bits[r * cols + c] = true }
        }
        func segment(_ a: (Double, Double), _ b: (Double, Double)) {
            let len = max(abs(b.0 - a.0), abs(b.1 - a.1))
            let n = safeInt(len / 3, 1...2000)
            for k in 0...n { let t = Double(k) / Double(n); mark(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t) }
        }
        func poly(_ pts: [(Double, Double)?]) {
            var prev: (Double, Double)? = nil
            for q in pts { if let q, let p0 = prev { segment(p0, q) } else if let q { mark(q.0, q.1) }; prev = q }
        }
        func fill(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) {
            var y = min(y0, y1)
            while y <= max(y0, y1) { var x = min(x0, x1); while x <= max(x0, x1) { mark(x, y); x += cell / 2 }; y += cell / 2 }
        }
        for m in p.a.marks {
            switch m {
            case .line(let ln): poly((0..<ln.xs.count).map { PlotRenderer.px(l, ln.xs[$0], ln.ys[$0]) })
            case .points(let pm):
                for g in pm.groups { for i in 0..<g.xs.count { if let q = PlotRenderer.px(l, g.xs[i], g.ys[i]) { mark(q.0, q.1) } } }
            case .rects(let r):
                for d in r.rects where d.y1 != 0 { if let a = PlotRenderer.px(l, d.x0, max(d.y0, l.ys.log ? l.ys.d0 : d.y0)), let b = PlotRenderer.px(l, d.x1, d.y1) { fill(a.0, a.1, b.0, b.1) } }
            case .bars(let b):
                for (i, c) in b.categories.enumerated() where b.values[i].isFinite {
                    guard let k = p.categories.firstIndex(of: c) else { continue }
                    let top = b.values[i] + abs(b.errors?[i] ?? 0)
                    if let a = PlotRenderer.px(l, Double(k) - 0.4, l.ys.log ? l.ys.d0 : 0), let q = PlotRenderer.px(l, Double(k) + 0.4, top) { fill(a.0, a.1, q.0, q.1) }
                }
            case .band(let b):
                for i in 0..<b.xs.count { if let a = PlotRenderer.px(l, b.xs[i], b.lo[i]), let q = PlotRenderer.px(l, b.xs[i], b.hi[i]) { fill(a.0, a.1, q.0 + cell, q.1) } }
                poly((0..<b.xs.count).map { PlotRenderer.px(l, b.xs[$0], b.hi[$0]) })
            case .heatmap: fill(pl.x, pl.y, pl.maxX, pl.maxY)
            case .contour(let c): for lv in c.levels { for line in lv.polylines { poly(line.map { PlotRenderer.px(l, $0.0, $0.1) }) } }
            case .ellipses(let e): for r in e.rings { poly(r.points.map { PlotRenderer.px(l, $0.0, $0.1) }) }
            case .text(let t):
                if let q = PlotRenderer.px(l, t.x, t.y) {
                    let w = textWidth(t.text, 13)
                    let x0 = t.anchor == "end" ? q.0 - w : (t.anchor == "middle" ? q.0 - w / 2 : q.0)
                    fill(x0, q.1 - 12, x0 + w, q.1 + 3)
                }
            case .arrow(let ar): if let a = PlotRenderer.px(l, ar.from.0, ar.from.1), let b = PlotRenderer.px(l, ar.to.0, ar.to.1) { segment(a, b) }
            case .refLine: break
            }
        }
    }

    func count(_ r: Rect) -> Int {
        var n = 0
        let c0 = safeInt((r.x - 4 - origin.0) / cell, 0...cols), c1 = safeInt((r.maxX + 4 - origin.0) / cell, -1...(cols - 1))
        let r0 = safeInt((r.y - 4 - origin.1) / cell, 0...rows), r1 = safeInt((r.maxY + 4 - origin.1) / cell, -1...(rows - 1))
        guard c0 <= c1, r0 <= r1 else { return 0 }
        for rr in r0...r1 { for cc in c0...c1 where bits[rr * cols + cc] { n += 1 } }
        return n
    }
    func hits(_ r: Rect) -> Bool { count(r) > 0 }
}
