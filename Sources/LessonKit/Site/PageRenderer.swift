import Foundation

/// Turns a lesson (its tree and its cell results) into the page body, once KaTeX and
/// highlight.js have produced their HTML (see `RenderService`).
public struct PageRenderer {
    public var lesson: Lesson
    public var results: [Int: CellResult] { lesson.results }
    /// The page language's labels ("Figure", "Output", ...).
    public var strings: InterfaceStrings

    public init(lesson: Lesson, strings: InterfaceStrings = .english) { self.lesson = lesson; self.strings = strings }

    /// Everything this page needs from the node process.
    public var requests: [RenderRequest] {
        var r = lesson.formulas.map { RenderRequest($0.display ? .displayMath : .inlineMath, $0.tex) }
        for cell in lesson.cells {
            if !cell.options.hide { r.append(RenderRequest(.code(language: cell.language), cell.code)) }
            for case .math(let tex) in results[cell.index]?.outputs ?? [] { r.append(RenderRequest(.displayMath, tex)) }
        }
        return r
    }

    public struct Output: Sendable {
        public var body: String
        /// The `##` and `###` headings, each with its inner HTML.
        public var toc: [(heading: Heading, html: String)]
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
        var toc: [(Heading, String)] = []
        var skippedTitle = false
        let firstHeading: Heading? = { if case .heading(let h)? = lesson.blocks.first { return h } else { return nil } }()
        var renderer = HTMLRenderer(
            math: { span in
                switch outcomes[RenderRequest(span.display ? .displayMath : .inlineMath, span.tex)] {
                case .html(let h)?: return h
                case .error(let e)?:
                    diagnostics.append(Diagnostic(file: lesson.file, line: span.line, column: span.column, message: "bad math: \(e)"))
                    return "<code class=\"math-error\" title=\"\(HTML.escape(e))\">\(HTML.escape(span.tex))</code>"
                case nil: return HTML.escape(span.tex)
                }
            },
            cell: { cell in
                let (html, diags, failed) = renderCell(cell, outcomes)
                cellDiagnostics += diags
                if failed { failing += 1 }
                return Self.labelled(cell, html, strings)
            },
            heading: { h, inner in
                if h.level == 2 || h.level == 3 { toc.append((h, inner)) }
                // a leading `# Title` is the page title when the front matter has none
                if !skippedTitle, h == firstHeading, h.level == 1,
                   lesson.frontMatter.title == nil || lesson.frontMatter.title == h.text {
                    skippedTitle = true
                    return ""
                }
                return "<h\(h.level) id=\"\(HTML.escape(h.id))\">\(inner)"
                    + "<a class=\"anchor\" href=\"#\(HTML.escape(h.id))\" aria-label=\"\(HTML.escape(strings.linkToSection))\">#</a></h\(h.level)>\n"
            })
        renderer.strings = strings
        let body = renderer.render(lesson.blocks)
        return Output(body: body, toc: toc, diagnostics: diagnostics, cellDiagnostics: cellDiagnostics, failingCells: failing)
    }

    /// A cell with a cross-reference label (`label=fig-x caption="..."`) is a numbered figure or
    /// table, its caption under it.
    static func labelled(_ cell: Cell, _ html: String, _ strings: InterfaceStrings = .english) -> String {
        guard let label = cell.options.label else { return html }
        let number = strings.captionNumber(table: label.hasPrefix("tbl-"), number: cell.number.map(String.init) ?? "?")
        var caption = "<span class=\"caption-number\">\(number)</span>"
        if let c = cell.options.caption, !c.isEmpty { caption += ": " + HTML.escape(c) }
        return "<figure class=\"xref-figure\" id=\"\(HTML.escape(label))\">\n\(html)<figcaption>\(caption)</figcaption>\n</figure>\n"
    }

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
            // focusable, so a code block wider than the page scrolls from the keyboard too
            html += "<pre class=\"cell-code\" tabindex=\"0\"><code class=\"hljs\(lang)\">\(code)</code></pre>\n"
        }
        if let result, !result.outputs.isEmpty, cell.options.output != .hide {
            var outs = ""
            // text outputs are focusable like the code: a wide one scrolls from the keyboard too
            for output in result.outputs {
                switch output {
                case .text(let t): outs += "<pre class=\"cell-output cell-text\" tabindex=\"0\">\(HTML.escape(t))</pre>\n"
                case .html(let h): outs += "<div class=\"cell-output cell-html\">\(h)</div>\n"
                case .math(let tex):
                    switch outcomes[RenderRequest(.displayMath, tex)] {
                    case .html(let h)?: outs += "<div class=\"cell-output cell-math\">\(h)</div>\n"
                    case .error(let e)?:
                        diags.append(Diagnostic(file: lesson.file, line: cell.codeLine, message: "bad math in cell output: \(e)"))
                        outs += "<pre class=\"cell-output cell-text\" tabindex=\"0\">\(HTML.escape(tex))</pre>\n"
                    case nil: outs += "<pre class=\"cell-output cell-text\" tabindex=\"0\">\(HTML.escape(tex))</pre>\n"
                    }
                }
            }
            if cell.options.output == .fold {
                html += "<details class=\"cell-outputs\"><summary>\(HTML.escape(strings.output))</summary>\n\(outs)</details>\n"
            } else {
                html += "<div class=\"cell-outputs\">\n\(outs)</div>\n"
            }
        }
        if status == .notRun, diags.isEmpty {
            html += "<p class=\"cell-note\">\(HTML.escape(strings.cellNotRun))</p>\n"
        }
        if failed || !diags.isEmpty {
            let label = strings.cellStatus(status ?? .ok)
            html += "<div class=\"cell-diagnostics\" role=\"alert\"><p class=\"cell-status\">\(HTML.escape(strings.cell)) \(cell.index + 1): \(HTML.escape(label))</p>\n"
            if !diags.isEmpty {
                html += "<pre>" + diags.map { HTML.escape($0.description) }.joined(separator: "\n") + "</pre>\n"
            }
            html += "</div>\n"
        }
        html += "</div>\n"
        return (html, diags, failed || diags.contains { $0.severity == .error })
    }
}
