import Foundation

/// Quarto's cross-references. Labels: `$$ ... $$ {#eq-elbo}` on display math, `## Bayes' rule
/// {#sec-bayes}` on headings, cell options `label=fig-posterior caption="..."` (`tbl-` for a
/// table). References: `@eq-elbo`, `@fig-posterior`, `@tbl-gap`, `@sec-bayes` in prose, to this
/// lesson or any other. Numbers count per lesson: "Equation 3" in its own lesson, "Equation 2.3"
/// from another (lesson 2); sections are "Section 2.1" (lesson 2, its first `##`) everywhere.
/// Quarto's bracketed forms: `[@fig-x]` reads as `@fig-x`, `[-@fig-x]` is the number alone
/// ("2"), `[Fig. @fig-x]` puts the author's word before it ("Fig. 2"), and `@Fig-x` (a capital,
/// for the start of a sentence) is `@fig-x`.
/// Labels are shared by the whole course, so a duplicate anywhere is an error, as is a
/// reference to a label nobody defines. A label nobody refers to is fine.
public struct CrossReferences: CourseTransform {
    public var name: String { "cross-references" }
    public init() {}

    enum Kind: String {
        case eq, fig, tbl, sec
        var word: String { ["eq": "Equation", "fig": "Figure", "tbl": "Table", "sec": "Section"][rawValue]! }
    }

    struct Target {
        var kind: Kind
        var page: String
        var lessonNumber: Int?
        /// The number within its lesson: "3", or "2.1" for a section.
        var number: String
        var file: String
        var position: SourcePosition
        /// "Equation 3" / "식 (3)" in the page's language (`InterfaceStrings.reference`).
        func text(from page: String, _ strings: InterfaceStrings = .english) -> String {
            strings.reference(kind: kind.rawValue, number: number(from: page))
        }

        /// "3" in its own lesson, "2.3" from another; a section's number is the same everywhere.
        func number(from page: String) -> String {
            kind == .sec || page == self.page || lessonNumber == nil ? number : "\(lessonNumber!).\(number)"
        }
    }

