import Foundation

/// What one `build` did: the numbers for the summary line and every diagnostic, in order.
public struct BuildReport: Sendable {
    public var pagesWritten = 0
    public var lessonsFound = 0
    public var skipped: [String] = []           // lesson files not written because of errors
    public var diagnostics: [Diagnostic] = []
    public var seconds = 0.0
    public var freshlyRendered = 0              // formulas and code blocks node had to render
    public var failingCells = 0
    public var outputDirectory = ""

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
    public var succeeded: Bool { errorCount == 0 }
    public var summary: String {
        var s = "built \(pagesWritten) of \(lessonsFound) pages into \(outputDirectory) in \(String(format: "%.2f", seconds)) s"
        s += " (\(freshlyRendered) formulas/code blocks rendered, the rest cached)"
        if !skipped.isEmpty { s += "; skipped \(skipped.count): \(skipped.joined(separator: ", "))" }
        if failingCells > 0 { s += "; \(failingCells) failing cell\(failingCells == 1 ? "" : "s")" }
        s += "; \(errorCount) error\(errorCount == 1 ? "" : "s"), \(warningCount) warning\(warningCount == 1 ? "" : "s")"
        return s
    }
}

/// The build pipeline: parse -> execute -> render (KaTeX, highlighting, theme) -> write.
public final class SiteBuilder {
    public let lessonsDirectory: URL
    public let outputDirectory: URL
    public let executor: CellExecutor
    /// How many lessons the executor may run at once.
    public var jobs: Int
    /// Where rendered math/code is cached (default: `.lessons-cache/` beside the lessons folder).
    public var cacheDirectory: URL?
    /// Where a theme override is looked for (default: `theme/` beside the lessons folder).
    public var themeDirectory: URL

    public init(lessonsDirectory: URL, outputDirectory: URL, executor: CellExecutor = NoExecution(), jobs: Int = 1) {
        self.lessonsDirectory = lessonsDirectory.standardizedFileURL
        self.outputDirectory = outputDirectory.standardizedFileURL
        self.executor = executor
        self.jobs = max(1, jobs)
        let parent = self.lessonsDirectory.deletingLastPathComponent()
        cacheDirectory = parent.appendingPathComponent(".lessons-cache")
        themeDirectory = parent.appendingPathComponent("theme")
    }

    /// Path of a file as shown in diagnostics: relative to the working directory when inside it.
    public static func displayPath(_ url: URL) -> String {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let p = url.standardizedFileURL.path
        return p.hasPrefix(cwd + "/") ? String(p.dropFirst(cwd.count + 1)) : p
    }

    /// The lesson files, sorted by name; `index.md` (the front page's text) is returned apart.
    public func lessonFiles() throws -> (lessons: [URL], index: URL?) {
        let names = try FileManager.default.contentsOfDirectory(atPath: lessonsDirectory.path)
        let md = names.filter { $0.hasSuffix(".md") && !$0.hasPrefix(".") && $0 != "README.md" }.sorted()
        let index = md.contains("index.md") ? lessonsDirectory.appendingPathComponent("index.md") : nil
        return (md.filter { $0 != "index.md" }.map { lessonsDirectory.appendingPathComponent($0) }, index)
    }

