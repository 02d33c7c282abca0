import Foundation

/// One lesson's catalogue for one language (`Lessons/po/ko/01-x.po`), matched against the
/// lesson's current units. Used by the build (which text each page shows, which entries are
/// outdated) and by `lessons translate` (which rewrites the file), so both agree on every count.
///
/// One catalogue per lesson, not one per language: a lesson and its translation are reviewed
/// and merged together, the counts are per lesson, and two people translating two lessons
/// never touch the same file.
public struct Catalogue: Sendable {
    public var file: String          // as shown in diagnostics, "Lessons/po/ko/01-x.po"
    public var po: POFile
    public var text: String

    /// How a unit stands in the catalogue.
    public enum Match: Equatable, Sendable {
        /// Translated: the entry at this index, current.
        case translated(Int)
        /// Outdated: the entry at this index was translated from other source text (gettext's
        /// fuzzy, or an entry whose msgid no longer occurs but resembles this unit's).
        case outdated(Int)
        /// An entry with an empty msgstr, or none.
        case untranslated(Int?)
    }

    /// The catalogue's folder for a language: `<lessons>/po/<language>/`.
    public static func directory(lessons: URL, language: String) -> URL {
        lessons.appendingPathComponent("po").appendingPathComponent(language)
    }
    public static func url(lessons: URL, language: String, slug: String) -> URL {
        directory(lessons: lessons, language: language).appendingPathComponent(slug + ".po")
    }
    public static func displayName(lessons: URL, language: String, slug: String) -> String {
        lessons.lastPathComponent + "/po/" + language + "/" + slug + ".po"
    }

