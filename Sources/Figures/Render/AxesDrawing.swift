// The frame: axis lines, major and minor ticks, tick labels, axis labels and the title.

import Foundation
import Markup

extension PlotRenderer {
    static func tickLabelMarkup(_ s: String) -> String {
        guard let r = s.range(of: "^") else { return HTML.escape(s) }
        let base = String(s[..<r.lowerBound]), exp = String(s[r.upperBound...]).replacingOccurrences(of: "-", with: "−")
        return HTML.escape(base) + "<tspan dy=\"-5\" font-size=\"9\">\(HTML.escape(exp))</tspan>"
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
            s += "<text x=\"\(num(pl.x + pl.w / 2))\" y=\"\(num(pl.maxY + 40))\" font-size=\"\(num(labelFont))\" text-anchor=\"middle\" fill=\"currentColor\">\(HTML.escape(t))</text>\n"
        }
        if let t = a.yLabel, l.shared?.showYLabel ?? true {
            let w = l.yTickLabels.map(labelWidth).max() ?? 10
            let x = showY ? pl.x - 14 - w - 8 : pl.x - 14
            s += "<text transform=\"translate(\(num(x)) \(num(pl.y + pl.h / 2))) rotate(-90)\" font-size=\"\(num(labelFont))\" text-anchor=\"middle\" fill=\"currentColor\">\(HTML.escape(t))</text>\n"
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
}
