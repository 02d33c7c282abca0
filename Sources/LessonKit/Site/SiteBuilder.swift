import Foundation

/// What one `build` did: the numbers for the summary line and every diagnostic, in order.
public struct BuildReport: Sendable {
    public var pagesWritten = 0
    public var lessonsFound = 0
    public var skipped: [String] = []           // lesson files not written because of errors
    public var diagnostics: [Diagnostic] = []
    public var seconds = 0.0
    public var freshlyRendered = 0              // formulas and code blocks node had to render
    public var pagesReused = 0                  // pages whose inputs had not changed since the last build
    public var failingCells = 0
    public var outputDirectory = ""
    /// Seconds per stage, in order (printed with LESSONS_TIMINGS=1).
    public var phases: [(String, Double)] = []
    /// The course as the last transform left it (for checks and reports).
    public var course: Course?
    /// `--shard I/N`: what the shard ran (its summary replaces the site's).
    public var shard: ShardReport?
    /// With a shared cache: what it served and stored (appended to the summary).
    public var sharedCache: String?
    /// Per translation: its language and how many pages were written into its folder.
    public var translations: [(language: String, pages: Int)] = []
    /// The source language, whose cells ran (the translations show its results).
    public var sourceLanguage = "en"

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
    public var succeeded: Bool { errorCount == 0 }
    public var summary: String {
        if let shard { return shard.summary(errors: errorCount, warnings: warningCount, sharedCache: sharedCache) }
        var s = "built \(pagesWritten) of \(lessonsFound) pages into \(outputDirectory) in \(String(format: "%.2f", seconds)) s"
        s += " (\(pagesWritten - pagesReused) rendered, \(pagesReused) unchanged; \(freshlyRendered) new formulas/code blocks)"
        if !skipped.isEmpty { s += "; skipped \(skipped.count): \(skipped.joined(separator: ", "))" }
        if failingCells > 0 { s += "; \(failingCells) failing cell\(failingCells == 1 ? "" : "s")" }
        for t in translations {
            s += "; \(t.language): \(t.pages) pages into \(outputDirectory)/\(t.language), cell results shared with \(sourceLanguage) (cells run once for all languages)"
        }
        if let sharedCache { s += "; " + sharedCache }
        s += "; \(errorCount) error\(errorCount == 1 ? "" : "s"), \(warningCount) warning\(warningCount == 1 ? "" : "s")"
        return s
    }
}

/// The build: load the course, pass it through each transform in order, write the site.
public final class SiteBuilder {
    public let lessonsDirectory: URL
    public let outputDirectory: URL
    public let executor: CellExecutor
    public var settings: Settings
    /// How many lessons the executor may run at once.
    public var jobs: Int
    /// Where rendered math/code is cached (default: `.lessons-cache/` beside the lessons folder).
    public var cacheDirectory: URL?
    /// Where a theme override is looked for (default: `theme/` beside the lessons folder).
    public var themeDirectory: URL
    /// Replace an output folder that does not hold a site built by `lessons` (`--force`).
    public var force = false
    /// `--shard I/N`: run the cells of this shard's lessons only (into the caches); write no site.
    public var shard: ShardSpec?

    /// The stages between parsing and rendering, in order. A new feature is a new transform here.
    public var transforms: [CourseTransform] = [
        Translate(),
        ResolveLessonLinks(),
        BlogPostConventions(),
        CheckLocalImages(),
        Callouts(),
        CrossReferences(),
        Citations(),
        ExecuteCells(),
        BuildSearchIndex(),
    ]

    public init(lessonsDirectory: URL, outputDirectory: URL, executor: CellExecutor = NoExecution(), jobs: Int = 1,
                settings: Settings = Settings()) {
        self.lessonsDirectory = lessonsDirectory.standardizedFileURL
        self.outputDirectory = outputDirectory.standardizedFileURL
        self.executor = executor
        self.jobs = max(1, jobs)
        self.settings = settings
        let parent = self.lessonsDirectory.deletingLastPathComponent()
        cacheDirectory = parent.appendingPathComponent(".lessons-cache")
        themeDirectory = parent.appendingPathComponent("theme")
    }

    public func build() throws -> BuildReport {
        let start = Date()
        if shard == nil { try OutputGuard.check(output: outputDirectory, lessons: lessonsDirectory, cache: cacheDirectory, force: force) }
        let context = try BuildContext(lessonsDirectory: lessonsDirectory, outputDirectory: outputDirectory,
                                       cacheDirectory: cacheDirectory, themeDirectory: themeDirectory,
                                       settings: settings, executor: executor, jobs: jobs)
        var phases: [(String, Double)] = []
        var mark = Date()
        func phase(_ name: String) { phases.append((name, Date().timeIntervalSince(mark))); mark = Date() }

        var course = try CourseLoader(lessonsDirectory: lessonsDirectory).load()
        phase("parse")
        let sharding = try ShardedExecution(builder: self, course: course)
        for transform in transforms {
            course = try sharding.apply(transform, course, context)
            // each translation goes through the same stages as the source, but takes the source's
            // cell results instead of running its cells: one run per build for every language
            course.translations = try course.translations.map { t in
                transform is ExecuteCells ? t.sharingResults(of: course) : try transform.apply(t, context)
            }
            phase(transform.name)
        }
        if let report = try sharding.finish(course, start: start, phases: phases) { return report }
        // the site renderer: page bodies (math and code in one node run), then the files
        course = try RenderPages().apply(course, context)
        course.translations = try course.translations.map { try RenderPages().apply(Translate.relocated($0), context) }
        phase("render pages")
        var report = try SiteRenderer(context: context).write(course)
        phase("write site")
        report.diagnostics += context.renderer.warnings.map {
            Diagnostic(file: SiteBuilder.displayPath((cacheDirectory ?? outputDirectory).appendingPathComponent("render-cache.bin")),
                       line: 1, severity: .warning, message: $0)
        }
        context.renderer.saveCache(collectGarbage: report.pagesReused == 0 && course.plan?.reuseIndex != true)
        if let cache = cacheDirectory { ToolIdentity.store(context.toolIdentity, in: cache) }
        phase("save cache")
        report.sharedCache = (executor as? SharedCacheExecutor)?.summary
        report.course = course
        report.phases = phases
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// A path as shown in diagnostics: relative to the working directory when inside it.
    public static func displayPath(_ url: URL) -> String {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let p = url.standardizedFileURL.path
        return p.hasPrefix(cwd + "/") ? String(p.dropFirst(cwd.count + 1)) : p
    }
}