    /// `@eq-x` not preceded by a word character or `@` (so `a@eq-x.com` is left alone), ending
    /// in a letter or digit (so "see @fig-x." keeps its full stop); its kind may start with a
    /// capital. Or Quarto's bracketed form around one reference, `[-@fig-x]` or `[Fig. @fig-x]`:
    /// groups 1 (the words before), 2 (the minus) and 3 (the label); else group 4, the label.
    static let label = #"(?:[Ee]q|[Ff]ig|[Tt]bl|[Ss]ec)-[\p{L}\p{N}_-]*[\p{L}\p{N}_]"#
    static let reference = try! NSRegularExpression(pattern:
        #"\[([^\[\]@;]*?)(-?)@("# + label + #")\]|(?<![\p{L}\p{N}_@])@("# + label + ")")

    /// A reference as written: its label (the kind in lower case, as it is defined), and for the
    /// bracketed form what replaces the kind's word.
    struct Written {
        var label: String
        /// The label as typed (`Fig-x`), to find it in the source.
        var typed: String
        /// nil: the kind's word ("Figure 2"); "": the number alone; else these words before it.
        var words: String?
        /// The source text, for an unknown label's message and to leave it as it was.
        var source: String
    }

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        var course = course
        var targets: [String: Target] = [:]
        // numbering, and the labels of every lesson (the front page's too, without a lesson number)
        func collect(_ lesson: inout Lesson, number lessonNumber: Int?) {
            // a lesson without `{#` or `label=` defines no label (most of the cost is walking the tree)
            guard lesson.source.containsUTF8("{#") || lesson.source.containsUTF8("label=") else { return }
            var counts: [Kind: Int] = [:], sections = [0, 0, 0]
            let locator = SourceLocator(lesson.source)
            let file = lesson.file, page = lesson.page
            var diagnostics: [Diagnostic] = []
            func define(_ label: String, _ kind: Kind, _ number: String, at pos: SourcePosition) {
                if let old = targets[label] {
                    diagnostics.append(Diagnostic(file: file, line: pos.line, column: pos.column,
                        message: "duplicate label '\(label)': it is already defined at \(old.file):\(old.position.line):\(old.position.column) (labels are shared by the whole course; rename one)"))
                    return
                }
                targets[label] = Target(kind: kind, page: page, lessonNumber: lessonNumber, number: number,
                                        file: file, position: pos)
            }
            func next(_ kind: Kind) -> Int { counts[kind, default: 0] += 1; return counts[kind]! }
            func walk(_ blocks: inout [Block]) {
                for k in blocks.indices {
                    switch blocks[k] {
                    case .displayMath(var m):
                        guard let label = m.label else { continue }
                        let pos = locator.find("{#\(label)}", from: m.line) ?? SourcePosition(line: m.line, column: m.column)
                        guard label.hasPrefix("eq-") else {
                            diagnostics.append(Diagnostic(file: file, line: pos.line, column: pos.column,
                                message: "bad equation label '\(label)': an equation's label starts with eq- (Quarto's prefix), e.g. {#eq-elbo}"))
                            continue
                        }
                        m.number = next(.eq)
                        define(label, .eq, "\(m.number!)", at: pos)
                        blocks[k] = .displayMath(m)
                    case .code(var cell):
                        guard let label = cell.options.label else { continue }
                        let kind: Kind = label.hasPrefix("tbl-") ? .tbl : .fig
                        cell.number = next(kind)
                        let pos = locator.find("label=\(label)", from: cell.fenceLine).map { SourcePosition(line: $0.line, column: $0.column + 6) }
                            ?? SourcePosition(line: cell.fenceLine)
                        define(label, kind, "\(cell.number!)", at: pos)
                        blocks[k] = .code(cell)
                    case .heading(let h):
                        guard h.level >= 2 && h.level <= 4 else { continue }
                        sections[h.level - 2] += 1
                        for d in (h.level - 1)..<3 { sections[d] = 0 }
                        guard let label = h.label, label.hasPrefix("sec-") else { continue }
                        let parts = [lessonNumber].compactMap { $0 } + sections[0...(h.level - 2)]
                        let pos = locator.find("{#\(label)}", from: h.line) ?? SourcePosition(line: h.line)
                        define(label, .sec, parts.map(String.init).joined(separator: "."), at: pos)
                    case .quote(var inner, let p, let a): walk(&inner); blocks[k] = .quote(inner, p, attributes: a)
                    case .callout(var c): walk(&c.blocks); blocks[k] = .callout(c)
                    case .list(var l, let p):
                        for i in l.items.indices { walk(&l.items[i]) }
                        blocks[k] = .list(l, p)
                    default: break
                    }
                }
            }
            var blocks = lesson.blocks
            walk(&blocks)
            lesson.blocks = blocks
            lesson.diagnostics += diagnostics
        }
        for i in course.lessons.indices { collect(&course.lessons[i], number: i + 1) }
        if course.index != nil { collect(&course.index!, number: nil) }

        // the references
        let strings = InterfaceStrings.for(course.language)
        course.updateEveryLesson { lesson in
            guard lesson.source.containsUTF8("@") else { return }
            let locator = SourceLocator(lesson.source)
            var diagnostics: [Diagnostic] = [], used: Set<String> = []
            let page = lesson.page, file = lesson.file
            lesson.blocks = lesson.blocks.map { block in
                let hint = block.line
                return block.mapInlines { inlines in
                    inlines.expandingText { text in
                        guard text.contains("@") else { return [.text(text)] }
                        return Self.split(text) { ref in
                            let label = ref.label
                            guard let t = targets[label] else {
                                let pos = locator.find("@" + ref.typed, from: hint) ?? SourcePosition(line: hint)
                                diagnostics.append(Diagnostic(file: file, line: pos.line, column: pos.column,
                                    message: "unknown cross-reference '@\(label)': no equation, figure, table or section in the course has the label \(label) (define it with {#\(label)}\(label.hasPrefix("fig-") || label.hasPrefix("tbl-") ? " or the cell option label=\(label)" : ""))"))
                                return .text(ref.source)
                            }
                            let shown = ref.words.map { $0 + t.number(from: page) } ?? t.text(from: page, strings)
                            if t.page != page { used.insert("\(label)=\(t.page)#\(shown)") }
                            let url = t.page == page ? "#\(label)" : SitePaths.href(slug: String(t.page.dropLast(5))) + "#\(label)"
                            return .link(LinkTarget(url: url), [.text(shown)])
                        }
                    }
                }
            }
            lesson.diagnostics += diagnostics
            // another lesson's numbers are part of this page
            lesson.externalInputs += used.sorted().map { "xref " + $0 }
        }
        return course
    }