    /// Parses one lesson file.
    public func parse(_ url: URL) -> Lesson {
        let file = Self.displayPath(url)
        let slug = url.deletingPathExtension().lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return Lesson(file: file, slug: slug, frontMatter: FrontMatter(), blocks: [], math: [], images: [],
                          diagnostics: [Diagnostic(file: file, line: 1, message: "cannot read file")], source: "")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return Lesson(file: file, slug: slug, frontMatter: FrontMatter(), blocks: [], math: [], images: [],
                          diagnostics: [Diagnostic(file: file, line: 1, message: "file is not valid UTF-8")], source: "")
        }
        return LessonParser.parse(source: text, file: file, slug: slug, directory: url.deletingLastPathComponent())
    }

    /// Parses every lesson (in parallel), ordered by `order`, then by file name.
    public func loadLessons() throws -> [Lesson] {
        let files = try lessonFiles().lessons
        var lessons = [Lesson?](repeating: nil, count: files.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let l = parse(files[i])
            lock.lock(); lessons[i] = l; lock.unlock()
        }
        return Self.ordered(lessons.compactMap { $0 })
    }

    static func ordered(_ lessons: [Lesson]) -> [Lesson] {
        lessons.enumerated().sorted { a, b in
            let oa = a.element.frontMatter.order ?? Int.max, ob = b.element.frontMatter.order ?? Int.max
            return oa != ob ? oa < ob : a.offset < b.offset
        }.map(\.element)
    }

    public func build() throws -> BuildReport {
        let start = Date()
        var report = BuildReport()
        report.outputDirectory = Self.displayPath(outputDirectory)
        guard FileManager.default.fileExists(atPath: lessonsDirectory.path) else {
            throw RenderError(description: "\(Self.displayPath(lessonsDirectory)): no such lessons folder")
        }
        let theme = try Theme(overrideDirectory: themeDirectory)
        let lessons = try loadLessons()
        report.lessonsFound = lessons.count
        guard !lessons.isEmpty else { throw RenderError(description: "no lessons (*.md) in \(Self.displayPath(lessonsDirectory))") }
        let indexLesson = try lessonFiles().index.map(parse)

        // Execute: one call per lesson without parse errors, up to `jobs` at once.
        let resultsBox = Box([[Int: CellResult]](repeating: [:], count: lessons.count))
        let diagnosticsBox = Box([[Diagnostic]](repeating: [], count: lessons.count))
        let runnable = lessons.indices.filter { !lessons[$0].hasErrors && lessons[$0].cells.contains { $0.runs } }
        let lock = NSLock()
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = jobs
        for i in runnable {
            queue.addOperation { [executor] in
                let lesson = lessons[i]
                do {
                    let r = try executor.execute(file: lesson.file, cells: lesson.cells)
                    lock.lock(); resultsBox.value[i] = r; lock.unlock()
                } catch {
                    let d = Diagnostic(file: lesson.file, line: lesson.cells.first(where: { $0.runs })?.fenceLine ?? 1,
                                       message: "running the cells failed: \(error)")
                    lock.lock(); diagnosticsBox.value[i] = [d]; lock.unlock()
                }
            }
        }
        queue.waitUntilAllOperationsAreFinished()
        let results = resultsBox.value, execDiagnostics = diagnosticsBox.value

        // Render math and code for every page in one node run (cached by content).
        let service = try RenderService(cacheDirectory: cacheDirectory)
        let renderers = lessons.indices.map { PageRenderer(lesson: lessons[$0], results: results[$0]) }
        let indexRenderer = indexLesson.map { PageRenderer(lesson: $0, results: [:]) }
        let outcomes = try service.render(renderers.flatMap(\.requests) + (indexRenderer?.requests ?? []))
        report.freshlyRendered = service.rendered

        var pages: [(lesson: Lesson, output: PageRenderer.Output, resultsHash: String)] = []
        for (i, r) in renderers.enumerated() {
            let out = r.render(outcomes)
            let lesson = lessons[i]
            report.diagnostics += lesson.diagnostics + out.diagnostics + execDiagnostics[i] + out.cellDiagnostics
            report.failingCells += out.failingCells
            if lesson.hasErrors || out.diagnostics.contains(where: { $0.severity == .error }) {
                report.skipped.append(lesson.file)
                continue
            }
            pages.append((lesson, out, Self.resultsHash(results[i])))
        }
        let indexOut = indexRenderer?.render(outcomes)
        if let il = indexLesson { report.diagnostics += il.diagnostics + (indexOut?.diagnostics ?? []) }

        // Write everything into a fresh folder beside Output/, then swap it in.
        let writer = try SiteWriter(outputDirectory: outputDirectory)
        do {
            let site = SiteContext(theme: theme, katexVersion: service.katexVersion, highlightVersion: service.highlightVersion,
                                   siteTitle: indexLesson?.frontMatter.title ?? "Lessons")
            var manifestPages: [Manifest.Page] = []
            for (k, page) in pages.enumerated() {
                let prev = k > 0 ? pages[k - 1].lesson : nil
                let next = k + 1 < pages.count ? pages[k + 1].lesson : nil
                let html = site.page(page.lesson, page.output, prev: prev, next: next)
                try writer.write(html, to: page.lesson.slug + ".html")
                for image in page.lesson.images where LessonParser.isLocal(image.url) {
                    try writer.copyImage(image.url, from: lessonsDirectory)
                }
                manifestPages.append(Manifest.Page(page: page.lesson.slug + ".html", source: page.lesson.file,
                    sourceSHA256: SHA256.hex(page.lesson.source), resultsSHA256: page.resultsHash,
                    previous: prev.map { $0.slug + ".html" }, next: next.map { $0.slug + ".html" }))
            }
            try writer.write(site.index(pages.map(\.lesson), intro: indexOut), to: "index.html")
            try writer.write(theme.css, to: "assets/style.css")
            try writer.copyKaTeXAssets(nodePath: "/usr/share/nodejs")
            let manifest = Manifest(generator: "lessons \(LessonKitInfo.version)", katex: service.katexVersion,
                highlight: service.highlightVersion, themeSHA256: theme.hash,
                index: indexLesson.map { Manifest.Page(page: "index.html", source: $0.file, sourceSHA256: SHA256.hex($0.source),
                                                        resultsSHA256: "", previous: nil, next: nil) },
                pages: manifestPages)
            try writer.write(manifest.json(), to: "manifest.json")
            try writer.commit()
        } catch {
            writer.abandon()
            throw error
        }
        service.saveCache()
        report.pagesWritten = pages.count
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    static func resultsHash(_ results: [Int: CellResult]) -> String {
        guard !results.isEmpty else { return "" }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let sorted = results.keys.sorted().map { results[$0]! }
        return (try? enc.encode(sorted)).map { SHA256.hex([UInt8]($0)) } ?? ""
    }
}

/// A mutable value shared with the executor's worker threads (writes are under a lock).
private final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
