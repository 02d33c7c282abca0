/// HTML from the document tree, written as cmark's own HTML renderer writes it (same tags,
/// escapes and line breaks, checked against cmark in the tests), plus what the site adds:
/// formulas, headings with anchors, cells. The page renderer supplies those three.
struct HTMLRenderer {
    /// KaTeX's HTML for a formula (or an error's fallback).
    var math: (MathSpan) -> String
    /// A top-level code block: a cell with its outputs.
    var cell: (Cell) -> String
    /// A heading, given its inner HTML; nil renders it as cmark does (`<h2>...</h2>`).
    var heading: ((Heading, String) -> String)? = nil
    /// The page language's labels (callout titles, the missing-image box).
    var strings = InterfaceStrings.english

    private static let trailingPunctuation: Set<Character> = [".", ",", ";", ":", "!", "?", ")"]

    func render(_ blocks: [Block]) -> String {
        var out = ""
        for b in blocks { block(b, tight: false, into: &out) }
        return out
    }

    /// cmark's `cr()`: a newline unless the output is empty or ends with one.
    private func cr(_ out: inout String) {
        if !out.isEmpty, out.utf8.last != 10 { out += "\n" }
    }

    private func block(_ b: Block, tight: Bool, into out: inout String) {
        switch b {
        case .paragraph(let content, _):
            if !tight, let img = Self.figureImage(content) {
                // an image alone in its paragraph with a caption (Chirpy's `_caption_` line) or
                // a missing file: a figure, so the caption or the placeholder belongs to it
                cr(&out); out += "<figure class=\"figure\">" + inlines([.image(img)])
                if let caption = img.caption { out += "<figcaption>" + inlines(caption) + "</figcaption>" }
                out += "</figure>\n"
            } else if tight { out += inlines(content) } else { cr(&out); out += "<p>" + inlines(content) + "</p>\n" }
        case .heading(let h):
            cr(&out)
            let inner = inlines(h.content)
            out += heading?(h, inner) ?? "<h\(h.level)>\(inner)</h\(h.level)>\n"
        case .quote(let blocks, _, let attributes):
            cr(&out); out += "<blockquote" + attributes.map { " \($0.name)=\"\(HTML.escape($0.value))\"" }.joined() + ">\n"
            for c in blocks { block(c, tight: false, into: &out) }
            cr(&out); out += "</blockquote>\n"
        case .callout(let c):
            callout(c, into: &out)
        case .list(let list, _):
            cr(&out)
            out += !list.ordered ? "<ul>\n" : list.start == 1 ? "<ol>\n" : "<ol start=\"\(list.start)\">\n"
            for item in list.items {
                cr(&out); out += "<li>"
                for c in item { block(c, tight: list.tight, into: &out) }
                out += "</li>\n"
            }
            out += list.ordered ? "</ol>\n" : "</ul>\n"
        case .code(let c):
            cr(&out); out += cell(c)
        case .verbatim(let info, let code, _):
            cr(&out)
            let lang = info.prefix { !$0.isWhitespace }
            out += lang.isEmpty ? "<pre><code>" : "<pre><code class=\"language-\(Self.escape(String(lang)))\">"
            out += Self.escape(code) + "</code></pre>\n"
        case .html(let content, _):
            cr(&out); out += inlines(content); cr(&out)
        case .thematicBreak:
            cr(&out); out += "<hr />\n"
        case .displayMath(let m):
            cr(&out)
            if let label = m.label {
                // the number sits at the right margin, outside KaTeX's box, as Quarto shows it
                let number = m.number.map { "<span class=\"eq-number\">(\($0))</span>" } ?? ""
                out += "<div class=\"math-display math-numbered\" id=\"\(Self.escape(label))\">" + math(m) + number + "</div>\n"
            } else {
                out += "<div class=\"math-display\">" + math(m) + "</div>\n"
            }
        }
    }

