// A grid of small greyscale images (e.g. Fashion-MNIST inputs above their reconstructions),
// embedded as ONE PNG: 100 separate images would repeat headers and compress worse.

import Foundation
import Markup

/// `ImageGrid(images: recon, rows: 2, columns: 10, width: 28, height: 28, rowLabels: ["input", "recon"])`.
///
/// Each image is `width * height` values, row-major; values in `range` (default 0...1; pass
/// `0...255` for raw bytes) map to black...white (`invert: true` for dark ink on white).
/// Images fill the grid row by row; missing ones leave blank cells. Treatments of bad input, all noted
/// under the grid: an image of the wrong size is left blank, NaN pixels are transparent, extra
/// images beyond rows x columns are not shown.
public struct ImageGrid: SVGConvertible, IssueReporting {
    public var rows: Int
    public var columns: Int
    public var width: Int
    public var height: Int
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var title: String?
    public var invert: Bool
    /// Width of the figure in px (the viewBox); images are scaled to fit it.
    public var displayWidth: Double = 640
    public private(set) var issues: [FigureIssue] = []
    /// Pixels as 0...255 grey, 256 meaning "no value" (transparent), per image.
    var pixels: [[UInt16]] = []

    public init<T: BinaryFloatingPoint>(images: [[T]], rows: Int, columns: Int, width: Int = 28, height: Int = 28,
                                        rowLabels: [String] = [], columnLabels: [String] = [], title: String? = nil,
                                        range: ClosedRange<Double> = 0...1, invert: Bool = false) {
        self.rows = rows; self.columns = columns; self.width = width; self.height = height
        self.rowLabels = rowLabels; self.columnLabels = columnLabels; self.title = title; self.invert = invert
        var lo = range.lowerBound, hi = range.upperBound
        if !(hi > lo) || !lo.isFinite || !hi.isFinite {
            issues.append(FigureIssue(severity: .warning, error: .zeroWidthRange("value range \(range) has no width; using 0...1")))
            lo = 0; hi = 1
        }
        guard rows > 0, columns > 0, width > 0, height > 0, rows * columns <= 10_000, width * height <= 1_000_000 else {
            issues.append(FigureIssue(severity: .error, error: .invalidArgument("grid \(rows)x\(columns) of \(width)x\(height) images is empty or too large; nothing drawn")))
            self.rows = max(rows, 0); self.columns = max(columns, 0)
            return
        }
        if images.isEmpty { issues.append(FigureIssue(severity: .error, error: .emptySeries("no images; nothing drawn"))) }
        if images.count > rows * columns {
            issues.append(FigureIssue(severity: .warning, error: .invalidArgument("\(images.count) images for \(rows * columns) cells; the first \(rows * columns) shown")))
        }
        var wrong = 0, nan = 0
        for img in images.prefix(rows * columns) {
            guard img.count == width * height else { wrong += 1; pixels.append([]); continue }
            pixels.append(img.map { v -> UInt16 in
                let d = Double(v)
                guard d.isFinite else { nan += 1; return 256 }
                let t = min(max((d - lo) / (hi - lo), 0), 1)
                return UInt16(((invert ? 1 - t : t) * 255).rounded())
            })
        }
        if wrong > 0 {
            issues.append(FigureIssue(severity: .error, error: .lengthMismatch("\(wrong) image\(wrong == 1 ? "" : "s") not \(width)x\(height) = \(width * height) values; left blank")))
        }
        if nan > 0 { issues.append(FigureIssue(severity: .warning, error: .nonFinite("\(nan) NaN/Inf pixel\(nan == 1 ? "" : "s") left transparent"))) }
        if !rowLabels.isEmpty && rowLabels.count != rows {
            issues.append(FigureIssue(severity: .warning, error: .lengthMismatch("\(rowLabels.count) row labels for \(rows) rows")))
        }
        if !columnLabels.isEmpty && columnLabels.count != columns {
            issues.append(FigureIssue(severity: .warning, error: .lengthMismatch("\(columnLabels.count) column labels for \(columns) columns")))
        }
    }

    /// Images as one flat array, `width * height` values each, concatenated.
    public init<T: BinaryFloatingPoint>(images flat: [T], rows: Int, columns: Int, width: Int = 28, height: Int = 28,
                                        rowLabels: [String] = [], columnLabels: [String] = [], title: String? = nil,
                                        range: ClosedRange<Double> = 0...1, invert: Bool = false) {
        let n = max(width * height, 1)
        var imgs = stride(from: 0, to: flat.count - flat.count % n, by: n).map { Array(flat[$0..<($0 + n)]) }
        if flat.count % n != 0 { imgs.append(Array(flat[(flat.count - flat.count % n)...])) }  // reported as wrong size
        self.init(images: imgs, rows: rows, columns: columns, width: width, height: height, rowLabels: rowLabels,
                  columnLabels: columnLabels, title: title, range: range, invert: invert)
    }

