import CCmark
import Foundation

/// Markdown lesson -> `Lesson`. This file is the only user of cmark's C API: each top-level
/// node is copied into a Swift value (prose as cmark's HTML, headings, cells) and the C tree
/// is freed before `parse` returns.
public enum LessonParser {
    /// CommonMark removes up to the opening fence's indentation (1-3 spaces) from each line of
    /// a fenced block: how many it removed from each code line, or [] for an unindented fence.
    static func strippedIndent(fenceLine: Int, codeLines: Int, sourceLines: [Substring]) -> [Int] {
        func leadingSpaces(_ i: Int) -> Int { i < sourceLines.count ? sourceLines[i].prefix { $0 == " " }.count : 0 }
        let fence = leadingSpaces(fenceLine - 1)
        guard fence > 0 else { return [] }
        return (0..<codeLines).map { min(fence, leadingSpaces(fenceLine + $0)) }
    }

    /// `file` is the path shown in diagnostics; `directory` (if given) is where local images are looked up.
    public static func parse(source rawSource: String, file: String, slug: String, directory: URL? = nil) -> Lesson {
        let source = rawSource.utf8.contains(13) ? rawSource.replacingOccurrences(of: "\r\n", with: "\n") : rawSource
        var diagnostics: [Diagnostic] = []
        let split = FrontMatterParser.split(source, file: file)
        diagnostics += split.diagnostics
        var protected = MathProtector.protect(split.body, firstLine: split.bodyFirstLine, file: file)
        diagnostics += protected.diagnostics
        protected.diagnostics = []
        let sourceLines = splitLines(source)

        var blocks: [Block] = []
        var images: [ImageRef] = []
        var headingIDs = Set<String>()
        var cellIndex = 0

        let options = CMARK_OPT_UNSAFE
        let text = protected.text
        guard let doc = text.withCString({ cmark_parse_document($0, strlen($0), options) }) else {
            diagnostics.append(Diagnostic(file: file, line: 1, message: "cmark could not parse this file"))
            return Lesson(file: file, slug: slug, frontMatter: split.frontMatter, blocks: [], math: protected.math,
                          images: [], diagnostics: diagnostics, source: source)
        }
        defer { cmark_node_free(doc) }

        var node = cmark_node_first_child(doc)
        while let n = node {
            node = cmark_node_next(n)
            let line = protected.originalLine(Int(cmark_node_get_start_line(n)))
            images += collectImages(n, blockLine: line, sourceLines: sourceLines)
            rewriteLessonLinks(n)
            diagnostics += nestedSwiftFences(n, file: file, protected: protected)
            switch cmark_node_get_type(n) {
            case CMARK_NODE_CODE_BLOCK:
                var code = cmark_node_get_literal(n).map { String(cString: $0) } ?? ""
                if code.hasSuffix("\n") { code.removeLast() }
                if let fence = protected.fences[line] {
                    let (language, opts, diags) = CellOptionsParser.parse(info: fence.info, line: line,
                        sourceLine: line - 1 < sourceLines.count ? String(sourceLines[line - 1]) : "", file: file)
                    diagnostics += diags
                    var cell = Cell(index: cellIndex, language: language, options: opts, code: code, fenceLine: line)
                    cell.strippedIndent = strippedIndent(fenceLine: line, codeLines: code.split(separator: "\n", omittingEmptySubsequences: false).count,
                                                         sourceLines: sourceLines)
                    blocks.append(.cell(cell))
                } else {
                    // an indented code block: shown, never run; the math protector could not tell
                    // it from prose, so any formula it cut out is put back as written
                    code = restoreSource(code, &protected.math, attributeLists: protected.attributeLists)
                    var cell = Cell(index: cellIndex, language: "", options: CellOptions(), code: code, fenceLine: line)
                    cell.codeLine = line
                    blocks.append(.cell(cell))
                }
                cellIndex += 1
            case CMARK_NODE_HEADING:
                let level = Int(cmark_node_get_heading_level(n))
                var html = renderHTML(n, options: options)
                // strip cmark's <hN>...</hN>\n wrapper; the renderer adds its own with an id
                if let open = html.range(of: ">"), let close = html.range(of: "</h", options: .backwards) {
                    html = String(html[open.upperBound..<close.lowerBound])
                }
                html = AttributeList.apply(html, [])
                let plain = plainText(n).replacingOccurrences(of: "[\u{E000}\u{E002}][0-9]+[\u{E001}\u{E003}]", with: "", options: .regularExpression)
                    .trimmingCharacters(in: .whitespaces)
                let id = uniqueSlug(plain, taken: &headingIDs)
                blocks.append(.heading(Heading(level: level, text: plain, id: id, html: html, line: line)))
            default:
                let html = AttributeList.apply(renderHTML(n, options: options), protected.attributeLists)
                if !html.isEmpty { blocks.append(.prose(html: html, line: line)) }
            }
        }
        if let dir = directory {
            for image in images where isLocal(image.url) {
                let path = (image.url.removingPercentEncoding ?? image.url).split(separator: "#").first.map(String.init) ?? image.url
                if !FileManager.default.fileExists(atPath: dir.appendingPathComponent(path).path) {
                    diagnostics.append(Diagnostic(file: file, line: image.line, column: image.column,
                        message: "missing image '\(image.url)' (looked in \(dir.path))"))
                }
            }
        }
        return Lesson(file: file, slug: slug, frontMatter: split.frontMatter, blocks: blocks, math: protected.math,
                      images: images, diagnostics: diagnostics, source: source)
    }

