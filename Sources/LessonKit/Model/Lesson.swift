// The parsed lesson: plain Swift values, no cmark pointers (the parser copies what it needs).

/// Front matter keys we understand; everything else is kept in `extra`.
public struct FrontMatter: Codable, Hashable, Sendable {
    public var title: String?
    public var summary: String?
    public var order: Int?
    public var tags: [String] = []
    public var date: String?
    public var author: String?
    /// Unknown keys (Jekyll/Chirpy: categories, math, toc, ...) kept as their YAML scalar text.
    public var extra: [String: String] = [:]
    public init() {}
}

/// A formula cut out of the Markdown before cmark saw it. `line`/`column` are in the .md file.
public struct MathSpan: Codable, Hashable, Sendable {
    public var tex: String
    public var display: Bool
    public var line: Int
    public var column: Int
    /// Set when cmark put the formula's text inside an indented code block: it is shown as
    /// written there, not rendered.
    public var inCode = false
    public init(tex: String, display: Bool, line: Int, column: Int) {
        self.tex = tex; self.display = display; self.line = line; self.column = column
    }
}

/// A section heading, kept apart so the page can build its table of contents.
public struct Heading: Codable, Hashable, Sendable {
    public var level: Int
    public var text: String        // plain text (math placeholders stripped), for slugs and titles
    public var id: String          // anchor, unique within the page
    public var html: String        // inner HTML (may hold math placeholders)
    public var line: Int
}

/// An image the prose refers to; local ones are checked and copied into the site.
public struct ImageRef: Codable, Hashable, Sendable {
    public var url: String
    public var line: Int
    public var column: Int
}

/// One top-level block of a lesson, in source order.
public enum Block: Codable, Hashable, Sendable {
    /// Prose rendered to HTML by cmark; math appears as placeholders (see `MathPlaceholder`).
    case prose(html: String, line: Int)
    case heading(Heading)
    case cell(Cell)

    public var line: Int {
        switch self {
        case .prose(_, let line): return line
        case .heading(let h): return h.line
        case .cell(let c): return c.fenceLine
        }
    }
}

/// A lesson as the parser leaves it, and as the later stages pass it on.
public struct Lesson: Codable, Hashable, Sendable {
    public var file: String             // path as shown in diagnostics, e.g. "Lessons/x.md"
    public var slug: String             // output page name without ".html"
    public var frontMatter: FrontMatter
    public var blocks: [Block]
    public var math: [MathSpan]         // indexed by the numbers inside math placeholders
    public var images: [ImageRef]
    public var diagnostics: [Diagnostic]
    public var source: String           // the file's text, for hashing and positions

    public var cells: [Cell] { blocks.compactMap { if case .cell(let c) = $0 { return c } else { return nil } } }
    public var headings: [Heading] { blocks.compactMap { if case .heading(let h) = $0 { return h } else { return nil } } }
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    /// The front matter title, else the first heading, else the file name.
    public var title: String { frontMatter.title ?? headings.first?.text ?? slug }
}

/// Math placeholders are private-use characters cmark passes through untouched:
/// U+E000, the span's decimal index, U+E001.
public enum MathPlaceholder {
    public static let open: Character = "\u{E000}"
    public static let close: Character = "\u{E001}"
    public static func token(_ index: Int) -> String { "\u{E000}\(index)\u{E001}" }
}
