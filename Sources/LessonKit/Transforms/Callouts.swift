import Foundation

/// Quotes that are callouts become `.callout` blocks:
/// - GitHub alerts: `> [!NOTE]`, `[!TIP]`, `[!IMPORTANT]`, `[!WARNING]`, `[!CAUTION]` on the
///   quote's first line; `-` right after the marker makes it collapsible (closed), `+` open;
///   text after the marker is the title (`> [!TIP] Try it`), as Obsidian and Quarto allow.
/// - Chirpy prompts: a quote followed by `{: .prompt-tip }` (`-info`, `-warning`, `-danger`).
/// A marker GitHub does not know (`> [!NOTES]`) is a warning and the quote stays a quote.
public struct Callouts: CourseTransform {
    public var name: String { "callouts" }
    public init() {}

    static let chirpy: [String: Callout.Kind] = ["prompt-tip": .tip, "prompt-info": .note, "prompt-warning": .warning, "prompt-danger": .caution]
    private static let marker = try! NSRegularExpression(pattern: #"^\[!([A-Za-z]+)\]([-+]?)[ \t]*"#)

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        var course = course
        course.updateEveryLesson { lesson in
            guard lesson.source.containsUTF8(">") else { return }
            var diagnostics: [Diagnostic] = []
            lesson.blocks = lesson.blocks.map { Self.rewrite($0, file: lesson.file, diagnostics: &diagnostics) }
            lesson.diagnostics += diagnostics
        }
        return course
    }

    static func rewrite(_ block: Block, file: String, diagnostics: inout [Diagnostic]) -> Block {
        switch block {
        case .quote(let inner, let pos, let attributes):
            let inner = inner.map { rewrite($0, file: file, diagnostics: &diagnostics) }
            if let c = alert(inner, pos, file: file, diagnostics: &diagnostics) { return .callout(c) }
            let classes = attributes.filter { $0.name == "class" }.flatMap { $0.value.split(separator: " ").map(String.init) }
            if let kind = classes.lazy.compactMap({ chirpy[$0] }).first {
                return .callout(Callout(kind: kind, blocks: inner, position: pos))
            }
            return .quote(inner, pos, attributes: attributes)
        case .list(var l, let p):
            l.items = l.items.map { $0.map { rewrite($0, file: file, diagnostics: &diagnostics) } }
            return .list(l, p)
        default:
            return block
        }
    }

    /// A GitHub alert: the first paragraph starts with `[!KIND]`.
    private static func alert(_ inner: [Block], _ pos: SourcePosition, file: String, diagnostics: inout [Diagnostic]) -> Callout? {
        guard case .paragraph(var content, let ppos)? = inner.first, case .text(let first)? = content.first else { return nil }
        let ns = first as NSString
        guard let m = marker.firstMatch(in: first, range: NSRange(location: 0, length: ns.length)) else { return nil }
        let word = ns.substring(with: m.range(at: 1))
        guard let kind = Callout.Kind(rawValue: word.lowercased()) else {
            diagnostics.append(Diagnostic(file: file, line: ppos.line, column: ppos.column, severity: .warning,
                message: "'[!\(word)]' is not a callout type, so this stays a quote (use NOTE, TIP, IMPORTANT, WARNING or CAUTION)"))
            return nil
        }
        let fold = ns.substring(with: m.range(at: 2))
        let rest = ns.substring(from: m.range.location + m.range.length)
        if rest.isEmpty { content.removeFirst() } else { content[0] = .text(rest) }
        // the title is what follows the marker on its line; the body starts on the next line
        let br = content.firstIndex { if case .softBreak = $0 { return true }; if case .lineBreak = $0 { return true }; return false }
        let title = Array(content[..<(br ?? content.endIndex)])
        let body = br.map { Array(content[($0 + 1)...]) } ?? []
        var blocks = Array(inner.dropFirst())
        if !body.isEmpty { blocks.insert(.paragraph(body, SourcePosition(line: ppos.line + 1, column: ppos.column)), at: 0) }
        let trimmedTitle = Inline.plainText(title).trimmingCharacters(in: .whitespaces).isEmpty ? [] : title
        return Callout(kind: kind, title: trimmedTitle, collapsible: !fold.isEmpty, open: fold == "+", blocks: blocks, position: pos)
    }
}