    /// Replaces math placeholders with the formulas' source (`$...$`, `$$...$$`, marked as code)
    /// and attribute-list placeholders with their `{:...}` text.
    static func restoreSource(_ text: String, _ math: inout [MathSpan], attributeLists: [String]) -> String {
        guard text.contains(MathPlaceholder.open) || text.contains("\u{E002}") else { return text }
        var out = "", number = "", open: Character? = nil
        for ch in text {
            if ch == MathPlaceholder.open || ch == "\u{E002}" { open = ch; number = "" }
            else if let o = open, ch == MathPlaceholder.close || ch == "\u{E003}" {
                open = nil
                guard let n = Int(number) else { continue }
                if o == MathPlaceholder.open, n < math.count {
                    math[n].inCode = true
                    let d = math[n].display ? "$$" : "$"
                    out += d + math[n].tex + d
                } else if o == "\u{E002}", n < attributeLists.count {
                    out += "{:" + attributeLists[n] + "}"
                }
            } else if open != nil { number.append(ch) }
            else { out.append(ch) }
        }
        return out
    }

    /// Lines split on the UTF-8 bytes (splitting a String by Character is far slower).
    static func splitLines(_ s: String) -> [Substring] {
        var lines: [Substring] = []
        var start = s.startIndex
        let u = s.utf8
        var i = u.startIndex
        while i != u.endIndex {
            if u[i] == 10 { lines.append(s[start..<i]); start = u.index(after: i) }
            i = u.index(after: i)
        }
        lines.append(s[start...])
        return lines
    }

    /// A relative URL without a scheme: a file that ships with the lessons.
    static func isLocal(_ url: String) -> Bool {
        !(url.isEmpty || url.contains("://") || url.hasPrefix("data:") || url.hasPrefix("/") || url.hasPrefix("#") || url.hasPrefix("mailto:"))
    }

    private static func renderHTML(_ node: OpaquePointer, options: Int32) -> String {
        guard let p = cmark_render_html(node, options) else { return "" }
        defer { free(p) }
        return String(cString: p)
    }

    private static func walk(_ root: OpaquePointer, _ visit: (OpaquePointer) -> Void) {
        guard let iter = cmark_iter_new(root) else { return }
        defer { cmark_iter_free(iter) }
        while cmark_iter_next(iter) != CMARK_EVENT_DONE {
            if cmark_iter_get_event_type(iter) == CMARK_EVENT_ENTER, let n = cmark_iter_get_node(iter) { visit(n) }
        }
    }

