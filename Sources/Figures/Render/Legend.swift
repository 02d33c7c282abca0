// Keys to the marks: the legend, the colour bar and the notes about bad input.

import Foundation
import Markup

extension PlotRenderer {
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
            // Labels take the same light markup as annotations (n^d, z_1), so no caret shows raw.
            s += "<text x=\"\(num(x + 30))\" y=\"\(num(y))\" fill=\"currentColor\">\(markupTSpans(parseMarkup(e.label), legendFont))</text>"
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
        for (t, lab) in zip(ticks, labels) { s += "<text x=\"\(num(r.maxX + 7))\" y=\"\(num(sc(t) + 4))\">\(HTML.escape(lab))</text>" }
        s += "</g>\n"
        if let lab = cb.label {
            let w = labels.map { textWidth($0, tickFont) }.max() ?? 20
            s += "<text transform=\"translate(\(num(r.maxX + 14 + w)) \(num(r.y + r.h / 2))) rotate(90)\" font-size=\"\(num(labelFont))\" text-anchor=\"middle\" fill=\"currentColor\">\(HTML.escape(lab))</text>\n"
        }
        return s
    }

    static func drawNotes(_ issues: [FigureIssue], _ l: Layout) -> String {
        guard !issues.isEmpty else { return "" }
        var lines = issues.prefix(3).map { ($0.severity == .error ? "✕ " : "⚠ ") + $0.description }
        if issues.count > 3 { lines.append("… and \(issues.count - 3) more") }
        var s = "<g font-size=\"\(num(noteFont))\" fill=\"#D55E00\">"
        let y0 = l.frame.maxY - Double(lines.count) * 15 + 8
        for (i, t) in lines.enumerated() { s += "<text x=\"\(num(l.frame.x + 8))\" y=\"\(num(y0 + Double(i) * 15))\">\(HTML.escape(t))</text>" }
        return s + "</g>\n"
    }
}