    func inlines(_ content: [Inline]) -> String {
        var out = ""
        var i = 0
        while i < content.count {
            let node = content[i]
            i += 1
            switch node {
            case .text(let t): out += Self.escape(t)
            case .code(let t): out += "<code>" + Self.escape(t) + "</code>"
            case .html(let h): out += h
            case .softBreak: out += "\n"
            case .lineBreak: out += "<br />\n"
            case .emphasis(let c): out += "<em>" + inlines(c) + "</em>"
            case .strong(let c): out += "<strong>" + inlines(c) + "</strong>"
            case .link(let t, let c):
                out += "<a href=\"" + Self.escapeHref(t.url) + "\""
                if !t.title.isEmpty { out += " title=\"" + Self.escape(t.title) + "\"" }
                out += ">" + inlines(c) + "</a>"
            case .image(let img) where img.missing:
                // the page is still written: a visible box that names the file and keeps the alt text
                let alt = Self.altText(img.alt)
                out += "<span class=\"missing-image\" role=\"img\" aria-label=\"" + Self.escape(strings.missingImage + ": " + (alt.isEmpty ? img.target.url : alt)) + "\">"
                out += "<span class=\"missing-image-file\">" + Self.escape(strings.missingImage) + " <code>" + Self.escape(img.target.url) + "</code></span>"
                if !alt.isEmpty { out += "<span class=\"missing-image-alt\">" + Self.escape(alt) + "</span>" }
                out += "</span>"
            case .image(let img):
                out += "<img src=\"" + Self.escapeHref(img.target.url) + "\" alt=\"" + Self.escape(Self.altText(img.alt)) + "\""
                if !img.target.title.isEmpty { out += " title=\"" + Self.escape(img.target.title) + "\"" }
                for a in img.attributes { out += " \(a.name)=\"\(HTML.escape(a.value))\"" }
                out += " />"
            case .math(let m):
                // keep "formula." together: a line break between them looks broken
                if !m.display, i < content.count, case .text(let next) = content[i],
                   let first = next.first, Self.trailingPunctuation.contains(first) {
                    let punct = next.prefix { Self.trailingPunctuation.contains($0) }
                    out += "<span class=\"nowrap\">" + math(m) + Self.escape(String(punct)) + "</span>"
                    let rest = next.dropFirst(punct.count)
                    if !rest.isEmpty { out += Self.escape(String(rest)) }
                    i += 1
                } else {
                    out += math(m)
                }
            }
        }
        return out
    }

    /// The image of a paragraph that holds only it, when it needs a `<figure>` (a caption or a placeholder).
    static func figureImage(_ content: [Inline]) -> Image? {
        guard content.count == 1, case .image(let img) = content[0], img.caption != nil || img.missing else { return nil }
        return img
    }

    /// GitHub's alert markup (`markdown-alert`, a title paragraph with the kind's name) in an
    /// `<aside>` with a role, so screen readers announce it; `<details>` when collapsible, which
    /// opens and closes without JavaScript.
    private func callout(_ c: Callout, into out: inout String) {
        let title = c.title.isEmpty ? Self.escape(strings.calloutTitle(c.kind)) : inlines(c.title)
        let icon = "<span class=\"callout-icon\" aria-hidden=\"true\"></span>"
        cr(&out)
        out += "<aside class=\"callout callout-\(c.kind.rawValue)\" role=\"note\" aria-label=\"\(Self.escape(strings.calloutTitle(c.kind)))\">\n"
        if c.collapsible {
            out += "<details\(c.open ? " open" : "")>\n<summary class=\"callout-title\">\(icon)\(title)</summary>\n"
        } else {
            out += "<p class=\"callout-title\">\(icon)\(title)</p>\n"
        }
        out += "<div class=\"callout-body\">\n"
        for b in c.blocks { block(b, tight: false, into: &out) }
        cr(&out); out += "</div>\n"
        if c.collapsible { out += "</details>\n" }
        out += "</aside>\n"
    }

    /// An image's alt text as cmark writes it: the text of its children, breaks as spaces.
    static func altText(_ alt: [Inline]) -> String {
        var s = ""
        for i in alt {
            switch i {
            case .text(let t), .code(let t), .html(let t): s += t
            case .softBreak, .lineBreak: s += " "
            case .emphasis(let c), .strong(let c), .link(_, let c): s += altText(c)
            case .image(let img): s += altText(img.alt)
            case .math(let m): s += m.tex
            }
        }
        return s
    }

    /// Text escaping: the site's one policy (`HTML.escape`), which for text without control
    /// characters is exactly cmark's (`&`, `<`, `>`, `"`).
    static func escape(_ s: String) -> String { HTML.escape(s) }

    /// cmark's URL escaping (houdini_escape_href): bytes outside the URL-safe set are
    /// percent-encoded, `&` and `'` become entities, existing `%XX` escapes are kept.
    static func escapeHref(_ url: String) -> String {
        var out = ""
        for b in url.utf8 {
            if hrefSafe[Int(b)] { out.unicodeScalars.append(Unicode.Scalar(b)); continue }
            switch b {
            case UInt8(ascii: "&"): out += "&amp;"
            case UInt8(ascii: "'"): out += "&#x27;"
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
            }
        }
        return out
    }

    private static let hrefSafe: [Bool] = (0..<256).map { b in
        guard b < 128 else { return false }
        let c = Character(Unicode.Scalar(UInt8(b)))
        return c.isASCII && (c.isLetter || c.isNumber) || "-_.+!*(),%#@?=;:/$~".contains(c)
    }
}