    private static func plainText(_ root: OpaquePointer) -> String {
        var s = ""
        walk(root) { n in
            switch cmark_node_get_type(n) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE: if let l = cmark_node_get_literal(n) { s += String(cString: l) }
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK: s += " "
            default: break
            }
        }
        return s
    }

    /// Images inside a block; cmark 0.30 gives no inline positions, so the URL is looked up
    /// in the source from the block's first line to find its line and column.
    private static func collectImages(_ root: OpaquePointer, blockLine: Int, sourceLines: [Substring]) -> [ImageRef] {
        var refs: [ImageRef] = []
        walk(root) { n in
            guard cmark_node_get_type(n) == CMARK_NODE_IMAGE, let u = cmark_node_get_url(n) else { return }
            let url = String(cString: u)
            var ref = ImageRef(url: url, line: blockLine, column: 1)
            for l in max(blockLine, 1)...max(blockLine, min(sourceLines.count, blockLine + 200)) where l - 1 < sourceLines.count {
                let text = String(sourceLines[l - 1])
                if let r = text.range(of: "](" + url) ?? text.range(of: url) {
                    // point at the `![` that opens this image when it is on the same line
                    let start = text.range(of: "![", options: .backwards, range: text.startIndex..<r.lowerBound)?.lowerBound ?? r.lowerBound
                    ref.line = l
                    ref.column = text.distance(from: text.startIndex, to: start) + 1
                    break
                }
            }
            refs.append(ref)
        }
        return refs
    }

    /// Cells are top-level fences only: a ```` ```swift ```` fence inside a list item or a
    /// quote is shown as code but never run, which an author would not guess.
    private static func nestedSwiftFences(_ root: OpaquePointer, file: String, protected: ProtectedText) -> [Diagnostic] {
        guard cmark_node_get_type(root) != CMARK_NODE_CODE_BLOCK else { return [] }
        var found: [Diagnostic] = []
        walk(root) { n in
            guard cmark_node_get_type(n) == CMARK_NODE_CODE_BLOCK,  // an info string means a fence
                  let info = cmark_node_get_fence_info(n).map({ String(cString: $0) }),
                  info.split(separator: " ").first == "swift" else { return }
            let line = protected.originalLine(Int(cmark_node_get_start_line(n)))
            found.append(Diagnostic(file: file, line: line, column: Int(cmark_node_get_start_column(n)), severity: .warning,
                message: "this swift block is inside a list or quote, so it is shown but not run; to run it, move it out of the list or quote (a cell's fence begins a line, after at most 3 spaces)"))
        }
        return found
    }

    /// Links between lessons are written as the Markdown files (`02-bayes.md#gap`, which also
    /// work on GitHub); on the site they point at the pages (`02-bayes.html#gap`).
    private static func rewriteLessonLinks(_ root: OpaquePointer) {
        walk(root) { n in
            guard cmark_node_get_type(n) == CMARK_NODE_LINK, let u = cmark_node_get_url(n) else { return }
            let url = String(cString: u)
            if let rewritten = lessonPageURL(url) { _ = cmark_node_set_url(n, rewritten) }
        }
    }

    static func lessonPageURL(_ url: String) -> String? {
        guard isLocal(url) else { return nil }
        let parts = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        guard let path = parts.first, path.hasSuffix(".md"), !path.contains("/") else { return nil }
        return path.dropLast(3) + ".html" + (parts.count > 1 ? "#" + parts[1] : "")
    }

    /// GitHub-style anchors: lowercase letters and digits of any script, spaces to `-`.
    static func uniqueSlug(_ text: String, taken: inout Set<String>) -> String {
        var slug = ""
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber || ch == "-" || ch == "_" { slug.append(ch) }
            else if ch == " ", !slug.hasSuffix("-") { slug.append("-") }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.isEmpty { slug = "section" }
        var candidate = slug, k = 1
        while taken.contains(candidate) { candidate = "\(slug)-\(k)"; k += 1 }
        taken.insert(candidate)
        return candidate
    }
}
