// Low-level SVG helpers: fixed-precision numbers, escaping, text metrics, light markup.
// Every number that reaches the output goes through `num` (or `tenths`) so the same figure
// always gives the same bytes, independent of locale and of floating-point printing.

import Foundation
import Markup

/// A coordinate with one decimal, shortest form: 12 -> "12", 12.25 -> "12.3", -0.04 -> "0".
@inline(__always)
func num(_ v: Double) -> String {
    let c = v.isFinite ? min(max(v, -1e7), 1e7) : 0  // never print nan/inf into markup
    let r = Int((c * 10).rounded())
    if r == 0 { return "0" }
    let a = r < 0 ? -r : r
    var s = r < 0 ? "-" : ""
    s += String(a / 10)
    if a % 10 != 0 { s += "." + String(a % 10) }
    return s
}

/// `v` as an Int clamped to `range`; NaN gives the lower bound. Plot data can be anything, and a
/// trapping conversion must never be what turns bad input into a crash.
@inline(__always)
func safeInt(_ v: Double, _ range: ClosedRange<Int>) -> Int {
    if v.isNaN { return range.lowerBound }
    if v <= Double(range.lowerBound) { return range.lowerBound }
    if v >= Double(range.upperBound) { return range.upperBound }
    return Int(v)
}

/// A number with a fixed count of decimals (for opacities, colour stops): fixed(0.25, 2) -> "0.25".
func fixed(_ v: Double, _ decimals: Int) -> String {
    let c = v.isFinite ? v : 0
    var s = String(format: "%.\(decimals)f", c)
    if s.hasPrefix("-"), Double(s) == 0 { s.removeFirst() }
    return s
}


/// The font stack used by all figures; the page may override it by CSS on `svg text`.
let fontFamily = "system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif"

/// Rough advance width of `s` at `size` px in a sans-serif font (DejaVu Sans is among the widest,
/// so estimates err on the generous side; used only for layout, never for clipping text).
func textWidth(_ s: String, _ size: Double) -> Double {
    var w = 0.0
    for ch in s.unicodeScalars {
        switch ch {
        case "i", "l", "j", ".", ",", ":", ";", "'", "|", "!", "I", " ", "(", ")", "[", "]", "f", "t", "r": w += 0.36
        case "m", "w", "M", "W", "@", "%": w += 0.92
        case "A"..."Z": w += 0.7
        case "0"..."9": w += 0.64
        default: w += ch.value > 0x2000 ? 0.8 : 0.6
        }
    }
    return w * size
}

/// Deterministic 64-bit FNV-1a hash, used to make element ids unique per figure on a page
/// that inlines many SVGs (ids are document-global in HTML).
func fnv1a(_ s: String) -> String {
    var h: UInt64 = 0xcbf29ce484222325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
    return String(h, radix: 36)
}

// MARK: - Light markup for labels in diagrams and annotations

/// A run of text at a baseline level: 0 normal, -1 subscript, +1 superscript.
struct TextRun { var text: String; var level: Int }

/// Parses `z_1`, `z_{t-1}`, `x^2`, `\mu`, `\sigma`, ... into runs. Used where labels are math-like
/// (diagrams, legend entries, and plot text when `math: true`), never for axis labels or titles,
/// where `_` is literal.
func parseMarkup(_ s: String) -> [TextRun] {
    let greek: [String: String] = [
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
        "theta": "θ", "lambda": "λ", "mu": "μ", "nu": "ν", "pi": "π", "rho": "ρ", "sigma": "σ",
        "tau": "τ", "phi": "φ", "varphi": "φ", "psi": "ψ", "omega": "ω", "Sigma": "Σ", "Phi": "Φ",
        "odot": "⊙", "sim": "∼", "cdot": "·", "times": "×", "to": "→", "leftarrow": "←", "mid": "|",
        "approx": "≈", "ell": "ℓ", "nabla": "∇", "prod": "∏", "sum": "∑", "infty": "∞", "leq": "≤", "geq": "≥",
        "mathcal{N}": "𝒩", "N": "𝒩",
    ]
    var runs: [TextRun] = []
    var cur = ""
    func flush() { if !cur.isEmpty { runs.append(TextRun(text: cur, level: 0)); cur = "" } }
    let chars = Array(s)
    var i = 0
    func readGroup() -> String {
        // After _ or ^: either {...} or one character (or one \command).
        guard i < chars.count else { return "" }
        if chars[i] == "{" {
            var depth = 0, out = ""
            while i < chars.count {
                let c = chars[i]; i += 1
                if c == "{" { depth += 1; if depth == 1 { continue } }
                if c == "}" { depth -= 1; if depth == 0 { break } }
                out.append(c)
            }
            return out
        }
        if chars[i] == "\\" {
            var out = "\\"; i += 1
            while i < chars.count, chars[i].isLetter { out.append(chars[i]); i += 1 }
            return out
        }
        let c = chars[i]; i += 1
        return String(c)
    }
    func replaceCommands(_ t: String) -> String {
        var out = "", j = t.startIndex
        while j < t.endIndex {
            if t[j] == "\\" {
                var k = t.index(after: j), name = ""
                while k < t.endIndex, t[k].isLetter { name.append(t[k]); k = t.index(after: k) }
                if name == "mathcal", k < t.endIndex, t[k] == "{" {
                    if let close = t[k...].firstIndex(of: "}") {
                        let inner = String(t[t.index(after: k)..<close])
                        out += greek["mathcal{\(inner)}"] ?? inner
                        j = t.index(after: close); continue
                    }
                }
                if let g = greek[name] { out += g; j = k; continue }
                if name.isEmpty, k < t.endIndex { out.append(t[k]); j = t.index(after: k); continue }
                out += name; j = k; continue
            }
            out.append(t[j]); j = t.index(after: j)
        }
        return out
    }
    while i < chars.count {
        let c = chars[i]
        if (c == "_" || c == "^") && i + 1 < chars.count {
            flush()
            i += 1
            let g = readGroup()
            runs.append(TextRun(text: replaceCommands(g), level: c == "_" ? -1 : 1))
            continue
        }
        if c == "\\" {
            var k = i + 1, name = ""
            while k < chars.count, chars[k].isLetter { name.append(chars[k]); k += 1 }
            if name == "mathcal", k < chars.count, chars[k] == "{" {
                var inner = ""; k += 1
                while k < chars.count, chars[k] != "}" { inner.append(chars[k]); k += 1 }
                cur += greek["mathcal{\(inner)}"] ?? inner; i = k + 1; continue
            }
            if let g = greek[name] { cur += g; i = k; continue }
            if name.isEmpty, k < chars.count { cur.append(chars[k]); i = k + 1; continue }
            cur += name; i = k; continue
        }
        cur.append(c); i += 1
    }
    flush()
    return runs
}

