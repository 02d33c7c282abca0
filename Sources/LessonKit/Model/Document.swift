// A lesson's document as Swift values: the parser copies cmark's tree into these and frees it,
// transforms rewrite them, and the site renderer turns them into HTML last. Nothing here holds
// HTML made by cmark or a placeholder character.

/// A position in the lesson's .md file (1-based).
public struct SourcePosition: Codable, Hashable, Sendable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int = 1) { self.line = line; self.column = column }
}

/// A formula, `$...$` or `$$...$$`, with the position of its opening `$` in the .md file.
public struct MathSpan: Codable, Hashable, Sendable {
    public var tex: String
    public var display: Bool
    public var line: Int
    public var column: Int
    /// A display formula's cross-reference label (`$$ ... $$ {#eq-elbo}`) and the number the
    /// cross-reference transform gave it.
    public var label: String? = nil
    public var number: Int? = nil
    public init(tex: String, display: Bool, line: Int, column: Int) {
        self.tex = tex; self.display = display; self.line = line; self.column = column
    }
}

/// A link or an image. `children` are the link text or the image's alt text.
public struct LinkTarget: Codable, Hashable, Sendable {
    public var url: String
    public var title: String
    public init(url: String, title: String = "") { self.url = url; self.title = title }
}

/// An image in the prose; local ones are checked and copied into the site.
public struct Image: Codable, Hashable, Sendable {
    public var target: LinkTarget
    public var alt: [Inline]
    /// HTML attributes from a kramdown attribute list after the image (`{: style="..." .shadow}`).
    public var attributes: [HTMLAttribute] = []
    public var position: SourcePosition
    /// Chirpy's caption: an `_italic line_` right under the image (shown as `<figcaption>`).
    public var caption: [Inline]? = nil
    /// The file is not in the lessons folder: the page shows a placeholder naming it.
    public var missing = false
    public init(target: LinkTarget, alt: [Inline], position: SourcePosition) {
        self.target = target; self.alt = alt; self.position = position
    }
}

public struct HTMLAttribute: Codable, Hashable, Sendable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }
}

/// Inline content of paragraphs, headings and list items.
public indirect enum Inline: Codable, Hashable, Sendable {
    case text(String)
    case code(String)
    /// Raw inline HTML, passed through as authored.
    case html(String)
    case softBreak
    case lineBreak
    case emphasis([Inline])
    case strong([Inline])
    case link(LinkTarget, [Inline])
    case image(Image)
    case math(MathSpan)
}

/// A section heading; `id` is its anchor, unique within the page.
public struct Heading: Codable, Hashable, Sendable {
    public var level: Int
    public var content: [Inline]
    public var id: String
    public var line: Int
    /// The author's own anchor (`## Bayes' rule {#sec-bayes}`), which `id` then is.
    public var label: String? = nil
    /// Plain text (formulas left out), for anchors and titles.
    public var text: String { Inline.plainText(content) }
    public init(level: Int, content: [Inline], id: String, line: Int) {
        self.level = level; self.content = content; self.id = id; self.line = line
    }
}

public struct ListBlock: Codable, Hashable, Sendable {
    public var ordered: Bool
    public var start: Int
    /// A tight list shows its items' paragraphs without `<p>`.
    public var tight: Bool
    public var items: [[Block]]
    public init(ordered: Bool, start: Int, tight: Bool, items: [[Block]]) {
        self.ordered = ordered; self.start = start; self.tight = tight; self.items = items
    }
}

/// A callout box: a GitHub alert (`> [!NOTE]`, `> [!TIP]-` collapsible) or a Chirpy prompt
/// (a quote followed by `{: .prompt-tip }`).
public struct Callout: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable {
        case note, tip, important, warning, caution
        /// The heading shown when the author gives none.
        public var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
    }
    public var kind: Kind
    /// The author's title after the marker (`> [!TIP] Try it`); empty means `kind.title`.
    public var title: [Inline]
    /// `-` after the marker: a `<details>` box, closed; `+`: open.
    public var collapsible: Bool
    public var open: Bool
    public var blocks: [Block]
    public var position: SourcePosition
    public init(kind: Kind, title: [Inline] = [], collapsible: Bool = false, open: Bool = false,
                blocks: [Block], position: SourcePosition) {
        self.kind = kind; self.title = title; self.collapsible = collapsible; self.open = open
        self.blocks = blocks; self.position = position
    }
}

/// One block of a lesson, in source order.
public indirect enum Block: Codable, Hashable, Sendable {
    case paragraph([Inline], SourcePosition)
    case heading(Heading)
    /// A block quote; `attributes` come from a kramdown list right after it (`{: .prompt-tip }`).
    case quote([Block], SourcePosition, attributes: [HTMLAttribute])
    case callout(Callout)
    case list(ListBlock, SourcePosition)
    /// A fenced or indented code block; top-level `swift` fences are runnable cells.
    case code(Cell)
    /// A code block inside a list or quote: shown as written, never run or highlighted.
    case verbatim(info: String, code: String, SourcePosition)
    /// A raw HTML block, passed through as authored (formulas inside it are rendered).
    case html([Inline], SourcePosition)
    case thematicBreak(SourcePosition)
    /// A paragraph holding nothing but one `$$...$$` formula.
    case displayMath(MathSpan)

    public var line: Int {
        switch self {
        case .callout(let c): return c.position.line
        case .paragraph(_, let p), .quote(_, let p, _), .list(_, let p), .html(_, let p), .thematicBreak(let p),
             .verbatim(_, _, let p): return p.line
        case .heading(let h): return h.line
        case .code(let c): return c.fenceLine
        case .displayMath(let m): return m.line
        }
    }
}

