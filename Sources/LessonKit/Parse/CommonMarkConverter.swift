import CCmark
import Foundation

/// The only user of cmark's C API: parses the math-protected Markdown and copies cmark's tree
/// into `Block`/`Inline` values, turning the protector's placeholders back into formulas and
/// attribute lists. The C tree is freed before `convert` returns.
struct CommonMarkConverter {
    let protected: ProtectedText
    let file: String
    let sourceLines: [Substring]
    var diagnostics: [Diagnostic] = []
    private var headingIDs = Set<String>()
    private var cellIndex = 0
    /// Set by a paragraph whose text ends with an attribute list that follows no image.
    private var trailingAttributes: [HTMLAttribute]? = nil

    init(protected: ProtectedText, file: String, sourceLines: [Substring]) {
        self.protected = protected; self.file = file; self.sourceLines = sourceLines
    }

    /// cmark's HTML for `markdown`, for the differential test of `HTMLRenderer` only.
    static func cmarkHTML(_ markdown: String) -> String {
        let bytes = Array(markdown.utf8)
        guard let doc = cmark_parse_document(bytes, bytes.count, CMARK_OPT_UNSAFE) else { return "" }
        defer { cmark_node_free(doc) }
        guard let p = cmark_render_html(doc, CMARK_OPT_UNSAFE) else { return "" }
        defer { free(p) }
        return String(cString: p)
    }

    mutating func convert() -> [Block] {
        let bytes = Array(protected.text.utf8)  // the real length: a NUL byte does not end the text
        guard let doc = cmark_parse_document(bytes, bytes.count, CMARK_OPT_UNSAFE) else {
            diagnostics.append(Diagnostic(file: file, line: 1, message: "cmark could not parse this file"))
            return []
        }
        defer { cmark_node_free(doc) }
        var blocks: [Block] = []
        for n in children(doc) {
            let line = self.line(n)
            if cmark_node_get_type(n) == CMARK_NODE_CODE_BLOCK {
                blocks.append(.code(topLevelCell(n, line: line)))
                cellIndex += 1
                continue
            }
            reportNestedSwiftFences(n)
            blocks += block(n, tightList: false)
        }
        return blocks
    }

    // MARK: blocks

    private func children(_ node: OpaquePointer) -> [OpaquePointer] {
        var out: [OpaquePointer] = []
        var c = cmark_node_first_child(node)
        while let n = c { out.append(n); c = cmark_node_next(n) }
        return out
    }

    private func line(_ n: OpaquePointer) -> Int { protected.originalLine(Int(cmark_node_get_start_line(n))) }
    private func position(_ n: OpaquePointer) -> SourcePosition {
        SourcePosition(line: line(n), column: Int(cmark_node_get_start_column(n)))
    }
    private func literal(_ n: OpaquePointer) -> String { cmark_node_get_literal(n).map { String(cString: $0) } ?? "" }