/// Width of marked-up text (sub/superscripts are drawn at 70 % size).
func markupWidth(_ runs: [TextRun], _ size: Double) -> Double {
    runs.reduce(0) { $0 + textWidth($1.text, $1.level == 0 ? size : size * 0.7) }
}

/// The inner content of a `<text>` element for marked-up runs: tspans with relative `dy` shifts.
/// The shift back to the baseline after a script rides on the text that follows it: browsers
/// (Chromium at least) ignore the `dy` of an empty `<tspan>`, which left everything after a
/// subscript lowered.
func markupTSpans(_ runs: [TextRun], _ size: Double) -> String {
    var out = "", offset = 0.0   // the current run's shift from the baseline
    for r in runs {
        let target = r.level < 0 ? size * 0.3 : (r.level > 0 ? -size * 0.4 : 0)
        let dy = target - offset
        offset = target
        if r.level == 0 {
            out += dy == 0 ? HTML.escape(r.text) : "<tspan dy=\"\(num(dy))\">\(HTML.escape(r.text))</tspan>"
        } else {
            out += "<tspan dy=\"\(num(dy))\" font-size=\"\(num(size * 0.7))\">\(HTML.escape(r.text))</tspan>"
        }
    }
    return out
}

/// Plain text (markup resolved) for `<desc>` and titles.
func markupPlain(_ s: String) -> String {
    parseMarkup(s).map { r in r.level == 0 ? r.text : (r.level < 0 ? "_" : "^") + r.text }.joined()
}

/// Layout scale for a figure `width` px wide: 1 up to 800 px (about a page's text column), then
/// proportional, so a wider figure, shrunk to the column, still shows its 12 px text at about 12 px.
func layoutScale(_ width: Double) -> Double { max(1, width / 800) }

/// Wraps figure content in the standalone root element with `<title>` and `<desc>`.
/// `body` may contain the token `§ID§`; it becomes a hash of the content so ids of different figures
/// on the same page never collide and the same figure always gets the same id.
/// `scale` > 1 draws in a viewBox `scale` times smaller than the displayed size, i.e. enlarges text and
/// lines: figures wider than 800 px use it so their text stays legible when the page shrinks them.
func svgDocument(width: Double, height: Double, title: String, desc: String, body: String, scale: Double = 1) -> String {
    let id = "fig" + fnv1a(title + "\u{1}" + desc + "\u{1}" + body)
    let b = body.replacingOccurrences(of: "§ID§", with: id)
    var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(num(width / scale)) \(num(height / scale))\""
    s += " width=\"\(num(width))\" height=\"\(num(height))\" role=\"img\" aria-labelledby=\"\(id)-t \(id)-d\""
    s += " font-family=\"\(fontFamily)\" style=\"color:var(--fig-fg,#222);max-width:100%;height:auto\">\n"
    s += "<title id=\"\(id)-t\">\(HTML.escape(title))</title>\n<desc id=\"\(id)-d\">\(HTML.escape(desc))</desc>\n"
    s += b
    s += "</svg>\n"
    return s
}

/// A bold title centred at `x` that fits in [minX, maxX]: shrunk (down to 10 px) when too wide,
/// then shifted so it does not run off the figure.
func titleText(_ t: String, x: Double, y: Double, minX: Double, maxX: Double, size: Double) -> String {
    let avail = max(maxX - minX - 8, 20)
    var fs = size, w = textWidth(t, fs) * 1.05  // bold is a little wider
    if w > avail { fs = max(10, fs * avail / w); w = textWidth(t, fs) * 1.05 }
    let cx = min(max(x, minX + 4 + w / 2), maxX - 4 - w / 2)
    return "<text x=\"\(num(cx))\" y=\"\(num(y))\" font-size=\"\(num(fs))\" font-weight=\"600\" text-anchor=\"middle\" fill=\"currentColor\">\(HTML.escape(t))</text>\n"
}
