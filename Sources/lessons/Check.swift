import ArgumentParser
import Foundation
import LessonKit

/// How cells run: shared by `build`, `check` and `serve`.
struct CellRunOptions: ParsableArguments {
    @Flag(name: .long, help: "Ignore cached cell results and run every cell again.")
    var noCache = false

    @Flag(name: .long, help: "Do not run cells; show them as code only.")
    var noRun = false

    @Option(name: .long, help: "Default time limit of a cell, in seconds (a cell's timeout=SECONDS overrides it).")
    var cellTimeout: Double = 180

    @Option(name: .long, help: "Time limit of a whole lesson (compile and run), in seconds.")
    var lessonTimeout: Double = 900

    @Option(name: .long, help: "Kilobytes of printed text kept per cell; more is cut with a notice.")
    var maxOutput: Int = 256

    @Option(name: .long, help: "Build directory holding libLessonRuntime.so and Modules/ (default: beside this executable, or $LESSONS_PRODUCTS_DIR).")
    var products: String?

    func validate() throws {
        guard cellTimeout > 0, lessonTimeout > 0 else { throw ValidationError("time limits must be positive") }
        guard maxOutput > 0 else { throw ValidationError("--max-output must be positive") }
    }

    /// The executor for lessons in `lessonsDirectory`; its cache sits beside it in `.lessons-cache/`.
    /// A missing runtime build is a setup error: printed, then exit status 2.
    func executor(lessonsDirectory: URL, jobs: Int) throws -> CellExecutor {
        if noRun { return NoExecution() }
        let root = lessonsDirectory.standardizedFileURL.deletingLastPathComponent()
        var o = SwiftCellExecutor.Options(root: root)
        o.useCache = !noCache
        o.jobs = jobs
        o.cellTimeout = cellTimeout
        o.lessonTimeout = lessonTimeout
        o.outputLimit = maxOutput * 1024
        // Until the Settings value exists: the environment is read here, at the CLI's edge.
        let env = ProcessInfo.processInfo.environment
        o.productsDirectory = (products ?? env[BuildProducts.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }).map { URL(fileURLWithPath: $0) }
        o.swiftc = env["LESSONS_SWIFTC"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        o.keepWork = env["LESSONS_KEEP_WORK"] != nil
        o.environment = env
        if let d = env["FASHION_MNIST_DIR"], !d.isEmpty { o.dataInputs = SwiftCellExecutor.fashionMNISTFiles(directory: d) }
        o.threadsPerLesson = env["OPENBLAS_NUM_THREADS"].flatMap { Int($0) }
            ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, jobs))
        do {
            return try SwiftCellExecutor(options: o, progress: ConsoleProgress(ci: env["CI"] != nil))
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// Remembers every lesson's cell results on their way to the site builder (for JUnit).
final class RecordingExecutor: CellExecutor, @unchecked Sendable {
    let inner: CellExecutor
    private let lock = NSLock()
    private(set) var results: [String: [Int: CellResult]] = [:]
    init(_ inner: CellExecutor) { self.inner = inner }
    func execute(file: String, cells: [Cell]) throws -> [Int: CellResult] {
        let r = try inner.execute(file: file, cells: cells)
        lock.lock(); results[file] = r; lock.unlock()
        return r
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the course for CI: run every cell and expect, render every formula, check links, images and that Output/ is up to date.",
        discussion: """
            Builds the site into a scratch folder (the committed Output/ is not touched) and compares its \
            manifest with Output/manifest.json. Prints `file:line:col: error: ...` lines and a summary.
            Exit status: 0 all good; 1 a lesson fails (cell, expect, formula, link, image, stale Output/); \
            2 usage or setup error (e.g. the runtime is not built: run `swift build -c release`).
            """
    )

    @OptionGroup var site: SiteOptions
    @OptionGroup var cells: CellRunOptions

    @Option(name: .long, help: "Write a JUnit XML report to this path.")
    var junit: String?

    @Flag(name: .long, help: "Do not compare with the committed Output/.")
    var noStaleCheck = false

    func run() throws {
        let recorder = RecordingExecutor(try cells.executor(lessonsDirectory: site.lessonsURL, jobs: site.jobs))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lessons-check-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let builder = SiteBuilder(lessonsDirectory: site.lessonsURL, outputDirectory: scratch.appendingPathComponent("Output"),
                                  executor: recorder, jobs: site.jobs)
        let report: BuildReport
        do {
            report = try builder.build()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let lessons = (try? builder.loadLessons()) ?? []
        var diagnostics = report.diagnostics
        diagnostics += SiteChecks.links(lessons: lessons, lessonsDirectory: builder.lessonsDirectory, site: builder.outputDirectory)
        if !noStaleCheck {
            diagnostics += SiteChecks.staleness(built: builder.outputDirectory, committed: site.outputURL, lessons: lessons)
        }
        // Keep the order stable and drop repeats (a cached page replays its cell diagnostics).
        var seen = Set<String>()
        diagnostics = diagnostics.filter { seen.insert($0.description).inserted }
        printDiagnostics(diagnostics)

        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        let cellCount = recorder.results.values.reduce(0) { $0 + $1.count }
        let failing = recorder.results.values.reduce(0) { $0 + $1.values.filter { $0.status != .ok }.count }
        var line = "check: \(lessons.count) lessons, \(cellCount) cells"
        if let ex = recorder.inner as? SwiftCellExecutor {
            let s = ex.stats
            line += " (\(s.lessonsRun) lessons run, \(s.lessonsCached) from cache)"
        }
        line += ", \(failing) failing; \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
        print(line)
        if let path = junit {
            let xml = JUnitReport.xml(lessons: lessons, results: recorder.results, diagnostics: diagnostics, seconds: report.seconds)
            do { try xml.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                FileHandle.standardError.write(Data("error: cannot write \(path): \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        if errors > 0 { throw ExitCode.failure }
    }
}

enum SiteChecks {
    /// Relative links in the prose must reach a page of the site, a lesson, or a file beside the
    /// lessons; `#anchor`s must name a heading of the page.
    static func links(lessons: [Lesson], lessonsDirectory: URL, site: URL) -> [Diagnostic] {
        let fm = FileManager.default
        var out: [Diagnostic] = []
        for lesson in lessons {
            let ids = Set(lesson.headings.map(\.id))
            let sourceLines = lesson.source.components(separatedBy: "\n")
            for block in lesson.blocks {
                guard case .prose(let html, let line) = block else { continue }
                for href in hrefs(html) {
                    let target = href.removingPercentEncoding ?? href
                    if target.contains("://") || target.hasPrefix("mailto:") || target.hasPrefix("data:") { continue }
                    var ok = true
                    let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    let path = parts[0], anchor = parts.count > 1 ? parts[1] : ""
                    if path.isEmpty {
                        ok = anchor.isEmpty || ids.contains(anchor)
                    } else if path.hasPrefix("/") {
                        ok = false  // absolute paths break when the site is opened from disk
                    } else {
                        let page = path.hasSuffix(".md") ? String(path.dropLast(3)) + ".html" : path
                        ok = fm.fileExists(atPath: site.appendingPathComponent(page).path)
                            || fm.fileExists(atPath: lessonsDirectory.appendingPathComponent(path).path)
                    }
                    if !ok {
                        // The renderer turns `x.md` links into `x.html`; report what the author wrote.
                        let authored = [href, href.replacingOccurrences(of: ".html", with: ".md")]
                        let found = authored.lazy.compactMap { a in locate(a, in: sourceLines, from: line).map { (a, $0) } }.first
                        let shown = found?.0 ?? href
                        let l: (line: Int, column: Int) = found?.1 ?? (line, 1)
                        out.append(Diagnostic(file: lesson.file, line: l.line, column: l.column,
                                              message: path.hasPrefix("/") ? "link '\(shown)' is absolute; use a relative link" : "broken link '\(shown)'"))
                    }
                }
            }
        }
        return out
    }

    static func hrefs(_ html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let r = rest.range(of: "href=\"") {
            let after = rest[r.upperBound...]
            guard let end = after.firstIndex(of: "\"") else { break }
            out.append(String(after[..<end]).replacingOccurrences(of: "&amp;", with: "&"))
            rest = after[end...]
        }
        return out
    }

    /// The Markdown line and column where `text` first appears at or after `from`.
    static func locate(_ text: String, in lines: [String], from: Int) -> (line: Int, column: Int)? {
        for i in max(0, from - 1)..<lines.count {
            if let r = lines[i].range(of: "(" + text) { return (i + 1, lines[i].distance(from: lines[i].startIndex, to: r.lowerBound) + 2) }
        }
        return nil
    }

    /// The committed site is stale when a page's source, theme, tools or navigation differ from a
    /// fresh build's, or pages were added or removed. Differing cell outputs alone are a warning.
    static func staleness(built: URL, committed: URL, lessons: [Lesson]) -> [Diagnostic] {
        let shown = SiteBuilder.displayPath(committed)
        guard let fresh = try? Manifest.load(from: built) else { return [] }  // the build failed; reported already
        guard let old = try? Manifest.load(from: committed) else {
            return [Diagnostic(file: shown + "/manifest.json", line: 1, message: "no committed site manifest; run `lessons build` and commit \(shown)/")]
        }
        var out: [Diagnostic] = []
        let oldPages = Dictionary(old.pages.map { ($0.page, $0) }, uniquingKeysWith: { a, _ in a })
        let newPages = Set(fresh.pages.map(\.page))
        for p in fresh.pages {
            guard let o = oldPages[p.page] else {
                out.append(Diagnostic(file: p.source, line: 1, message: "\(shown)/\(p.page) is missing from the committed site; run `lessons build` and commit \(shown)/"))
                continue
            }
            if o.sourceSHA256 != p.sourceSHA256 {
                out.append(Diagnostic(file: p.source, line: 1, message: "\(shown)/\(p.page) is stale (the lesson changed); run `lessons build` and commit \(shown)/"))
            } else if o.resultsSHA256 != p.resultsSHA256 {
                // Same source, other outputs: a cell is not deterministic (timings, threads) or the
                // engine changed. Worth knowing, but not a reason to fail CI on another machine.
                out.append(Diagnostic(file: p.source, line: 1, severity: .warning, message:
                    "cell outputs differ from the committed \(shown)/\(p.page) (a cell prints something that changes between runs, or the engine changed)"))
            } else if o.inputsSHA256 != p.inputsSHA256 {
                out.append(Diagnostic(file: p.source, line: 1, message: "\(shown)/\(p.page) is stale (the theme, tools or navigation changed); run `lessons build` and commit \(shown)/"))
            }
        }
        for o in old.pages where !newPages.contains(o.page) {
            out.append(Diagnostic(file: shown + "/manifest.json", line: 1, message: "\(shown)/\(o.page) has no lesson any more; run `lessons build` and commit \(shown)/"))
        }
        if let a = fresh.index, let b = old.index, a.inputsSHA256 != b.inputsSHA256 {
            out.append(Diagnostic(file: a.source.isEmpty ? shown + "/index.html" : a.source, line: 1,
                                  message: "\(shown)/index.html is stale; run `lessons build` and commit \(shown)/"))
        }
        return out
    }
}

/// JUnit XML: a test suite per lesson, a test case per runnable cell (failing with its
/// diagnostics), and one for the page's other checks (formulas, links, images, staleness).
enum JUnitReport {
    static func xml(lessons: [Lesson], results: [String: [Int: CellResult]], diagnostics: [Diagnostic], seconds: Double) -> String {
        var suites = ""
        var totalTests = 0, totalFailures = 0
        let files = Set(lessons.map(\.file))
        var byFile: [String: [Diagnostic]] = [:]
        for d in diagnostics where d.severity == .error { byFile[files.contains(d.file) ? d.file : "site", default: []].append(d) }
        for lesson in lessons {
            var cases = ""
            var tests = 0, failures = 0
            var claimed = Set<String>()
            for cell in lesson.cells where cell.runs {
                tests += 1
                let r = results[lesson.file]?[cell.index]
                let ds = r?.diagnostics.filter { $0.severity == .error } ?? []
                ds.forEach { claimed.insert($0.description) }
                cases += "    <testcase classname=\"\(esc(lesson.file))\" name=\"cell at line \(cell.fenceLine)\">"
                if let r, r.status == .notRun {
                    cases += "<skipped message=\"not run: the lesson stopped or did not compile before this cell\"/>"
                } else if let r, r.status != .ok {
                    failures += 1
                    let text = ds.map(\.description).joined(separator: "\n")
                    cases += "\n      <failure type=\"\(r.status.rawValue)\" message=\"\(esc(ds.first?.message ?? r.status.rawValue))\">\(esc(text))</failure>\n    "
                }
                cases += "</testcase>\n"
            }
            let pageDiags = (byFile[lesson.file] ?? []).filter { !claimed.contains($0.description) }
            tests += 1
            cases += "    <testcase classname=\"\(esc(lesson.file))\" name=\"page (formulas, links, images, up to date)\">"
            if !pageDiags.isEmpty {
                failures += 1
                cases += failure(type: "page", pageDiags)
            }
            cases += "</testcase>\n"
            suites += "  <testsuite name=\"\(esc(lesson.file))\" tests=\"\(tests)\" failures=\"\(failures)\">\n\(cases)  </testsuite>\n"
            totalTests += tests; totalFailures += failures
        }
        let site = byFile["site"] ?? []
        totalTests += 1
        suites += "  <testsuite name=\"site\" tests=\"1\" failures=\"\(site.isEmpty ? 0 : 1)\">\n    <testcase classname=\"site\" name=\"site\">"
        if !site.isEmpty {
            totalFailures += 1
            suites += failure(type: "site", site)
        }
        suites += "</testcase>\n  </testsuite>\n"
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"lessons check\" tests=\"\(totalTests)\" failures=\"\(totalFailures)\" time=\"\(String(format: "%.3f", seconds))\">\n\(suites)</testsuites>\n"
    }

    /// A `<failure>` element: the first diagnostic's message as its summary, all of them as its text.
    static func failure(type: String, _ diagnostics: [Diagnostic]) -> String {
        "\n      <failure type=\"\(type)\" message=\"\(esc(diagnostics[0].message))\">\(esc(diagnostics.map(\.description).joined(separator: "\n")))</failure>\n    "
    }

    static func esc(_ s: String) -> String { HTML.escape(s) }
}