    /// A block below the top level (or a top-level block other than code); [] when it is empty.
    private mutating func block(_ n: OpaquePointer, tightList: Bool) -> [Block] {
        switch cmark_node_get_type(n) {
        case CMARK_NODE_PARAGRAPH:
            let content = inlines(n, attachAttributes: true)
            // kramdown attribute lists are removed from the text; a paragraph left empty is dropped
            if !tightList, content.allSatisfy(Self.isWhitespace) { return [] }
            if !tightList, content.count == 1, case .math(let m) = content[0], m.display { return [.displayMath(m)] }
            // Quarto's equation label after the closing `$$`: `$$ ... $$ {#eq-elbo}`
            if !tightList, content.count == 2, case .math(var m) = content[0], m.display, case .text(let t) = content[1],
               let label = Self.trailingLabel(t), t.trimmingCharacters(in: .whitespaces) == "{#\(label)}" {
                m.label = label
                return [.displayMath(m)]
            }
            return [.paragraph(content, position(n))]
        case CMARK_NODE_HEADING:
            var content = inlines(n, attachAttributes: false)
            // Pandoc/kramdown header attributes: `## Bayes' rule {#sec-bayes}` sets the anchor
            var label: String? = nil
            if case .text(let t)? = content.last, let l = Self.trailingLabel(t), let r = t.range(of: "{#\(l)}", options: .backwards) {
                label = l
                let rest = String(t[..<r.lowerBound]).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
                if rest.isEmpty { content.removeLast() } else { content[content.count - 1] = .text(rest) }
            }
            let plain = Inline.plainText(content).trimmingCharacters(in: .whitespaces)
            let id: String
            if let label { id = label; headingIDs.insert(label) } else { id = LessonParser.uniqueSlug(plain, taken: &headingIDs) }
            var heading = Heading(level: Int(cmark_node_get_heading_level(n)), content: content, id: id, line: line(n))
            heading.label = label
            return [.heading(heading)]
        case CMARK_NODE_BLOCK_QUOTE:
            // a kramdown list on the line after a quote (`{: .prompt-tip }`, Chirpy's prompts) is
            // a lazy continuation of its last paragraph: it belongs to the quote
            var inner: [Block] = [], attributes: [HTMLAttribute] = []
            let kids = children(n)
            for (k, c) in kids.enumerated() {
                trailingAttributes = nil
                inner += block(c, tightList: false)
                if k == kids.count - 1, let a = trailingAttributes { attributes = a }
            }
            trailingAttributes = nil
            return [.quote(inner, position(n), attributes: attributes)]
        case CMARK_NODE_LIST:
            let tight = cmark_node_get_list_tight(n) != 0
            let items = children(n).map { item in children(item).flatMap { block($0, tightList: tight) } }
            let list = ListBlock(ordered: cmark_node_get_list_type(n) == CMARK_ORDERED_LIST,
                                 start: Int(cmark_node_get_list_start(n)), tight: tight, items: items)
            return [.list(list, position(n))]
        case CMARK_NODE_CODE_BLOCK:
            let info = cmark_node_get_fence_info(n).map { String(cString: $0) } ?? ""
            return [.verbatim(info: restoreSource(info), code: restoreSource(literal(n)), position(n))]
        case CMARK_NODE_HTML_BLOCK:
            return [.html(splitPlaceholders(literal(n), as: { .html($0) }), position(n))]
        case CMARK_NODE_THEMATIC_BREAK:
            return [.thematicBreak(position(n))]
        default:
            return []
        }
    }

    private mutating func topLevelCell(_ n: OpaquePointer, line: Int) -> Cell {
        var code = literal(n)
        if code.hasSuffix("\n") { code.removeLast() }
        guard let fence = protected.fences[line] else {
            // an indented code block: shown, never run; the math protector could not tell it
            // from prose, so any formula it cut out is put back as written
            var cell = Cell(index: cellIndex, language: "", options: CellOptions(), code: restoreSource(code), fenceLine: line)
            cell.codeLine = line
            return cell
        }
        let sourceLine = line - 1 < sourceLines.count ? String(sourceLines[line - 1]) : ""
        let (language, opts, diags) = CellOptionsParser.parse(info: fence.info, line: line, sourceLine: sourceLine, file: file)
        diagnostics += diags
        var cell = Cell(index: cellIndex, language: language, options: opts, code: code, fenceLine: line)
        cell.strippedIndent = LessonParser.strippedIndent(fenceLine: line, codeLines: TextLines.count(code), sourceLines: sourceLines)
        return cell
    }

    /// Cells are top-level fences only: a ```` ```swift ```` fence inside a list item or a
    /// quote is shown as code but never run, which an author would not guess.
    private mutating func reportNestedSwiftFences(_ root: OpaquePointer) {
        guard let iter = cmark_iter_new(root) else { return }
        defer { cmark_iter_free(iter) }
        while cmark_iter_next(iter) != CMARK_EVENT_DONE {
            guard cmark_iter_get_event_type(iter) == CMARK_EVENT_ENTER, let n = cmark_iter_get_node(iter),
                  cmark_node_get_type(n) == CMARK_NODE_CODE_BLOCK,
                  let info = cmark_node_get_fence_info(n).map({ String(cString: $0) }),
                  info.split(separator: " ").first == "swift" else { continue }
            diagnostics.append(Diagnostic(file: file, line: line(n), column: Int(cmark_node_get_start_column(n)), severity: .warning,
                message: "this swift block is inside a list or quote, so it is shown but not run; to run it, move it out of the list or quote (a cell's fence begins a line, after at most 3 spaces)"))
        }
    }

