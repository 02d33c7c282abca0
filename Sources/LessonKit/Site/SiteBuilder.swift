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
    /// Seconds per stage, in order (print them with LESSONS_TIMINGS=1).
    public var phases: [(String, Double)] = []

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
    public var succeeded: Bool { errorCount == 0 }
    public var summary: String {
        var s = "built \(pagesWritten) of \(lessonsFound) pages into \(outputDirectory) in \(String(format: "%.2f", seconds)) s"
        s += " (\(pagesWritten - pagesReused) rendered, \(pagesReused) unchanged; \(freshlyRendered) new formulas/code blocks)"
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

    /// A lesson's name in diagnostics, pages and the manifest: relative to the folder that holds
    /// the lessons folder (`Lessons/x.md`), so the output does not depend on where the build ran.
    public func displayName(_ url: URL) -> String {
        lessonsDirectory.lastPathComponent + "/" + url.lastPathComponent
    }

    /// Parses one lesson file.
    public func parse(_ url: URL) -> Lesson {
        let file = displayName(url)
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
        var mark = Date()
        func phase(_ name: String) { report.phases.append((name, Date().timeIntervalSince(mark))); mark = Date() }
        let lessons = try loadLessons()
        phase("parse")
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
        phase("execute")
        let results = resultsBox.value, execDiagnostics = diagnosticsBox.value

        // Pages whose inputs match the previous build's manifest are reused as they are;
        // everything else is rendered, math and code for all of it in one node run.
        let previous = try? Manifest.load(from: outputDirectory)
        let service = try RenderService(cacheDirectory: cacheDirectory)
        let generator = "lessons \(LessonKitInfo.version)"
        let site = SiteContext(theme: theme, katexVersion: service.katexVersion, highlightVersion: service.highlightVersion,
                               siteTitle: indexLesson?.frontMatter.title ?? "Lessons")
        // Reuse also needs the same build of this tool: the manifest's hashes must not depend on
        // the machine, so the tool's local identity (size and time of the executable) is kept
        // in the cache folder instead.
        let identityFile = cacheDirectory?.appendingPathComponent("tool-identity")
        let identity = Self.toolIdentity() + " " + service.scriptHash
        let sameTool = identityFile.flatMap { try? String(contentsOf: $0, encoding: .utf8) } == identity
        let sameToolchain = sameTool && previous.map {
            $0.generator == generator && $0.katex == service.katexVersion && $0.highlight == service.highlightVersion
                && $0.themeSHA256 == theme.hash
        } ?? false
        let previousPages = Dictionary((previous?.pages ?? []).map { ($0.page, $0) }, uniquingKeysWith: { a, _ in a })
        let sourceHashes = lessons.map { SHA256.hex($0.source) }
        let resultsHashes = results.map(Self.resultsHash)

        /// The previous build's entry for a lesson if its own inputs are unchanged (it built cleanly then).
        func reusable(_ i: Int) -> Manifest.Page? {
            guard sameToolchain, let old = previousPages[lessons[i].slug + ".html"], old.source == lessons[i].file,
                  old.sourceSHA256 == sourceHashes[i], old.resultsSHA256 == resultsHashes[i],
                  FileManager.default.fileExists(atPath: outputDirectory.appendingPathComponent(old.page).path) else { return nil }
            return old
        }

        var rendered: [Int: PageRenderer.Output] = [:]
        func renderPages(_ indices: [Int], extra: [PageRenderer] = []) throws -> [PageRenderer.Output] {
            let renderers = indices.map { PageRenderer(lesson: lessons[$0], results: results[$0]) } + extra
            guard !renderers.isEmpty else { return [] }
            let outcomes = try service.render(renderers.flatMap(\.requests))
            phase("katex+highlight")
            // pages are independent: render them on all cores
            let box = Box([PageRenderer.Output?](repeating: nil, count: renderers.count))
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: renderers.count) { k in
                let out = renderers[k].render(outcomes)
                lock.lock(); box.value[k] = out; lock.unlock()
            }
            let outs = box.value.map { $0! }
            for (k, i) in indices.enumerated() { rendered[i] = outs[k] }
            return Array(outs[indices.count...])
        }
        // Pages with parse errors are rendered too (never written), so that their formula errors
        // are reported in the same build as the parse errors, not one fix later.
        let candidates = lessons.indices.filter { !lessons[$0].hasErrors }
        _ = try renderPages(candidates.filter { reusable($0) == nil } + lessons.indices.filter { lessons[$0].hasErrors })

        var written: [Int] = []
        for i in lessons.indices {
            let lesson = lessons[i]
            report.diagnostics += lesson.diagnostics + execDiagnostics[i]
            if lesson.hasErrors {
                report.diagnostics += (rendered[i]?.diagnostics ?? []).filter { !lesson.diagnostics.contains($0) }
                report.skipped.append(lesson.file)
                continue
            }
            if let out = rendered[i] {
                report.diagnostics += out.diagnostics + out.cellDiagnostics
                report.failingCells += out.failingCells
                if out.diagnostics.contains(where: { $0.severity == .error }) { report.skipped.append(lesson.file); continue }
            } else if let old = reusable(i) {
                report.diagnostics += old.cellDiagnostics ?? []
                report.failingCells += old.failingCells ?? 0
            }
            written.append(i)
        }

        // Each page's full set of inputs, navigation included; unchanged pages are linked, not rebuilt.
        func link(_ k: Int) -> String { k >= 0 && k < written.count ? lessons[written[k]].slug + ".html" : "" }
        func pageKey(_ k: Int) -> String {
            let i = written[k]
            let neighbours = [k - 1, k + 1].map { j in j >= 0 && j < written.count ? link(j) + "\u{0}" + lessons[written[j]].title : "" }
            let parts: [String] = [generator, service.katexVersion, service.highlightVersion, theme.hash, site.siteTitle,
                                   lessons[i].file, sourceHashes[i], resultsHashes[i]]
            return SHA256.hex((parts + neighbours).joined(separator: "\u{1}"))
        }
        let keys = written.indices.map(pageKey)
        let stale = written.indices.filter { k in
            rendered[written[k]] == nil && previousPages[link(k)]?.inputsSHA256 != keys[k]
        }.map { written[$0] }
        _ = try renderPages(stale)

        // The index: its intro and the list of pages.
        let toolKey: [String] = [generator, service.katexVersion, service.highlightVersion, theme.hash, site.siteTitle]
        let indexSource: String = indexLesson.map { SHA256.hex($0.source) } ?? ""
        let listed: [String] = written.map { i -> String in
            let l = lessons[i]
            return [l.slug, l.title, l.frontMatter.summary ?? ""].joined(separator: "\u{0}")
        }
        let indexKey = SHA256.hex((toolKey + [indexSource] + listed).joined(separator: "\u{1}"))
        let reuseIndex = sameToolchain && previous?.index?.inputsSHA256 == indexKey
            && FileManager.default.fileExists(atPath: outputDirectory.appendingPathComponent("index.html").path)
        var indexOut: PageRenderer.Output? = nil
        if let il = indexLesson {
            report.diagnostics += il.diagnostics
            if !reuseIndex {
                indexOut = try renderPages([], extra: [PageRenderer(lesson: il, results: [:])]).first
                report.diagnostics += indexOut?.diagnostics ?? []
            } else {
                report.diagnostics += previous?.index?.cellDiagnostics ?? [] // e.g. bad math on the front page
            }
        }
        report.freshlyRendered = service.rendered
        report.pagesReused = written.count - written.filter { rendered[$0] != nil }.count

        // Write everything into a fresh folder beside Output/, then swap it in.
        phase("render pages")
        let writer = try SiteWriter(outputDirectory: outputDirectory)
        do {
            var manifestPages: [Manifest.Page] = []
            for (k, i) in written.enumerated() {
                let lesson = lessons[i]
                let prev = k > 0 ? lessons[written[k - 1]] : nil
                let next = k + 1 < written.count ? lessons[written[k + 1]] : nil
                let name = lesson.slug + ".html"
                var cellDiagnostics: [Diagnostic]? = nil, failing: Int? = nil
                if let out = rendered[i] {
                    try writer.write(site.page(lesson, out, prev: prev, next: next), to: name)
                    cellDiagnostics = out.cellDiagnostics; failing = out.failingCells
                } else {
                    try writer.reuse(outputDirectory.appendingPathComponent(name), as: name)
                    cellDiagnostics = previousPages[name]?.cellDiagnostics; failing = previousPages[name]?.failingCells
                }
                for image in lesson.images where LessonParser.isLocal(image.url) {
                    try writer.copyImage(image.url, from: lessonsDirectory)
                }
                manifestPages.append(Manifest.Page(page: name, source: lesson.file,
                    sourceSHA256: sourceHashes[i], resultsSHA256: resultsHashes[i], inputsSHA256: keys[k],
                    previous: prev.map { $0.slug + ".html" }, next: next.map { $0.slug + ".html" },
                    failingCells: (failing ?? 0) > 0 ? failing : nil,
                    cellDiagnostics: (cellDiagnostics ?? []).isEmpty ? nil : cellDiagnostics))
            }
            if reuseIndex {
                try writer.reuse(outputDirectory.appendingPathComponent("index.html"), as: "index.html")
            } else {
                try writer.write(site.index(written.map { lessons[$0] }, intro: indexOut), to: "index.html")
            }
            try writer.write(theme.css, to: "assets/style.css")
            try writer.copyKaTeXAssets(nodePath: "/usr/share/nodejs")
            let manifest = Manifest(generator: generator, katex: service.katexVersion,
                highlight: service.highlightVersion, themeSHA256: theme.hash,
                index: Manifest.Page(page: "index.html", source: indexLesson?.file ?? "", sourceSHA256: indexLesson.map { SHA256.hex($0.source) } ?? "",
                                     resultsSHA256: "", inputsSHA256: indexKey,
                                     cellDiagnostics: reuseIndex ? previous?.index?.cellDiagnostics
                                         : (indexOut?.diagnostics ?? []).isEmpty ? nil : indexOut?.diagnostics),
                pages: manifestPages)
            try writer.write(manifest.json(), to: "manifest.json")
            try writer.commit()
        } catch {
            writer.abandon()
            throw error
        }
        phase("write site")
        service.saveCache(collectGarbage: report.pagesReused == 0 && !reuseIndex)
        phase("save cache")
        if let identityFile {
            try? FileManager.default.createDirectory(at: identityFile.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? identity.write(to: identityFile, atomically: true, encoding: .utf8)
        }
        report.pagesWritten = written.count
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    static func toolIdentity() -> String {
        let path = Bundle.main.executablePath ?? CommandLine.arguments[0]
        let attrs = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attrs?[.size] as? NSNumber)?.intValue ?? 0
        let time = (attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(LessonKitInfo.version) \(path) \(size) \(time)"
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
