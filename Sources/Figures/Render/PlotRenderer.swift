// Rendering one `Axes` (a panel) into SVG: domains, margins, ticks, then each kind of mark
// (one file per kind beside this one), legend, colour bar and notes.

import Foundation

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
        let w = (p.legend.map { markupWidth(parseMarkup($0.label), legendFont) }.max() ?? 0) + 46
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
        // Decade labels are short, so a log axis can label one every 30 px (a linear one every 55).
        let count = safeInt(height / (log ? 30 : 55), 2...50)
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
}
