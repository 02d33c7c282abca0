import Foundation

/// What a translator translates, one entry per piece of prose, as Comprehensive Rust's
/// catalogues do (mdbook-i18n-helpers): each paragraph, heading, list item paragraph, quote
/// paragraph and HTML block, the front matter's title and summary, and each figure caption. The
/// msgid is the block's Markdown exactly as the author wrote it (container markers such as
/// `> ` and `1. ` taken off), so a translator sees the source they know and `git diff` of the
/// lesson matches the catalogue's diff.
///
/// Shared, never translated: code, display math, labels. Cells still get an entry each
/// (`msgctxt "cell"`, msgstr = the code): it records which code the translation beside it was
/// written against, so a changed cell makes its entry outdated (gettext's `fuzzy`) and the
/// translated text next to it is reviewed; the page always runs and shows the source's code.
public struct TranslationUnit: Hashable, Sendable {
    public enum Kind: String, Sendable { case title, summary, text, heading, html, cell, caption }
    public var kind: Kind
    public var id: String
    /// The line of the block in the lesson's .md file.
    public var line: Int
    /// The msgctxt: prose has none, so one paragraph written twice is translated once.
    public var context: String? {
        switch kind {
        case .text, .heading, .html: return nil
        case .title, .summary, .cell, .caption: return kind.rawValue
        }
    }
    public var key: POKey { POKey(context: context, id: id) }
}

/// Finds each unit's text in a lesson's source. Block ends come from the lesson's own tree: a
/// block runs until a blank line or the next block's first line.
struct UnitExtractor {
    let lines: [Substring]
    let starts: Set<Int>

    init(_ lesson: Lesson) {
        lines = TextLines.split(lesson.source)
        var s = Set<Int>()
        lesson.blocks.forEachBlock { b in
            s.insert(b.line)
            if case .code(let c) = b { s.insert(c.fenceLine) }
        }
        starts = s
    }

    /// Every unit of the lesson in source order (a unit that occurs twice is listed twice).
    static func units(of lesson: Lesson) -> [TranslationUnit] {
        let x = UnitExtractor(lesson)
        var out: [TranslationUnit] = []
        if let t = lesson.frontMatter.title, !t.isEmpty { out.append(TranslationUnit(kind: .title, id: t, line: x.frontMatterLine("title"))) }
        if let s = lesson.frontMatter.summary, !s.isEmpty { out.append(TranslationUnit(kind: .summary, id: s, line: x.frontMatterLine("summary"))) }
        x.walk(lesson.blocks, inQuote: false) { unit, _ in out.append(unit) }
        return out
    }

    /// Calls `visit` with each unit and the block it belongs to, in source order.
    func walk(_ blocks: [Block], inQuote: Bool, _ visit: (TranslationUnit, Block) -> Void) {
        for b in blocks {
            if let u = unit(b, inQuote: inQuote) { visit(u, b) }
            switch b {
            case .quote(let inner, _, _): walk(inner, inQuote: true, visit)
            case .callout(let c): walk(c.blocks, inQuote: true, visit)
            case .list(let l, _): for item in l.items { walk(item, inQuote: inQuote, visit) }
            case .code(let cell):
                if let c = cell.options.caption, !c.isEmpty { visit(TranslationUnit(kind: .caption, id: c, line: cell.fenceLine), b) }
            default: break
            }
        }
    }

    /// The unit a block is (nil for blocks that hold no prose of their own).
    func unit(_ b: Block, inQuote: Bool) -> TranslationUnit? {
        switch b {
        case .paragraph(_, let p):
            let t = text(from: p, inQuote: inQuote)
            return t.isEmpty ? nil : TranslationUnit(kind: .text, id: t, line: p.line)
        case .heading(let h):
            let t = headingText(h)
            return t.isEmpty ? nil : TranslationUnit(kind: .heading, id: t, line: h.line)
        case .html(_, let p):
            let t = text(from: SourcePosition(line: p.line, column: 1), inQuote: inQuote)
            // an HTML block without words (`<div>`, `</table>`) is nothing to translate
            let words = t.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
            return words.contains(where: \.isLetter) ? TranslationUnit(kind: .html, id: t, line: p.line) : nil
        case .code(let cell) where cell.runs:
            return TranslationUnit(kind: .cell, id: cell.code, line: cell.fenceLine)
        default:
            return nil
        }
    }

    /// A paragraph's (or HTML block's) lines as written: from its first column to the line
    /// before a blank line or the next block, quote markers and indentation taken off, and a
    /// trailing kramdown attribute line (`{: .prompt-tip }`) left out (it is markup, not prose).
    func text(from p: SourcePosition, inQuote: Bool) -> String {
        guard p.line >= 1, p.line <= lines.count else { return "" }
        var out: [String] = []
        var l = p.line
        while l <= lines.count {
            var s = lines[l - 1]
            if l == p.line {
                let u = s.utf8
                let skip = min(max(0, p.column - 1), u.count)
                s = Substring(String(decoding: u.dropFirst(skip), as: UTF8.self))
            } else {
                if starts.contains(l) { break }
                s = strip(s, inQuote: inQuote)
            }
            if (inQuote ? strip(s, inQuote: true) : s).trimmingCharacters(in: .whitespaces).isEmpty { break }
            out.append(String(s))
            l += 1
        }
        while let last = out.last, last.trimmingCharacters(in: .whitespaces).hasPrefix("{:"), last.trimmingCharacters(in: .whitespaces).hasSuffix("}") {
            out.removeLast()
        }
        if let last = out.last { out[out.count - 1] = String(last.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
        return out.joined(separator: "\n")
    }

    private func strip(_ s: Substring, inQuote: Bool) -> Substring {
        var s = s.drop { $0 == " " || $0 == "\t" }
        if inQuote {
            while s.hasPrefix(">") { s = s.dropFirst().drop { $0 == " " || $0 == "\t" } }
        }
        return s
    }

    /// A heading's text as written: without the `#`s, a closing `#` run or its `{#label}`.
    func headingText(_ h: Heading) -> String {
        guard h.line >= 1, h.line <= lines.count else { return Inline.plainText(h.content) }
        var s = String(strip(lines[h.line - 1], inQuote: true))
        guard s.hasPrefix("#") else { return s.trimmingCharacters(in: .whitespaces) }  // a setext heading's text line
        s = String(s.drop { $0 == "#" })
        if let label = h.label, let r = s.range(of: "{#\(label)}", options: .backwards) { s = String(s[..<r.lowerBound]) }
        s = s.trimmingCharacters(in: .whitespaces)
        if let r = s.range(of: #"\s+#+$"#, options: .regularExpression) { s = String(s[..<r.lowerBound]) }
        else if s.allSatisfy({ $0 == "#" }) { s = "" }
        return s
    }

    /// The line of a front matter key (`title:`), or 1.
    func frontMatterLine(_ key: String) -> Int {
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---" else { return 1 }
        for (k, l) in lines.enumerated().dropFirst() {
            if l.trimmingCharacters(in: .whitespaces) == "---" { break }
            if l.hasPrefix(key + ":") { return k + 1 }
        }
        return 1
    }
}