    /// `text` with each reference replaced by what `resolve` makes of it.
    static func split(_ text: String, _ resolve: (Written) -> Inline) -> [Inline] {
        let ns = text as NSString
        var out: [Inline] = [], at = 0
        for m in reference.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            if m.range.location > at { out.append(.text(ns.substring(with: NSRange(location: at, length: m.range.location - at)))) }
            let bracketed = m.range(at: 3).location != NSNotFound
            let written = ns.substring(with: m.range(at: bracketed ? 3 : 4))
            // `@Fig-x` names the label fig-x (labels are defined in lower case)
            let label = written.prefix(1).lowercased() + written.dropFirst()
            var words: String? = nil
            if bracketed {
                let before = ns.substring(with: m.range(at: 1)), minus = m.range(at: 2).length > 0
                words = minus ? "" : before.isEmpty ? nil : before
            }
            out.append(resolve(Written(label: label, typed: written, words: words, source: ns.substring(with: m.range))))
            at = m.range.location + m.range.length
        }
        if at == 0 { return [.text(text)] }
        if at < ns.length { out.append(.text(ns.substring(from: at))) }
        return out
    }
}

/// Finds where a piece of text stands in a lesson's .md file, for diagnostics about inlines
/// (cmark gives inline nodes no positions). Searches from a block's first line onwards; each
/// hit is used once, so the second `@eq-x` of a paragraph is reported at its own column.
final class SourceLocator {
    private let source: String
    /// Split on the first search only: most lessons never need a position.
    private lazy var lines: [Substring] = source.split(separator: "\n", omittingEmptySubsequences: false)
    private var used: Set<SourcePosition> = []
    init(_ source: String) { self.source = source }

    func find(_ needle: String, from line: Int) -> SourcePosition? {
        guard line >= 1 else { return nil }
        for l in line...max(line, lines.count) where l - 1 < lines.count {
            let text = String(lines[l - 1])
            var from = text.startIndex
            while let r = text.range(of: needle, range: from..<text.endIndex) {
                let pos = SourcePosition(line: l, column: text.distance(from: text.startIndex, to: r.lowerBound) + 1)
                if used.insert(pos).inserted { return pos }
                from = r.upperBound
            }
        }
        return nil
    }
}

extension String {
    /// Whether the UTF-8 bytes of `needle` occur in this string: a plain byte search, much
    /// cheaper than Foundation's `contains`, to let transforms skip lessons that cannot concern them.
    func containsUTF8(_ needle: String) -> Bool {
        var hay = self, pin = needle
        return hay.withUTF8 { h in pin.withUTF8 { n in
            guard let first = n.first else { return true }
            guard h.count >= n.count else { return false }
            var i = 0
            let last = h.count - n.count
            outer: while i <= last {
                if h[i] == first {
                    for k in 1..<n.count where h[i + k] != n[k] { i += 1; continue outer }
                    return true
                }
                i += 1
            }
            return false
        } }
    }
}