    /// Raw 8-bit images (0 = black, 255 = white), e.g. straight from an IDX file.
    public init(images: [[UInt8]], rows: Int, columns: Int, width: Int = 28, height: Int = 28,
                rowLabels: [String] = [], columnLabels: [String] = [], title: String? = nil, invert: Bool = false) {
        self.init(images: images.map { $0.map { Double($0) } }, rows: rows, columns: columns, width: width, height: height,
                  rowLabels: rowLabels, columnLabels: columnLabels, title: title, range: 0...255, invert: invert)
    }

    static let gap = 2

    /// Grey level that marks transparent pixels (gaps, NaN). Image pixels of this level are drawn
    /// one step brighter: invisible, and far cheaper than an alpha channel (about 30 % smaller files).
    static let transparentKey: UInt8 = 1

    /// The grid as one greyscale PNG; gaps and missing pixels are transparent so the page shows through.
    public func png() -> [UInt8]? {
        guard rows > 0, columns > 0, width > 0, height > 0, !pixels.isEmpty else { return nil }
        let g = ImageGrid.gap, key = ImageGrid.transparentKey
        let W = columns * width + (columns - 1) * g, H = rows * height + (rows - 1) * g
        var buf = [UInt8](repeating: key, count: W * H)
        for (k, img) in pixels.enumerated() where !img.isEmpty {
            let r = k / columns, c = k % columns
            let ox = c * (width + g), oy = r * (height + g)
            for y in 0..<height {
                for x in 0..<width {
                    let v = img[y * width + x]
                    if v <= 255 { buf[(oy + y) * W + ox + x] = UInt8(v) == key ? key + 1 : UInt8(v) }
                }
            }
        }
        return try? PNG.encode(width: W, height: H, colorType: .grey, pixels: buf, transparentGrey: key)
    }

    public func svgString() -> String {
        let g = Double(ImageGrid.gap)
        let gridW = Double(columns * width) + Double(max(columns - 1, 0)) * g
        let gridH = Double(rows * height) + Double(max(rows - 1, 0)) * g
        let labelW = rowLabels.isEmpty ? 0 : (rowLabels.map { textWidth($0, 13) }.max() ?? 0) + 12
        let top = (title != nil ? 34.0 : 8) + (columnLabels.isEmpty ? 0 : 20)
        let notes = min(issues.count, 3)
        let avail = displayWidth - labelW - 16
        // Scale up to fit the width, but no more than 6x (tiny grids stay tiny) and at least 0.25x.
        let scale = gridW > 0 ? min(max(avail / gridW, 0.25), 6) : 1
        let imgW = gridW * scale, imgH = gridH * scale
        let totalH = top + max(imgH, 20) + 8 + Double(notes) * 15
        let x0 = labelW + 8 + max(0, (avail - imgW) / 2), y0 = top
        var s = ""
        if let t = title {
            s += titleText(t, x: displayWidth / 2, y: 22, minX: 0, maxX: displayWidth, size: titleFont)
        }
        if let png = png() {
            s += "<image x=\"\(num(x0))\" y=\"\(num(y0))\" width=\"\(num(imgW))\" height=\"\(num(imgH))\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"\(PNG.dataURL(png))\"/>\n"
        }
        let cellH = Double(height) * scale, cellW = Double(width) * scale
        if !rowLabels.isEmpty {
            s += "<g font-size=\"13\" fill=\"currentColor\" text-anchor=\"end\">"
            for (r, lab) in rowLabels.prefix(rows).enumerated() {
                let cy = y0 + Double(r) * (cellH + g * scale) + cellH / 2 + 4.5
                s += "<text x=\"\(num(x0 - 8))\" y=\"\(num(cy))\">\(HTML.escape(lab))</text>"
            }
            s += "</g>\n"
        }
        if !columnLabels.isEmpty {
            s += "<g font-size=\"12\" fill=\"currentColor\" text-anchor=\"middle\">"
            for (c, lab) in columnLabels.prefix(columns).enumerated() {
                let cx = x0 + Double(c) * (cellW + g * scale) + cellW / 2
                s += "<text x=\"\(num(cx))\" y=\"\(num(y0 - 6))\">\(HTML.escape(lab))</text>"
            }
            s += "</g>\n"
        }
        if !issues.isEmpty {
            s += "<g font-size=\"\(num(noteFont))\" fill=\"#D55E00\">"
            for (i, e) in issues.prefix(3).enumerated() {
                s += "<text x=\"8\" y=\"\(num(top + max(imgH, 20) + 20 + Double(i) * 15))\">\((e.severity == .error ? "✕ " : "⚠ ") + HTML.escape(e.description))</text>"
            }
            s += "</g>\n"
        }
        var desc = "Grid of \(pixels.filter { !$0.isEmpty }.count) greyscale images, \(rows) rows by \(columns) columns, each \(width) x \(height) pixels"
        if !rowLabels.isEmpty { desc += "; rows: " + rowLabels.joined(separator: ", ") }
        if !columnLabels.isEmpty { desc += "; columns: " + columnLabels.joined(separator: ", ") }
        desc += "."
        if !issues.isEmpty { desc += " Notes: " + issues.map { $0.description }.joined(separator: "; ") + "." }
        return svgDocument(width: displayWidth, height: totalH.rounded(.up), title: title ?? "Image grid", desc: desc, body: s)
    }
}