    // MARK: inlines

    /// While converting, an attribute list is a marker that is then attached to the image
    /// before it or dropped.
    private enum Piece { case inline(Inline), attributes(Int) }

    private mutating func inlines(_ parent: OpaquePointer, attachAttributes: Bool) -> [Inline] {
        var pieces: [Piece] = []
        for n in children(parent) { pieces += inline(n) }
        var out: [Inline] = []
        // an attribute list that ends a paragraph without following an image (kept for a quote)
        var trailing: [HTMLAttribute]? = nil
        for piece in pieces {
            switch piece {
            case .inline(let i):
                if !Self.isWhitespace(i) { trailing = nil }
                if case .text(let t) = i, case .text(let before)? = out.last { out[out.count - 1] = .text(before + t) } else { out.append(i) }
            case .attributes(let k):
                // `![x](a.png){: .shadow}` or the list on the next line: whitespace between is dropped
                guard attachAttributes, k < protected.attributeLists.count else { continue }
                var j = out.count - 1
                while j >= 0, Self.isWhitespace(out[j]) { j -= 1 }
                guard j >= 0, case .image(var img) = out[j] else {
                    trailing = AttributeList.attributes(protected.attributeLists[k])
                    out.removeSubrange((j + 1)...)
                    continue
                }
                img.attributes += AttributeList.attributes(protected.attributeLists[k])
                out[j] = .image(img)
                out.removeSubrange((j + 1)...)
            }
        }
        if let trailing, cmark_node_get_type(parent) == CMARK_NODE_PARAGRAPH { trailingAttributes = trailing }
        return out
    }