extension Inline {
    /// Text and code literals, breaks as spaces; formulas and markup left out.
    public static func plainText(_ inlines: [Inline]) -> String {
        var s = ""
        for i in inlines {
            switch i {
            case .text(let t), .code(let t): s += t
            case .softBreak, .lineBreak: s += " "
            case .emphasis(let c), .strong(let c), .link(_, let c): s += plainText(c)
            case .image(let img): s += plainText(img.alt)
            case .html, .math: break
            }
        }
        return s
    }
}

// MARK: walking and rewriting the tree

extension Block {
    /// Calls `visit` on this block and every block inside it, depth first.
    public func forEachBlock(_ visit: (Block) -> Void) {
        visit(self)
        switch self {
        case .quote(let bs, _, _): bs.forEach { $0.forEachBlock(visit) }
        case .callout(let c): c.blocks.forEach { $0.forEachBlock(visit) }
        case .list(let l, _): l.items.forEach { $0.forEach { $0.forEachBlock(visit) } }
        default: break
        }
    }

    /// Every inline sequence directly in this block or in blocks inside it.
    public func forEachInline(_ visit: (Inline) -> Void) {
        forEachBlock { b in
            switch b {
            case .paragraph(let c, _), .html(let c, _): c.forEach { $0.forEach(visit) }
            case .heading(let h): h.content.forEach { $0.forEach(visit) }
            case .callout(let c): c.title.forEach { $0.forEach(visit) }
            default: break
            }
        }
    }

    /// This block with `transform` applied to every inline sequence inside it (bottom-up
    /// rewriting of inlines is up to `transform`, see `Inline.rewritten`).
    public func mapInlines(_ transform: ([Inline]) -> [Inline]) -> Block {
        switch self {
        case .paragraph(let c, let p): return .paragraph(transform(c), p)
        case .html(let c, let p): return .html(transform(c), p)
        case .heading(var h): h.content = transform(h.content); return .heading(h)
        case .quote(let bs, let p, let a): return .quote(bs.map { $0.mapInlines(transform) }, p, attributes: a)
        case .callout(var c):
            c.title = transform(c.title)
            c.blocks = c.blocks.map { $0.mapInlines(transform) }
            return .callout(c)
        case .list(var l, let p): l.items = l.items.map { $0.map { $0.mapInlines(transform) } }; return .list(l, p)
        case .code, .verbatim, .thematicBreak, .displayMath: return self
        }
    }
}

extension Inline {
    /// Calls `visit` on this inline and every inline inside it, depth first.
    public func forEach(_ visit: (Inline) -> Void) {
        visit(self)
        switch self {
        case .emphasis(let c), .strong(let c), .link(_, let c): c.forEach { $0.forEach(visit) }
        case .image(let img): img.alt.forEach { $0.forEach(visit) }; img.caption?.forEach { $0.forEach(visit) }
        default: break
        }
    }

    /// This inline with `transform` applied to every inline inside it and then to itself.
    public func rewritten(_ transform: (Inline) -> Inline) -> Inline {
        switch self {
        case .emphasis(let c): return transform(.emphasis(c.map { $0.rewritten(transform) }))
        case .strong(let c): return transform(.strong(c.map { $0.rewritten(transform) }))
        case .link(let t, let c): return transform(.link(t, c.map { $0.rewritten(transform) }))
        case .image(var img):
            img.alt = img.alt.map { $0.rewritten(transform) }
            img.caption = img.caption?.map { $0.rewritten(transform) }
            return transform(.image(img))
        default: return transform(self)
        }
    }
}

extension Array where Element == Inline {
    /// These inlines with every text run replaced by what `expand` makes of it, inside emphasis
    /// and strong text too; link texts and image alt texts are left alone (no links in links).
    public func expandingText(_ expand: (String) -> [Inline]) -> [Inline] {
        flatMap { i -> [Inline] in
            switch i {
            case .text(let t): return expand(t)
            case .emphasis(let c): return [.emphasis(c.expandingText(expand))]
            case .strong(let c): return [.strong(c.expandingText(expand))]
            case .image(var img):
                img.caption = img.caption?.expandingText(expand)
                return [.image(img)]
            default: return [i]
            }
        }
    }
}

extension Array where Element == Block {
    public func forEachBlock(_ visit: (Block) -> Void) { forEach { $0.forEachBlock(visit) } }
    public func forEachInline(_ visit: (Inline) -> Void) { forEach { $0.forEachInline(visit) } }
    /// Every inline of these blocks rewritten by `transform` (see `Inline.rewritten`).
    public func rewritingInlines(_ transform: (Inline) -> Inline) -> [Block] {
        map { $0.mapInlines { $0.map { $0.rewritten(transform) } } }
    }
}
