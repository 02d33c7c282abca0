import Foundation

/// `lessons check`: builds the site into a scratch folder (the committed one is not touched),
/// then checks links and that the committed site is current. The CLI prints what this returns.
public struct CourseCheck {
    public struct Report {
        /// Every problem, in build order, each once.
        public var diagnostics: [Diagnostic]
        public var lessons: [Lesson]
        public var seconds: Double
        /// The one-line summary `lessons check` ends with.
        public var summary: String
        /// A shard's check (`--shard I/N`): its lessons' cells, no pages.
        public var shard = false
        public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
        public var junit: String { JUnitReport.xml(lessons: lessons, diagnostics: diagnostics, seconds: seconds, shard: shard) }
    }

    /// `builder` writes into a scratch folder; `committed` is the site to compare with (nil: no staleness check).
    public static func run(_ builder: SiteBuilder, committed: URL?, executorStats: () -> String? = { nil }) throws -> Report {
        let report = try builder.build()
        let lessons = report.course?.lessons ?? []
        var diagnostics = report.diagnostics
        diagnostics += SiteChecks.links(lessons: lessons, lessonsDirectory: builder.lessonsDirectory, site: builder.outputDirectory)
        if let course = report.course {
            diagnostics += SiteChecks.translationLinks(course, lessonsDirectory: builder.lessonsDirectory, site: builder.outputDirectory)
        }
        if let committed {
            diagnostics += SiteChecks.staleness(built: builder.outputDirectory, committed: committed, lessons: lessons)
        }
        // keep the order stable and drop repeats (a cached page replays its cell diagnostics)
        var seen = Set<String>()
        diagnostics = diagnostics.filter { seen.insert($0.description).inserted }
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        let results = lessons.map(\.results)
        let cellCount = results.reduce(0) { $0 + $1.count }
        let failing = results.reduce(0) { $0 + $1.values.filter { $0.status != .ok }.count }
        var line = "check: \(lessons.count) lessons, \(cellCount) cells"
        if let stats = executorStats() { line += " (\(stats))" }
        line += ", \(failing) failing"
        // the translations show these same results: their cells are not run again
        for t in report.translations { line += "; \(t.language): \(t.pages) pages, cells shared with \(report.sourceLanguage)" }
        line += "; \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
        return Report(diagnostics: diagnostics, lessons: lessons, seconds: report.seconds, summary: line)
    }
}
