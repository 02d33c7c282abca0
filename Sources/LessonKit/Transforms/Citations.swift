import Foundation

/// Pandoc's citations from a BibTeX file: `[@kingma2014]`, `[@kingma2014, sec. 2]`,
/// `[see @a; @b]`, `[-@a]` (year only) and `@burda2016 shows` (author in the text). The file
/// is named by `bibliography:` in `index.md`'s front matter (the whole course) or in a lesson's
/// own (that lesson; its entries win). Citations read author–year, "(Kingma & Welling, 2014)",
/// and link to a "References" section at the end of the lesson that lists what it cites, each
/// entry with its DOI or URL. An unknown key, or a bracketed citation with no bibliography, is
/// an error at its `file:line:col`; so is a malformed entry, at its line in the .bib file.
public struct Citations: CourseTransform {
    public var name: String { "citations" }
    public init() {}

    private static let keyPattern = #"[\p{L}\p{N}_][\p{L}\p{N}_:.#$%&+?<>~/-]*[\p{L}\p{N}_]|[\p{L}\p{N}_]"#
    /// `[... @key ...]` with at least one key inside; no nested brackets.
    static let bracketed = try! NSRegularExpression(pattern: #"\[([^\[\]]*?-?@(?:"# + keyPattern + #")[^\[\]]*)\]"#)
    static let bare = try! NSRegularExpression(pattern: #"(?<![\p{L}\p{N}_@\[])@("# + keyPattern + ")")
    static let item = try! NSRegularExpression(pattern: #"^(.*?)(-?)@("# + keyPattern + #")(.*)$"#, options: .dotMatchesLineSeparators)

    /// Labels of cross-references (`@eq-x`) are the cross-reference transform's, never keys.
    static func isCrossReference(_ key: String) -> Bool {
        let k = key.prefix(1).lowercased() + key.dropFirst()  // `@Fig-x` too
        return ["eq-", "fig-", "tbl-", "sec-"].contains { k.hasPrefix($0) }
    }

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        var course = course
        var cache: [String: BibTeXDatabase] = [:]
        /// Reads a .bib file named in `owner`'s front matter (once per build); its problems go to `owner`.
        func database(_ name: String, owner: inout Lesson) -> (BibTeXDatabase, String) {
            let display = (owner.file as NSString).deletingLastPathComponent + "/" + name
            if let db = cache[display] { return (db, display) }
            let url = context.lessonsDirectory.appendingPathComponent(name)
            var db: BibTeXDatabase
            if let text = try? String(contentsOf: url, encoding: .utf8) {
                db = BibTeXDatabase.parse(text, file: display)
                Self.disambiguateYears(&db)
            } else {
                db = BibTeXDatabase()
                let line = owner.source.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("bibliography:") }.map { $0 + 1 } ?? 1
                db.diagnostics = [Diagnostic(file: owner.file, line: line, column: 1,
                    message: "bibliography '\(name)' not found (looked for \(url.path)); put the .bib file in the lessons folder")]
            }
            owner.diagnostics += db.diagnostics
            cache[display] = db
            return (db, display)
        }
        var courseDB: (BibTeXDatabase, String)? = nil
        if var index = course.index, let name = Self.bibliographyName(index.frontMatter) {
            courseDB = database(name, owner: &index)
            course.index = index
        }
        let strings = InterfaceStrings.for(course.language)
        course.updateEveryLesson { lesson in
            var dbs: [(BibTeXDatabase, String)] = []
            if let name = Self.bibliographyName(lesson.frontMatter), lesson.slug != "index" { dbs.append(database(name, owner: &lesson)) }
            if let c = courseDB { dbs.append(c) }
            Self.cite(&lesson, dbs, strings: strings)
        }
        return course
    }

    static func bibliographyName(_ fm: FrontMatter) -> String? {
        guard var v = fm.extra["bibliography"]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
        if v.hasPrefix("[") { v = String(v.dropFirst().prefix { $0 != "," && $0 != "]" }) }
        return v.trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
    }

    struct Cite { var key: String; var prefix: String; var suffix: String; var suppressAuthor: Bool }

    static func cite(_ lesson: inout Lesson, _ dbs: [(BibTeXDatabase, String)], strings: InterfaceStrings = .english) {
        guard lesson.source.containsUTF8("@") else { return }
        let locator = SourceLocator(lesson.source)
        var diagnostics: [Diagnostic] = [], cited: [String] = []
        let file = lesson.file
        func lookup(_ key: String, hint: Int, bracketed: Bool) -> BibTeXEntry? {
            if let e = dbs.lazy.compactMap({ $0.0.entries[key] }).first { return e }
            let pos = locator.find("@" + key, from: hint) ?? SourcePosition(line: hint)
            let message: String
            if dbs.isEmpty {
                message = "citation '@\(key)' but this course names no bibliography; add `bibliography: references.bib` to index.md's front matter (or this lesson's)"
            } else if let bad = dbs.first(where: { $0.0.malformed.contains(key) }) {
                message = "citation '@\(key)': its entry in \(bad.1) could not be read (see the error there)"
            } else {
                message = "unknown citation key '@\(key)': it is not in \(dbs.map(\.1).joined(separator: " or "))"
            }
            diagnostics.append(Diagnostic(file: file, line: pos.line, column: pos.column, message: message))
            _ = bracketed
            return nil
        }
        func use(_ e: BibTeXEntry) -> String { if !cited.contains(e.key) { cited.append(e.key) }; return "#ref-" + e.key }

        lesson.blocks = lesson.blocks.map { block in
            let hint = block.line
            return block.mapInlines { inlines in
                inlines.expandingText { text in
                    guard text.contains("@") else { return [.text(text)] }
                    return split(text, bracketed).flatMap { piece -> [Inline] in
                        switch piece {
                        case .text(let t):
                            // narrative citations, `@key` in the running text: only with a bibliography,
                            // so that a Swift attribute (`@MainActor`) in a course without one is text
                            guard !dbs.isEmpty else { return [.text(t)] }
                            return split(t, bare).flatMap { p -> [Inline] in
                                guard case .match(let whole, let groups) = p else { if case .text(let s) = p { return [.text(s)] }; return [] }
                                let key = groups[0]
                                guard !isCrossReference(key), let e = lookup(key, hint: hint, bracketed: false) else { return [.text(whole)] }
                                let html = "<span class=\"citation\">" + HTML.escape(authors(e, narrative: true)) + " (<a href=\"" + use(e) + "\">" + HTML.escape(year(e)) + "</a>)</span>"
                                return [.html(html)]
                            }
                        case .match(let whole, let groups):
                            let items = groups[0].split(separator: ";").map(String.init)
                            var cites: [Cite] = []
                            for item in items {
                                let ns = item as NSString
                                guard let m = Self.item.firstMatch(in: item, range: NSRange(location: 0, length: ns.length)) else { return [.text(whole)] }
                                var suffix = ns.substring(with: m.range(at: 4)).trimmingCharacters(in: .whitespaces)
                                if suffix.hasPrefix(",") { suffix = String(suffix.dropFirst()).trimmingCharacters(in: .whitespaces) }
                                cites.append(Cite(key: ns.substring(with: m.range(at: 3)),
                                                  prefix: ns.substring(with: m.range(at: 1)).trimmingCharacters(in: .whitespaces),
                                                  suffix: suffix, suppressAuthor: m.range(at: 2).length > 0))
                            }
                            if cites.contains(where: { isCrossReference($0.key) }) { return [.text(whole)] }
                            var parts: [String] = [], ok = true
                            for c in cites {
                                guard let e = lookup(c.key, hint: hint, bracketed: true) else { ok = false; continue }
                                var s = c.prefix.isEmpty ? "" : HTML.escape(c.prefix) + " "
                                let label = c.suppressAuthor ? year(e) : authors(e, narrative: false) + ", " + year(e)
                                s += "<a href=\"" + use(e) + "\">" + HTML.escape(label) + "</a>"
                                if !c.suffix.isEmpty { s += ", " + HTML.escape(c.suffix) }
                                parts.append(s)
                            }
                            guard ok else { return [.text(whole)] }
                            return [.html("<span class=\"citation\">(" + parts.joined(separator: "; ") + ")</span>")]
                        }
                    }
                }
            }
        }
        lesson.diagnostics += diagnostics
        guard !cited.isEmpty else { return }
        let entries = cited.compactMap { k in dbs.lazy.compactMap({ $0.0.entries[k] }).first }
            .sorted { (sortKey($0), $0.key) < (sortKey($1), $1.key) }
        var list = "<div class=\"references\" role=\"doc-bibliography\">\n<ol>\n"
        for e in entries { list += "<li id=\"ref-\(HTML.escape(e.key))\">" + reference(e) + "</li>\n" }
        list += "</ol>\n</div>\n"
        let line = lesson.blocks.last?.line ?? 1
        var taken = Set(lesson.headings.map(\.id))
        // the anchor is the same in every language (the language switcher keeps the section)
        let id = LessonParser.uniqueSlug("References", taken: &taken)
        lesson.blocks.append(.heading(Heading(level: 2, content: [.text(strings.references)], id: id, line: line)))
        lesson.blocks.append(.html([.html(list)], SourcePosition(line: line)))
        // the page shows these entries: a change to them in the .bib re-renders it
        lesson.externalInputs += entries.map { "bib " + $0.key + "\u{0}" + reference($0) }
    }

    // MARK: formatting (author–year, close to APA)

    /// The family names: "Kingma", "Kingma & Welling" ("and" in running text), "Rezende et al.".
    static func authors(_ e: BibTeXEntry, narrative: Bool) -> String {
        let names = BibNames.split(e.fields["author"] ?? e.fields["editor"] ?? "").map(\.family)
        switch names.count {
        case 0: return TeX.plain(e.fields["title"] ?? e.key)
        case 1: return names[0]
        case 2: return names[0] + (narrative ? " and " : " & ") + names[1]
        default: return names[0] + " et al."
        }
    }

    static func year(_ e: BibTeXEntry) -> String { plainYear(e) + e.yearSuffix }

    static func plainYear(_ e: BibTeXEntry) -> String {
        if let y = e.fields["year"] { return TeX.plain(y) }
        return String(TeX.plain(e.fields["date"] ?? "n.d.").prefix(4))
    }

    /// Works that would read the same, "(Kingma & Welling, 2014)", get "2014a", "2014b", ... in
    /// the order of their titles (as APA does), in citations and in the references list alike.
    /// Over the whole bibliography, so that a work has one label on every page of the course.
    static func disambiguateYears(_ db: inout BibTeXDatabase) {
        var groups: [String: [String]] = [:]
        for (key, e) in db.entries { groups[authors(e, narrative: false) + "\u{0}" + plainYear(e), default: []].append(key) }
        for keys in groups.values where keys.count > 1 {
            let ordered = keys.sorted { a, b in
                let ta = TeX.plain(db.entries[a]!.fields["title"] ?? "").lowercased(), tb = TeX.plain(db.entries[b]!.fields["title"] ?? "").lowercased()
                return ta != tb ? ta < tb : a < b
            }
            for (i, key) in ordered.enumerated() {
                db.entries[key]!.yearSuffix = i < 26 ? String(UnicodeScalar(UInt8(97 + i))) : "-\(i + 1)"
            }
        }
    }

    static func sortKey(_ e: BibTeXEntry) -> String { authors(e, narrative: false).lowercased() + " " + year(e) }

    /// "Kingma, D. P., & Welling, M. (2014). Auto-encoding variational Bayes. *ICLR*. https://…"
    static func reference(_ e: BibTeXEntry) -> String {
        let names = BibNames.split(e.fields["author"] ?? e.fields["editor"] ?? "")
        var who = names.map { $0.family + ($0.initials.isEmpty ? "" : ", " + $0.initials) }
        if who.count > 1 { who[who.count - 1] = "& " + who[who.count - 1] }
        var s = HTML.escape(who.joined(separator: who.count > 2 ? ", " : who.count == 2 ? ", " : ""))
        s += " (" + HTML.escape(year(e)) + "). "
        let title = TeX.plain(e.fields["title"] ?? "")
        s += HTML.escape(title) + (title.hasSuffix("?") || title.hasSuffix(".") ? " " : ". ")
        let venue = [e.fields["journal"], e.fields["booktitle"], e.fields["publisher"], e.fields["howpublished"], e.fields["school"]]
            .compactMap { $0 }.first.map(TeX.plain)
        if let venue, !venue.isEmpty {
            var v = "<em>" + HTML.escape(venue) + "</em>"
            if let vol = e.fields["volume"] { v += ", <em>" + HTML.escape(TeX.plain(vol)) + "</em>" }
            if let num = e.fields["number"] { v += "(" + HTML.escape(TeX.plain(num)) + ")" }
            if let pages = e.fields["pages"] { v += ", " + HTML.escape(TeX.plain(pages)) }
            s += v + ". "
        } else if let eprint = e.fields["eprint"], (e.fields["archiveprefix"] ?? e.fields["eprinttype"] ?? "").lowercased() == "arxiv" {
            s += "<em>arXiv:" + HTML.escape(eprint) + "</em>. "
        }
        if let link = self.link(e) { s += "<a href=\"" + HTML.escape(link) + "\">" + HTML.escape(link) + "</a>" }
        return s.trimmingCharacters(in: .whitespaces)
    }

    static func link(_ e: BibTeXEntry) -> String? {
        if let doi = e.fields["doi"]?.trimmingCharacters(in: .whitespaces), !doi.isEmpty {
            return doi.hasPrefix("http") ? doi : "https://doi.org/" + doi
        }
        if let url = e.fields["url"]?.trimmingCharacters(in: .whitespaces), !url.isEmpty { return url }
        if let eprint = e.fields["eprint"], (e.fields["archiveprefix"] ?? e.fields["eprinttype"] ?? "").lowercased() == "arxiv" {
            return "https://arxiv.org/abs/" + eprint
        }
        return nil
    }

    // MARK: splitting text by a pattern

    enum Piece { case text(String), match(String, [String]) }

    static func split(_ text: String, _ re: NSRegularExpression) -> [Piece] {
        let ns = text as NSString
        var out: [Piece] = [], at = 0
        for m in re.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            if m.range.location > at { out.append(.text(ns.substring(with: NSRange(location: at, length: m.range.location - at)))) }
            let groups = (1..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : ns.substring(with: m.range(at: $0)) }
            out.append(.match(ns.substring(with: m.range), groups))
            at = m.range.location + m.range.length
        }
        if at < ns.length { out.append(.text(ns.substring(from: at))) }
        return out
    }
}