    /// `{#eq-elbo}` at the end of `text`: the label inside.
    static func trailingLabel(_ text: String) -> String? {
        guard let m = text.range(of: #"\{#[A-Za-z][A-Za-z0-9_:-]*\}\s*$"#, options: .regularExpression) else { return nil }
        return String(text[m].trimmingCharacters(in: .whitespaces).dropFirst(2).dropLast())
    }

    private static func isWhitespace(_ i: Inline) -> Bool {
        switch i {
        case .softBreak: return true
        case .text(let t): return t.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" }
        default: return false
        }
    }

    private mutating func inline(_ n: OpaquePointer) -> [Piece] {
        switch cmark_node_get_type(n) {
        case CMARK_NODE_TEXT: return textPieces(literal(n))
        // the protector cannot always tell a code span from prose (e.g. inside an indented code
        // block), so a formula it cut out of one is put back as written
        case CMARK_NODE_CODE: return [.inline(.code(restoreSource(literal(n))))]
        case CMARK_NODE_HTML_INLINE: return splitPlaceholders(literal(n), as: { .html($0) }).map { .inline($0) }
        case CMARK_NODE_SOFTBREAK: return [.inline(.softBreak)]
        case CMARK_NODE_LINEBREAK: return [.inline(.lineBreak)]
        case CMARK_NODE_EMPH: return [.inline(.emphasis(inlines(n, attachAttributes: true)))]
        case CMARK_NODE_STRONG: return [.inline(.strong(inlines(n, attachAttributes: true)))]
        case CMARK_NODE_LINK: return [.inline(.link(target(n), inlines(n, attachAttributes: true)))]
        case CMARK_NODE_IMAGE:
            let t = target(n)
            return [.inline(.image(Image(target: t, alt: inlines(n, attachAttributes: false), position: imagePosition(n, url: t.url))))]
        default: return []
        }
    }

    private func target(_ n: OpaquePointer) -> LinkTarget {
        LinkTarget(url: restoreSource(cmark_node_get_url(n).map { String(cString: $0) } ?? ""),
                   title: restoreSource(cmark_node_get_title(n).map { String(cString: $0) } ?? ""))
    }

    /// cmark 0.30 gives no inline positions, so the URL is looked up in the source from the
    /// block's first line to find its line and column (the `![` that opens the image).
    private func imagePosition(_ n: OpaquePointer, url: String) -> SourcePosition {
        var block: OpaquePointer? = n
        while let b = block, cmark_node_get_type(b).rawValue >= CMARK_NODE_FIRST_INLINE.rawValue { block = cmark_node_parent(b) }
        let blockLine = block.map(line) ?? 1
        for l in max(blockLine, 1)...max(blockLine, min(sourceLines.count, blockLine + 200)) where l - 1 < sourceLines.count {
            let text = String(sourceLines[l - 1])
            if let r = text.range(of: "](" + url) ?? text.range(of: url) {
                let start = text.range(of: "![", options: .backwards, range: text.startIndex..<r.lowerBound)?.lowerBound ?? r.lowerBound
                return SourcePosition(line: l, column: text.distance(from: text.startIndex, to: start) + 1)
            }
        }
        return SourcePosition(line: blockLine)
    }

    // MARK: placeholders

    /// Text with formulas and attribute lists where the protector left placeholders.
    private func textPieces(_ text: String) -> [Piece] {
        var pieces: [Piece] = []
        scanPlaceholders(text,
            literal: { pieces.append(.inline(.text($0))) },
            math: { pieces.append(.inline(.math($0))) },
            attributes: { pieces.append(.attributes($0)) })
        return pieces
    }

    /// Raw HTML with formulas in it: HTML pieces and formulas (attribute lists are dropped).
    private func splitPlaceholders(_ text: String, as wrap: (String) -> Inline) -> [Inline] {
        var out: [Inline] = []
        scanPlaceholders(text, literal: { out.append(wrap($0)) }, math: { out.append(.math($0)) }, attributes: { _ in })
        return out
    }

    /// Text where formulas are not rendered (code, URLs): placeholders become the source again.
    private func restoreSource(_ text: String) -> String {
        var out = ""
        scanPlaceholders(text, literal: { out += $0 },
            math: { out += ($0.display ? "$$" : "$") + $0.tex + ($0.display ? "$$" : "$") },
            attributes: { out += "{:" + protected.attributeLists[$0] + "}" })
        return out
    }

    private func scanPlaceholders(_ text: String, literal: (String) -> Void, math: (MathSpan) -> Void, attributes: (Int) -> Void) {
        guard text.unicodeScalars.contains(where: { Placeholder.isOpen($0) }) else { literal(text); return }
        var plain = "", number = "", open: Unicode.Scalar? = nil
        for ch in text.unicodeScalars {
            if Placeholder.isOpen(ch) { open = ch; number = ""; continue }
            if let o = open {
                if ch == Placeholder.close(of: o) {
                    open = nil
                    if let k = Int(number) {
                        if !plain.isEmpty { literal(plain); plain = "" }
                        if o == Placeholder.mathOpen, k < protected.math.count { math(protected.math[k]) }
                        else if o == Placeholder.attributesOpen, k < protected.attributeLists.count { attributes(k) }
                    }
                } else { number.unicodeScalars.append(ch) }
                continue
            }
            plain.unicodeScalars.append(ch)
        }
        if !plain.isEmpty { literal(plain) }
    }
}

/// The protector's placeholders: private-use characters cmark passes through untouched, around
/// a decimal index: U+E000 n U+E001 for a formula, U+E002 n U+E003 for an attribute list. They
/// exist only between the math protector and the converter.
enum Placeholder {
    static let mathOpen: Unicode.Scalar = "\u{E000}", mathClose: Unicode.Scalar = "\u{E001}"
    static let attributesOpen: Unicode.Scalar = "\u{E002}", attributesClose: Unicode.Scalar = "\u{E003}"
    static func math(_ k: Int) -> String { "\u{E000}\(k)\u{E001}" }
    static func attributes(_ k: Int) -> String { "\u{E002}\(k)\u{E003}" }
    static func isOpen(_ c: Unicode.Scalar) -> Bool { c == mathOpen || c == attributesOpen }
    static func close(of open: Unicode.Scalar) -> Unicode.Scalar { open == mathOpen ? mathClose : attributesClose }
}
