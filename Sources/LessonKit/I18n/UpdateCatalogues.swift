import Foundation

/// `lessons translate`: brings every lesson's catalogue up to date with the lesson (creating
/// it if need be) and says, per lesson, how much is translated. The CLI prints what this returns.
public struct UpdateCatalogues {
    public struct Row: Sendable {
        public var language: String
        public var lesson: String
        public var catalogue: String
        public var counts: Catalogue.Counts
        /// The catalogue's text changed (or was created).
        public var changed: Bool
        public var created: Bool
        /// `file:line: outdated/untranslated ...` lines, shown with `--list`.
        public var details: [String]
    }
    public struct Report: Sendable {
        public var rows: [Row]
        public var diagnostics: [Diagnostic]
        public var languages: [String]
    }

    public let lessonsDirectory: URL
    public init(lessonsDirectory: URL) { self.lessonsDirectory = lessonsDirectory.standardizedFileURL }

    /// `only`: the languages to update (default every translation the course declares; a
    /// language named here and not declared is made, which is how a translation starts).
    /// `write: false` counts without touching the files.
    public func run(only: [String] = [], write: Bool = true) throws -> Report {
        let course = try CourseLoader(lessonsDirectory: lessonsDirectory).load()
        var (languages, diagnostics) = Translate.languages(course, lessonsDirectory: lessonsDirectory)
        let targets = only.isEmpty ? Array(languages.dropFirst()) : only
        if !only.isEmpty { for l in only where !languages.contains(l) { languages.append(l) } }
        var rows: [Row] = []
        for language in targets where language != languages[0] {
            for lesson in course.lessons + (course.index.map { [$0] } ?? []) {
                if lesson.hasErrors {
                    diagnostics += lesson.diagnostics.filter { $0.severity == .error }
                    continue
                }
                let url = Catalogue.url(lessons: lessonsDirectory, language: language, slug: lesson.slug)
                let name = Catalogue.displayName(lessons: lessonsDirectory, language: language, slug: lesson.slug)
                let old: Catalogue?
                do { old = try Catalogue.load(lessons: lessonsDirectory, language: language, slug: lesson.slug) }
                catch let d as Diagnostic { diagnostics.append(d); continue }
                let units = UnitExtractor.units(of: lesson)
                let merged = Catalogue.merged(old?.po, units: units, lesson: lesson, language: language)
                let text = merged.text()
                // count what the file says after the update (fuzzy entries are the outdated ones)
                let reparsed = (try? POFile.parse(text)) ?? merged
                let matches = Catalogue.match(units, reparsed.entries)
                let counts = Catalogue.counts(units, matches)
                var details: [String] = []
                var seen = Set<POKey>()
                for u in units where seen.insert(u.key).inserted {
                    switch matches[u.key] {
                    case .outdated(let k)?:
                        details.append("\(name):\(reparsed.entries[k].line): outdated: the source \(LessonTranslator.what(u)) at \(lesson.file):\(u.line) changed since it was translated")
                    case .untranslated(let k)? where u.kind != .cell:
                        details.append("\(name):\(k.map { reparsed.entries[$0].line } ?? 1): untranslated: \(LessonTranslator.what(u)) at \(lesson.file):\(u.line)")
                    default: break
                    }
                }
                let changed = old?.text != text
                if write && changed {
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try text.write(to: url, atomically: true, encoding: .utf8)
                }
                rows.append(Row(language: language, lesson: lesson.file, catalogue: name, counts: counts,
                                changed: changed, created: old == nil, details: details))
            }
        }
        return Report(rows: rows, diagnostics: diagnostics, languages: languages)
    }
}