/// BibTeX names: `Kingma, Diederik P. and Welling, Max` or `Diederik P. Kingma and Max Welling`;
/// a braced group (`{van den Oord}`) is one word.
enum BibNames {
    struct Name { var family: String; var initials: String }

    static func split(_ field: String) -> [Name] {
        // split on " and " outside braces
        var parts: [String] = [], cur = "", depth = 0
        let words = tokens(field)
        for w in words {
            if w == "and" && depth == 0 { parts.append(cur); cur = ""; continue }
            depth += w.filter { $0 == "{" }.count - w.filter { $0 == "}" }.count
            cur += (cur.isEmpty ? "" : " ") + w
        }
        if !cur.isEmpty { parts.append(cur) }
        return parts.map(name).filter { !$0.family.isEmpty }
    }

    private static func tokens(_ s: String) -> [String] {
        var out: [String] = [], cur = "", depth = 0
        for ch in s {
            if ch == "{" { depth += 1 } else if ch == "}" { depth -= 1 }
            if ch.isWhitespace && depth == 0 { if !cur.isEmpty { out.append(cur); cur = "" }; continue }
            cur.append(ch)
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    static func name(_ raw: String) -> Name {
        let family: String, given: String
        if let comma = topLevelComma(raw) {
            family = String(raw[..<comma]); given = String(raw[raw.index(after: comma)...])
        } else {
            let w = tokens(raw)
            // "Diederik P. Kingma": the last word; a lowercase particle before it belongs to it ("van")
            var k = w.count - 1
            while k > 0, let f = w[k - 1].first, f.isLowercase { k -= 1 }
            family = w[k...].joined(separator: " "); given = w[..<k].joined(separator: " ")
        }
        let initials = tokens(given).map { word -> String in
            let plain = TeX.plain(word)
            return plain.split(separator: "-").compactMap { $0.first.map { "\($0)." } }.joined(separator: "-")
        }.filter { !$0.isEmpty }.joined(separator: " ")
        return Name(family: TeX.plain(family).trimmingCharacters(in: .whitespaces), initials: initials)
    }

    private static func topLevelComma(_ s: String) -> String.Index? {
        var depth = 0
        for i in s.indices {
            if s[i] == "{" { depth += 1 } else if s[i] == "}" { depth -= 1 } else if s[i] == "," && depth == 0 { return i }
        }
        return nil
    }
}
