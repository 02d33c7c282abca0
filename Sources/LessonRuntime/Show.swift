// `show(...)`: put a figure, table, image, formula or value on the page under the cell.

import Figures
import Foundation
import LessonProtocol
import Markup

/// Shows a figure (anything `SVGConvertible`: plots, image grids, diagrams) as inline SVG.
public func show(_ figure: some SVGConvertible) {
    let svg = figure.svgString()
    _LessonRuntime.emit(kind: .html, value: "<figure class=\"cell-figure\">\(svg)</figure>", fallback: svg)
}

/// Shows a table (escaped HTML `<table>`).
public func show(_ table: Table) {
    _LessonRuntime.emit(kind: .html, value: table.html, fallback: table.text)
}

/// Shows rows as a table: `show(table: [["a", 1], ["b", 2]], headers: ["name", "n"])`.
public func show(table rows: [[Any]], headers: [String] = [], caption: String? = nil) {
    show(Table(rows, headers: headers, caption: caption))
}

/// Shows display math, rendered by KaTeX with the page's other formulas: `show(latex: "\\frac{a}{b}")`.
public func show(latex: String) {
    _LessonRuntime.emit(kind: .math, value: latex, fallback: "$$\(latex)$$")
}

/// Shows a PNG image (e.g. bytes from the Figures image-grid encoder) as an `<img>` data URL.
public func show(png: [UInt8], alt: String = "") {
    let html = "<img class=\"cell-image\" alt=\"\(HTML.escape(alt))\" src=\"data:image/png;base64,\(base64(png))\">"
    _LessonRuntime.emit(kind: .html, value: html, fallback: "[PNG image, \(png.count) bytes]")
}

/// Shows any other value as text, like `print(value)`.
public func show<T>(_ value: T) {
    print(value)
}

/// A table of values. Cells are formatted with `String(describing:)`; floating-point values
/// with `precision` significant decimals. Everything is HTML-escaped.
public struct Table: CustomStringConvertible {
    public var headers: [String]
    public var rows: [[String]]
    public var caption: String?

    public init(_ rows: [[Any]], headers: [String] = [], caption: String? = nil, precision: Int = 4) {
        self.headers = headers
        self.caption = caption
        self.rows = rows.map { $0.map { Table.format($0, precision: precision) } }
    }

    /// Column-wise: `Table(columns: ["epoch": epochs, "loss": losses])` keeps the given order.
    public init(columns: KeyValuePairs<String, [Any]>, caption: String? = nil, precision: Int = 4) {
        let n = columns.map { $0.value.count }.max() ?? 0
        let rows: [[Any]] = (0..<n).map { r in columns.map { r < $0.value.count ? $0.value[r] : "" } }
        self.init(rows, headers: columns.map { $0.key }, caption: caption, precision: precision)
    }

    static func format(_ v: Any, precision: Int) -> String {
        if let d = v as? Double { return formatFloat(d, precision) }
        if let f = v as? Float { return formatFloat(Double(f), precision) }
        return String(describing: v)
    }

    static func formatFloat(_ d: Double, _ precision: Int) -> String {
        guard d.isFinite else { return String(d) }
        if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
        return String(format: "%.\(precision)g", d)
    }

    public var html: String {
        var h = "<table class=\"cell-table\">"
        if let c = caption { h += "<caption>\(HTML.escape(c))</caption>" }
        if !headers.isEmpty {
            h += "<thead><tr>" + headers.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead>"
        }
        h += "<tbody>"
        for r in rows { h += "<tr>" + r.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>" }
        return h + "</tbody></table>"
    }

    public var text: String {
        let all = (headers.isEmpty ? [] : [headers]) + rows
        let widths = (0..<(all.map { $0.count }.max() ?? 0)).map { c in all.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return all.map { r in r.enumerated().map { $0.element.padding(widths[$0.offset]) }.joined(separator: "  ") }
            .joined(separator: "\n")
    }

    public var description: String { text }
}

extension String {
    fileprivate func padding(_ w: Int) -> String { count >= w ? self : self + String(repeating: " ", count: w - count) }
}

func base64(_ bytes: [UInt8]) -> String {
    let t = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out = [UInt8](); out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var i = 0
    while i + 2 < bytes.count {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        out += [t[Int(n >> 18 & 63)], t[Int(n >> 12 & 63)], t[Int(n >> 6 & 63)], t[Int(n & 63)]]
        i += 3
    }
    let rest = bytes.count - i
    if rest == 1 {
        let n = UInt32(bytes[i]) << 16
        out += [t[Int(n >> 18 & 63)], t[Int(n >> 12 & 63)], 61, 61]
    } else if rest == 2 {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
        out += [t[Int(n >> 18 & 63)], t[Int(n >> 12 & 63)], t[Int(n >> 6 & 63)], 61]
    }
    return String(decoding: out, as: UTF8.self)
}
