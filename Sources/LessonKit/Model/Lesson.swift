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

/// A lesson: what the parser made of one .md file, and what the transforms added to it.
public struct Lesson: Codable, Hashable, Sendable {
    public var file: String             // path as shown in diagnostics, e.g. "Lessons/x.md"
    public var slug: String             // output page name without ".html"
    public var frontMatter: FrontMatter
    public var blocks: [Block]
    /// Problems found so far (parse, links, images, execution, rendering), in order.
    public var diagnostics: [Diagnostic]
    public var source: String           // the file's text, for hashing and positions
    /// Each runnable cell's result, keyed by `Cell.index` (filled by the execute transform).
    public var results: [Int: CellResult] = [:]
    /// Errors that fail the build but still let the page be written (a missing image is shown
    /// as a placeholder): reported like `diagnostics`, not counted by `hasErrors`.
    public var pageErrors: [Diagnostic] = []
    /// What the page shows from outside its own source (another lesson's numbers, bibliography
    /// entries, whether its images exist): part of the reuse key, so a change there re-renders it.
    public var externalInputs: [String] = []
    /// `SHA256.hex(source)`, computed once by the parser: the reuse plan, the search index's key
    /// and the page footer all need it, several times per build.
    public var sourceSHA256Cache: String? = nil
    public var sourceSHA256: String { sourceSHA256Cache ?? SHA256.hex(source) }

    public init(file: String, slug: String, frontMatter: FrontMatter = FrontMatter(), blocks: [Block] = [],
                diagnostics: [Diagnostic] = [], source: String = "") {
        self.file = file; self.slug = slug; self.frontMatter = frontMatter; self.blocks = blocks
        self.diagnostics = diagnostics; self.source = source
    }

    /// The lesson's code blocks (top level), in order; the `swift` ones run.
    public var cells: [Cell] { blocks.compactMap { if case .code(let c) = $0 { return c } else { return nil } } }
    /// Headings at any depth, in order.
    public var headings: [Heading] {
        var hs: [Heading] = []
        blocks.forEachBlock { if case .heading(let h) = $0 { hs.append(h) } }
        return hs
    }
    /// Images at any depth, in order.
    public var images: [Image] {
        var imgs: [Image] = []
        blocks.forEachInline { if case .image(let i) = $0 { imgs.append(i) } }
        return imgs
    }
    /// Formulas in the prose, in order (not those inside code, which are shown as written).
    public var formulas: [MathSpan] {
        var spans: [MathSpan] = []
        blocks.forEachBlock { block in
            switch block {
            case .displayMath(let m): spans.append(m)
            case .paragraph(let c, _), .html(let c, _): c.forEach { $0.forEach { if case .math(let m) = $0 { spans.append(m) } } }
            case .heading(let h): h.content.forEach { $0.forEach { if case .math(let m) = $0 { spans.append(m) } } }
            default: break
            }
        }
        return spans
    }
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    /// The front matter title, else the first heading, else the file name.
    public var title: String { frontMatter.title ?? headings.first?.text ?? slug }
    /// The page's file name in the site.
    public var page: String { slug + ".html" }
}
