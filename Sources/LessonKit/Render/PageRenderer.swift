import Foundation

/// Turns a parsed lesson plus its cell results into the page body, once KaTeX and
/// highlight.js have produced their HTML (see `RenderService`).
public struct PageRenderer {
    public var lesson: Lesson
    public var results: [Int: CellResult]

    public init(lesson: Lesson, results: [Int: CellResult]) { self.lesson = lesson; self.results = results }

    /// Everything this page needs from the node process.
    public var requests: [RenderRequest] {
        var r = lesson.math.filter { !$0.inCode }.map { RenderRequest($0.display ? .displayMath : .inlineMath, $0.tex) }
        for cell in lesson.cells {
            if !cell.options.hide { r.append(RenderRequest(.code(language: cell.language), cell.code)) }
            for case .math(let tex) in results[cell.index]?.outputs ?? [] { r.append(RenderRequest(.displayMath, tex)) }
        }
        return r
    }

    public struct Output {
        public var body: String
        public var toc: [Heading]
        /// KaTeX errors in the prose (the page is broken) ...
        public var diagnostics: [Diagnostic]
        /// ... and problems shown inside cells (the page is still written).
        public var cellDiagnostics: [Diagnostic]
        public var failingCells: Int
    }

    public func render(_ outcomes: [RenderRequest: RenderOutcome]) -> Output {
        var diagnostics: [Diagnostic] = []
        var cellDiagnostics: [Diagnostic] = []
        var failing = 0
        // each formula's HTML, by placeholder number
        func html(_ span: MathSpan) -> String {
            let req = RenderRequest(span.display ? .displayMath : .inlineMath, span.tex)
            if span.inCode { return "" }
            switch outcomes[req] {
            case .html(let h)?: return h
            case .error(let e)?:
                diagnostics.append(Diagnostic(file: lesson.file, line: span.line, column: span.column, message: "bad math: \(e)"))
                return "<code class=\"math-error\" title=\"\(HTML.escape(e))\">\(HTML.escape(span.tex))</code>"
            case nil: return HTML.escape(span.tex)
            }
        }
        let mathHTML: [RenderedMath] = lesson.math.map { span in RenderedMath(display: span.display, html: html(span)) }
        var body = ""
        var skippedTitle = false
        for (i, block) in lesson.blocks.enumerated() {
            switch block {
            case .prose(let html, _):
                body += Self.restoreMath(html, mathHTML)
            case .heading(let h):
                // a leading `# Title` is the page title when the front matter has none
                if i == 0, h.level == 1, lesson.frontMatter.title == nil || lesson.frontMatter.title == h.text, !skippedTitle {
                    skippedTitle = true; continue
                }
                body += "<h\(h.level) id=\"\(HTML.escape(h.id))\">\(Self.restoreMath(h.html, mathHTML))"
                    + "<a class=\"anchor\" href=\"#\(HTML.escape(h.id))\" aria-label=\"Link to this section\">#</a></h\(h.level)>\n"
            case .cell(let cell):
                let (html, diags, failed) = renderCell(cell, outcomes)
                body += html
                cellDiagnostics += diags
                if failed { failing += 1 }
            }
        }
        let toc = lesson.headings.filter { $0.level == 2 || $0.level == 3 }.map { h -> Heading in
            var h = h; h.html = Self.restoreMath(h.html, mathHTML); return h
        }
        return Output(body: body, toc: toc, diagnostics: diagnostics, cellDiagnostics: cellDiagnostics, failingCells: failing)
    }

    private static let statusText: [CellResult.Status: String] = [
        .ok: "ok", .compileError: "compile error", .trapped: "trapped", .timedOut: "timed out",
        .expectationFailed: "expectation failed", .outputTruncated: "output truncated", .notRun: "not run",
    ]

