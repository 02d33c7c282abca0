import Foundation

/// The full-text search index, built at build time and shipped as a script
/// (`assets/search-index.js` sets `window.LESSONS_SEARCH`), because browsers block `fetch` from
/// `file://` pages. One document per section (the text under a `##`/`###` heading, or a page's
/// text before its first one): page, anchor, titles, a snippet, and an inverted index from each
/// word to the sections that hold it. `assets/search.js` matches query words as prefixes of
/// indexed words, which is what Korean needs: particles attach to the word (`인코더는`,
/// `인코더를`), so `인코더` must find them; it gives English plurals and inflections for free.
///
/// Why not lunr (Debian's node-lunr): its English stemmer and stop-word filter do nothing
/// for Korean, where the particle problem needs prefix matching anyway, and its serialized
/// index stores a term vector per field and document on top of the word list; a sorted word
/// list with postings, matched by prefix, is all the course needs and needs no node work.
public struct BuildSearchIndex: CourseTransform {
    public var name: String { "search index" }
    public init() {}

    struct Doc { var href: String; var page: String; var section: String; var text: String; var words: Set<String> }

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        var course = course
        var docs: [Doc] = []
        var pages = course.lessons.filter { !$0.hasErrors }
        if var index = course.index { index.slug = "index"; pages.insert(index, at: 0) }
        for lesson in pages { docs += Self.sections(of: lesson) }
        course.searchIndex = Self.script(docs)
        return course
    }

    static let snippetLength = 160

    /// The page's sections, in order, with their text.
    static func sections(of lesson: Lesson) -> [Doc] {
        let page = SitePaths.href(slug: lesson.slug)
        var docs: [Doc] = []
        var cur = Doc(href: page, page: lesson.title, section: "", text: "", words: [])
        func flush() {
            if !cur.text.isEmpty || !cur.section.isEmpty || !cur.words.isEmpty {
                cur.words.formUnion(words(cur.text)); cur.words.formUnion(words(cur.section))
                if docs.isEmpty { cur.words.formUnion(words(lesson.title)) }
                docs.append(cur)
            }
        }
        func add(_ s: String) {
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            if !t.isEmpty { cur.text += (cur.text.isEmpty ? "" : " ") + t }
        }
        func visit(_ blocks: [Block]) {
            for b in blocks {
                switch b {
                case .heading(let h) where h.level == 2 || h.level == 3:
                    flush()
                    cur = Doc(href: page + "#" + h.id, page: lesson.title, section: h.text, text: "", words: [])
                case .heading(let h): add(h.text)
                case .paragraph(let c, _): add(plain(c))
                case .html(let c, _): add(plain(c))
                case .quote(let inner, _, _): visit(inner)
                case .callout(let c): add(plain(c.title)); visit(c.blocks)
                case .list(let l, _): l.items.forEach(visit)
                case .code(let cell):
                    // code is found (its identifiers, split at camelCase) but not shown as a snippet
                    if !cell.options.hide { cur.words.formUnion(words(cell.code, splitCamelCase: true)) }
                    if let caption = cell.options.caption { add(caption) }
                case .verbatim(_, let code, _): cur.words.formUnion(words(code, splitCamelCase: true))
                default: break
                }
            }
        }
        visit(lesson.blocks)
        flush()
        return docs
    }

    /// Inline text, citations and other raw HTML without their tags.
    static func plain(_ inlines: [Inline]) -> String {
        var s = ""
        for i in inlines {
            switch i {
            case .html(let h): s += h.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
                .replacingOccurrences(of: "&amp;", with: "&")
            case .emphasis(let c), .strong(let c), .link(_, let c): s += plain(c)
            default: s += Inline.plainText([i])
            }
        }
        return s
    }

    /// Lowercased runs of letters and digits (any script); `splitCamelCase` also adds the parts
    /// of `elboEstimate` / `ELBOLoss`. One-letter Latin words are left out (they match everything).
    static func words(_ text: String, splitCamelCase: Bool = false) -> Set<String> {
        var out = Set<String>()
        var cur = ""
        func end() {
            guard !cur.isEmpty else { return }
            let lower = cur.lowercased()
            if lower.unicodeScalars.count > 1 || !lower.unicodeScalars.allSatisfy(\.isASCII) { out.insert(lower) }
            if splitCamelCase {
                var part = "", prev: Character? = nil
                for ch in cur {
                    if let p = prev, ch.isUppercase, p.isLowercase || p.isNumber, !part.isEmpty {
                        if part.count > 1 { out.insert(part.lowercased()) }
                        part = ""
                    }
                    part.append(ch); prev = ch
                }
                if part.count > 1 { out.insert(part.lowercased()) }
            }
            cur = ""
        }
        for ch in text {
            if ch.isLetter || ch.isNumber { cur.append(ch) } else { end() }
        }
        end()
        return out
    }

    /// `window.LESSONS_SEARCH = {docs: [[href, page, section, snippet], ...], words: [...], postings: [[doc, ...], ...]}`
    /// with the words sorted (the script binary-searches them for prefixes).
    static func script(_ docs: [Doc]) -> String {
        var postings: [String: [Int]] = [:]
        for (k, d) in docs.enumerated() { for w in d.words { postings[w, default: []].append(k) } }
        let words = postings.keys.sorted { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }
        let docRows = docs.map { d -> [String] in
            var snippet = String(d.text.prefix(snippetLength))
            if d.text.count > snippetLength { snippet += "…" }
            return [d.href, d.page, d.section, snippet]
        }
        var s = "// The site's search index, made by `lessons build` (see BuildSearchIndex.swift).\n"
        s += "window.LESSONS_SEARCH={\"docs\":" + json(docRows) + ",\"words\":" + json(words)
        s += ",\"postings\":[" + words.map { "[" + postings[$0]!.map(String.init).joined(separator: ",") + "]" }.joined(separator: ",") + "]};\n"
        return s
    }

    private static func json<T: Encodable>(_ value: T) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.withoutEscapingSlashes]
        var s = String(decoding: (try? enc.encode(value)) ?? Data("[]".utf8), as: UTF8.self)
        // inside a <script> file `</` is harmless, but U+2028/2029 end a line in old engines
        s = s.replacingOccurrences(of: "\u{2028}", with: "\\u2028").replacingOccurrences(of: "\u{2029}", with: "\\u2029")
        return s
    }
}
