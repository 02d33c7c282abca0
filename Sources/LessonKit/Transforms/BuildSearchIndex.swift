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
        var pages = course.lessons.filter { !$0.hasErrors }
        if var index = course.index { index.slug = "index"; pages.insert(index, at: 0) }
        // The index depends only on these pages' sources (cross-references included: they come
        // from the other pages' sources) and on this build of the tool: when the previous site's
        // index was made from the same, it is taken over (a no-change rebuild does no work here).
        // A translation's pages keep the source's text hash, so its catalogue's hash and its
        // language are in the key too (else the Korean index would take over the English one's).
        let parts: [String] = pages.map { page -> String in
            let catalogue: String = course.translationInfo[page.file]?.sourceSHA256 ?? ""
            return page.slug + "\u{0}" + page.sourceSHA256 + "\u{0}" + catalogue
        }
        let key = SHA256.hex(([LessonKitInfo.version, course.language] + parts).joined(separator: "\u{1}"))
        course.searchIndexKey = key
        if context.sameTool, Self.previousKey(context.outputDirectory, Self.file(for: course)) == key { return course }
        var docs: [Doc] = []
        for lesson in pages { docs += Self.sections(of: lesson) }
        course.searchIndex = Self.script(docs, key: key)
        return course
    }

    static let file = "assets/search-index.js"
    /// The index of the course's language: the source's is `file`, a translation's `search-index.ko.js`.
    static func file(for course: Course) -> String {
        course.isTranslation ? "assets/search-index.\(course.language).js" : file
    }
    static func header(_ key: String) -> String { "// The site's search index, made by `lessons build` (see BuildSearchIndex.swift); key \(key)\n" }

    /// The key in the first line of the previous site's index, if any.
    static func previousKey(_ output: URL, _ file: String = file) -> String? {
        guard let h = FileHandle(forReadingAtPath: output.appendingPathComponent(file).path) else { return nil }
        defer { try? h.close() }
        let head = String(decoding: h.readData(ofLength: 256), as: UTF8.self)
        guard let line = head.split(separator: "\n").first, let r = line.range(of: "; key ") else { return nil }
        return String(line[r.upperBound...])
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
            guard s.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else { return }
            cur.text += (cur.text.isEmpty ? "" : " ") + s
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
    /// Works on Unicode scalars with an ASCII fast path: this runs over every word of the site on
    /// every build, and Character iteration cost more than all the other transforms together.
    static func words(_ text: String, splitCamelCase: Bool = false) -> Set<String> {
        var out = Set<String>()
        var cur = String.UnicodeScalarView()
        var hasUpper = false, ascii = true
        func end() {
            guard !cur.isEmpty else { return }
            let word = String(cur)
            if cur.count > 1 || !ascii { out.insert(hasUpper ? word.lowercased() : word) }
            if splitCamelCase && hasUpper {
                var part = String.UnicodeScalarView(), prevLower = false
                for u in cur {
                    let upper = u.value >= 65 && u.value <= 90
                    if upper && prevLower && !part.isEmpty {
                        if part.count > 1 { out.insert(String(part).lowercased()) }
                        part = String.UnicodeScalarView()
                    }
                    part.append(u)
                    prevLower = (u.value >= 97 && u.value <= 122) || (u.value >= 48 && u.value <= 57)
                }
                if part.count > 1 { out.insert(String(part).lowercased()) }
            }
            cur = String.UnicodeScalarView(); hasUpper = false; ascii = true
        }
        for u in text.unicodeScalars {
            let v = u.value
            if v < 128 {
                if (v >= 97 && v <= 122) || (v >= 48 && v <= 57) { cur.append(u) }
                else if v >= 65 && v <= 90 { cur.append(u); hasUpper = true }
                else { end() }
            } else if u.properties.isAlphabetic || u.properties.numericType != nil {
                cur.append(u); ascii = false
                if u.properties.isUppercase { hasUpper = true }
            } else {
                end()
            }
        }
        end()
        return out
    }

    /// `window.LESSONS_SEARCH = {docs: [[href, page, section, snippet], ...], words: [...], postings: [[doc, ...], ...]}`
    /// with the words sorted (the script binary-searches them for prefixes).
    static func script(_ docs: [Doc], key: String) -> String {
        var postings: [String: [Int]] = [:]
        for (k, d) in docs.enumerated() { for w in d.words { postings[w, default: []].append(k) } }
        // sorted as JavaScript compares strings (UTF-16 code units), for the script's binary search
        let words = postings.keys.map { ($0, Array($0.utf16)) }.sorted { $0.1.lexicographicallyPrecedes($1.1) }.map(\.0)
        let docRows = docs.map { d -> [String] in
            let head = d.text.prefix(snippetLength)
            let snippet = String(head) + (head.endIndex < d.text.endIndex ? "…" : "")
            return [d.href, d.page, d.section, snippet]
        }
        var s = header(key)
        s += "window.LESSONS_SEARCH={\"docs\":" + json(docRows) + ",\"words\":" + json(words)
        s += ",\"postings\":[" + words.map { "[" + postings[$0]!.map(String.init).joined(separator: ",") + "]" }.joined(separator: ",") + "]};\n"
        return s
    }

    /// JSON for strings and arrays of them, written by hand: JSONEncoder was most of this
    /// transform's time on the 50-page benchmark.
    static func json(_ value: [String]) -> String { "[" + value.map(jsonString).joined(separator: ",") + "]" }
    static func json(_ value: [[String]]) -> String { "[" + value.map { json($0) }.joined(separator: ",") + "]" }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // U+2028/2029 end a line in older JavaScript engines; `</` could end a <script>
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            case "<": out += "\\u003c"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