    private func renderCell(_ cell: Cell, _ outcomes: [RenderRequest: RenderOutcome]) -> (String, [Diagnostic], Bool) {
        let result = results[cell.index]
        var diags = result?.diagnostics ?? []
        let status = result?.status
        let failed = status.map { $0 != .ok && $0 != .notRun } ?? false
        var classes = ["cell"]
        if cell.runs { classes.append("cell-swift") }
        if let status { classes.append("cell-status-\(status.rawValue)") }
        var html = "<div class=\"\(classes.joined(separator: " "))\" id=\"cell-\(cell.index + 1)\">\n"
        if !cell.options.hide {
            let code: String
            switch outcomes[RenderRequest(.code(language: cell.language), cell.code)] {
            case .html(let h)?: code = h
            default: code = HTML.escape(cell.code)
            }
            let lang = cell.language.isEmpty ? "" : " language-\(HTML.escape(cell.language))"
            html += "<pre class=\"cell-code\"><code class=\"hljs\(lang)\">\(code)</code></pre>\n"
        }
        if let result, !result.outputs.isEmpty, cell.options.output != .hide {
            var outs = ""
            for output in result.outputs {
                switch output {
                case .text(let t): outs += "<pre class=\"cell-output cell-text\">\(HTML.escape(t))</pre>\n"
                case .html(let h): outs += "<div class=\"cell-output cell-html\">\(h)</div>\n"
                case .math(let tex):
                    switch outcomes[RenderRequest(.displayMath, tex)] {
                    case .html(let h)?: outs += "<div class=\"cell-output cell-math\">\(h)</div>\n"
                    case .error(let e)?:
                        diags.append(Diagnostic(file: lesson.file, line: cell.codeLine, message: "bad math in cell output: \(e)"))
                        outs += "<pre class=\"cell-output cell-text\">\(HTML.escape(tex))</pre>\n"
                    case nil: outs += "<pre class=\"cell-output cell-text\">\(HTML.escape(tex))</pre>\n"
                    }
                }
            }
            if cell.options.output == .fold {
                html += "<details class=\"cell-outputs\"><summary>Output</summary>\n\(outs)</details>\n"
            } else {
                html += "<div class=\"cell-outputs\">\n\(outs)</div>\n"
            }
        }
        if status == .notRun, diags.isEmpty {
            html += "<p class=\"cell-note\">This cell was not run.</p>\n"
        }
        if failed || !diags.isEmpty {
            let label = Self.statusText[status ?? .ok] ?? "problem"
            html += "<div class=\"cell-diagnostics\" role=\"alert\"><p class=\"cell-status\">Cell \(cell.index + 1): \(HTML.escape(label))</p>\n"
            if !diags.isEmpty {
                html += "<pre>" + diags.map { HTML.escape($0.description) }.joined(separator: "\n") + "</pre>\n"
            }
            html += "</div>\n"
        }
        html += "</div>\n"
        return (html, diags, failed || diags.contains { $0.severity == .error })
    }

    /// Puts formulas back where the parser left placeholders (U+E000 digits U+E001). A
    /// display formula alone in a paragraph becomes a block of its own.
    struct RenderedMath { var display: Bool; var html: String }

    static func restoreMath(_ html: String, _ math: [RenderedMath]) -> String {
        let b = Array(html.utf8)
        guard b.contains(0xEE) else { return html }
        var out: [UInt8] = []
        out.reserveCapacity(b.count * 2)
        let pOpen = Array("<p>".utf8), pClose = Array("</p>".utf8)
        let divOpen = Array("<div class=\"math-display\">".utf8), divClose = Array("</div>".utf8)
        let nowrapOpen = Array("<span class=\"nowrap\">".utf8), spanClose = Array("</span>".utf8)
        let trailingPunctuation: Set<UInt8> = Set(".,;:!?)".utf8)
        var i = 0
        while i < b.count {
            if b[i] == 0xEE, i + 2 < b.count, b[i + 1] == 0x80, b[i + 2] == 0x80 {
                var j = i + 3, n = 0
                while j < b.count, b[j] >= 48, b[j] <= 57 { n = n * 10 + Int(b[j] - 48); j += 1 }
                if j + 2 < b.count, b[j] == 0xEE, b[j + 1] == 0x80, b[j + 2] == 0x81, n < math.count {
                    let end = j + 3
                    if math[n].display, out.count >= 3, out[(out.count - 3)...].elementsEqual(pOpen),
                       end + 4 <= b.count, b[end..<(end + 4)].elementsEqual(pClose) {
                        out.removeLast(3)
                        out.append(contentsOf: divOpen); out.append(contentsOf: math[n].html.utf8); out.append(contentsOf: divClose)
                        i = end + 4
                    } else if !math[n].display, end < b.count, trailingPunctuation.contains(b[end]) {
                        // keep "formula." together: a line break between them looks broken
                        var k = end
                        while k < b.count, trailingPunctuation.contains(b[k]) { k += 1 }
                        out.append(contentsOf: nowrapOpen); out.append(contentsOf: math[n].html.utf8)
                        out.append(contentsOf: b[end..<k]); out.append(contentsOf: spanClose)
                        i = k
                    } else {
                        out.append(contentsOf: math[n].html.utf8)
                        i = end
                    }
                    continue
                }
            }
            out.append(b[i]); i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