    /// nil when there is no such file; a file gettext cannot read either is an error at its line.
    public static func load(lessons: URL, language: String, slug: String) throws -> Catalogue? {
        let url = url(lessons: lessons, language: language, slug: slug)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let name = displayName(lessons: lessons, language: language, slug: slug)
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic(file: name, line: 1, message: "this catalogue is not UTF-8; save it as UTF-8 (Content-Type: text/plain; charset=UTF-8)")
        }
        do {
            return Catalogue(file: name, po: try POFile.parse(text), text: text)
        } catch let e as POFile.ParseError {
            throw Diagnostic(file: name, line: e.line, message: "bad catalogue: \(e.message) (check it with `msgfmt --check -o /dev/null \(name)`)")
        }
    }

    /// Each unit's match, by key. Exact msgids first; then each unit without one is paired with
    /// the most similar entry that no current unit uses (same msgctxt, similarity at least
    /// `threshold`), which is how a paragraph edited since its translation is recognised before
    /// `lessons translate` (or `msgmerge`) has marked it fuzzy.
    public func match(_ units: [TranslationUnit]) -> [POKey: Match] {
        Self.match(units, po.entries)
    }

    static let threshold = 0.5

    static func match(_ units: [TranslationUnit], _ entries: [POFile.Entry]) -> [POKey: Match] {
        var byKey: [POKey: Int] = [:]
        for (k, e) in entries.enumerated() where !e.isHeader && !e.obsolete { byKey[e.key] = byKey[e.key] ?? k }
        let current = Set(units.map(\.key))
        var orphans = entries.indices.filter { k in !entries[k].isHeader && !entries[k].obsolete && !current.contains(entries[k].key) }
        var out: [POKey: Match] = [:]
        for u in units where out[u.key] == nil {
            if let k = byKey[u.key] {
                let e = entries[k]
                out[u.key] = e.isFuzzy ? .outdated(k) : e.translation.isEmpty ? .untranslated(k) : .translated(k)
                continue
            }
            var best: (Int, Double)? = nil
            for (n, k) in orphans.enumerated() where entries[k].context == u.context && !entries[k].translation.isEmpty {
                let s = u.kind == .cell ? codeSimilarity(entries[k].id, u.id) : similarity(entries[k].id, u.id)
                if s >= threshold, s > (best?.1 ?? 0) { best = (n, s) }
            }
            if let (n, _) = best {
                out[u.key] = .outdated(orphans[n])
                orphans.remove(at: n)
            } else {
                out[u.key] = .untranslated(nil)
            }
        }
        return out
    }

    /// Dice's coefficient of the two texts' words (as multisets): 1 for the same words in any
    /// order, 0 for none shared. Words, not characters, so that a changed number or a reworded
    /// clause keeps a paragraph recognisable and a different paragraph of similar length does not.
    static func similarity(_ a: String, _ b: String) -> Double {
        func words(_ s: String) -> [Substring: Int] {
            var d: [Substring: Int] = [:]
            for w in s.split(whereSeparator: { $0.isWhitespace }) { d[w, default: 0] += 1 }
            return d
        }
        let wa = words(a), wb = words(b)
        let na = wa.values.reduce(0, +), nb = wb.values.reduce(0, +)
        guard na + nb > 0 else { return 1 }
        let common = wa.reduce(0) { $0 + min($1.value, wb[$1.key] ?? 0) }
        return 2 * Double(common) / Double(na + nb)
    }

    /// Dice's coefficient of the two codes' character pairs: code is short and a changed
    /// constant (`3 + 4` to `7`) changes few characters but most of its words.
    static func codeSimilarity(_ a: String, _ b: String) -> Double {
        func pairs(_ s: String) -> [String: Int] {
            let cs = Array(s.filter { !$0.isWhitespace })
            var d: [String: Int] = [:]
            if cs.count >= 2 { for i in 0..<(cs.count - 1) { d[String(cs[i]) + String(cs[i + 1]), default: 0] += 1 } }
            return d
        }
        let pa = pairs(a), pb = pairs(b)
        let na = pa.values.reduce(0, +), nb = pb.values.reduce(0, +)
        guard na + nb > 0 else { return a == b ? 1 : 0 }
        let common = pa.reduce(0) { $0 + min($1.value, pb[$1.key] ?? 0) }
        return 2 * Double(common) / Double(na + nb)
    }

    /// The counts `lessons translate` prints for a lesson.
    public struct Counts: Equatable, Sendable, CustomStringConvertible {
        public var translated = 0, untranslated = 0, outdated = 0
        /// Of all entries, how many are cells (shared code).
        public var cells = 0
        public var total: Int { translated + untranslated + outdated }
        public var description: String {
            "\(translated) translated, \(untranslated) untranslated, \(outdated) outdated (\(total) entries, \(cells) of them cells)"
        }
        public init() {}
    }

    /// Counts by unit key (a paragraph written twice counts once, as it is one entry).
    public static func counts(_ units: [TranslationUnit], _ matches: [POKey: Match]) -> Counts {
        var c = Counts(), seen = Set<POKey>()
        for u in units where seen.insert(u.key).inserted {
            if u.kind == .cell { c.cells += 1 }
            switch matches[u.key] ?? .untranslated(nil) {
            case .translated: c.translated += 1
            case .outdated: c.outdated += 1
            case .untranslated: c.untranslated += 1
            }
        }
        return c
    }

    // MARK: updating (lessons translate)

    /// The catalogue rewritten for the lesson's current units, as `msgmerge` would: entries in
    /// source order with fresh `#:` references; a changed unit gets its old translation marked
    /// `fuzzy`, with the old source text as `#| msgid`; an entry no unit uses any more becomes
    /// obsolete (`#~`), kept so its translation is not lost; a new cell is entered with its
    /// code as msgstr (there is nothing to translate in it).
    public static func merged(_ old: POFile?, units: [TranslationUnit], lesson: Lesson, language: String) -> POFile {
        let entries = old?.entries ?? []
        let matches = match(units, entries)
        var out: [POFile.Entry] = []
        out.append(old?.header ?? header(lesson: lesson, language: language))
        var refs: [POKey: [String]] = [:], order: [POKey] = []
        var unitOf: [POKey: TranslationUnit] = [:]
        for u in units {
            if refs[u.key] == nil { order.append(u.key); unitOf[u.key] = u }
            refs[u.key, default: []].append("\(lesson.file):\(u.line)")
        }
        var used = Set<Int>()
        for key in order {
            let u = unitOf[key]!
            var e = POFile.Entry(context: u.context, id: u.id)
            switch matches[key]! {
            case .translated(let k), .untranslated(let k?):
                let o = entries[k]
                e.translation = o.translation; e.flags = o.flags; e.translatorComments = o.translatorComments
                e.previousContext = o.previousContext; e.previousID = o.previousID
                used.insert(k)
            case .outdated(let k):
                let o = entries[k]
                e.translation = o.translation; e.translatorComments = o.translatorComments
                e.flags = o.flags.contains("fuzzy") ? o.flags : o.flags + ["fuzzy"]
                if o.key == key {
                    e.previousContext = o.previousContext; e.previousID = o.previousID
                } else {
                    // the text it was translated from, unless it was already outdated before
                    e.previousID = o.previousID ?? o.id
                    e.previousContext = o.previousID == nil ? nil : o.previousContext
                }
                used.insert(k)
            case .untranslated(nil):
                // revive an obsolete entry with this very text
                if let k = entries.firstIndex(where: { $0.obsolete && $0.key == key }) {
                    let o = entries[k]
                    e.translation = o.translation; e.flags = o.flags; e.translatorComments = o.translatorComments
                    used.insert(k)
                } else if u.kind == .cell {
                    e.translation = u.id
                }
            }
            if e.translation.isEmpty { e.flags.removeAll { $0 == "fuzzy" }; e.previousID = nil; e.previousContext = nil }
            e.references = refs[key]!
            e.extractedComments = comment(u)
            out.append(e)
        }
        for (k, o) in entries.enumerated() where !o.isHeader && !used.contains(k) && !o.translation.isEmpty {
            var e = o
            e.obsolete = true; e.references = []; e.extractedComments = []
            out.append(e)
        }
        return POFile(entries: out)
    }

    static func comment(_ u: TranslationUnit) -> [String] {
        switch u.kind {
        case .cell: return ["A cell: shared by every language, never translated. Its msgstr is its code; when it is fuzzy, the cell changed: check the translated text around it, then remove the fuzzy flag."]
        case .caption: return ["The caption of the figure or table of the cell above."]
        case .title: return ["The lesson's title (front matter)."]
        case .summary: return ["The lesson's summary (front matter), shown under its title and on the index page."]
        case .heading: return ["A heading: its anchor stays the source's, so links to it work in every language."]
        case .html: return ["Raw HTML: translate the text, keep the tags."]
        case .text: return []
        }
    }

    static func header(lesson: Lesson, language: String) -> POFile.Entry {
        var h = POFile.Entry(id: "")
        h.translation = """
            Project-Id-Version: \(lesson.file)
            Last-Translator: see git log
            Language-Team: \(language)
            Language: \(language)
            MIME-Version: 1.0
            Content-Type: text/plain; charset=UTF-8
            Content-Transfer-Encoding: 8bit
            Plural-Forms: nplurals=1; plural=0;

            """
        h.translatorComments = ["Translation (\(language)) of \(lesson.file). Made and updated by `lessons translate`; see the README, \"A course in two languages\"."]
        return h
    }
}

extension Diagnostic: Error {}
