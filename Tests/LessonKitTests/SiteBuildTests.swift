import Foundation
import XCTest
@testable import LessonKit

final class SiteBuildTests: XCTestCase {
    /// Builds a copy of a fixture folder; the cache goes to a temporary folder too.
    private func build(_ fixture: URL, executor: CellExecutor = FakeExecutor()) throws -> (URL, BuildReport) {
        let dir = try copyFixture(fixture)
        let out = dir.appendingPathComponent("Output")
        let builder = SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: out, executor: executor)
        let report = try builder.build()
        return (out, report)
    }

    private func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Golden files: each page of the fixture site must match `Fixtures/site/expected/`
    /// byte for byte (regenerate with UPDATE_GOLDEN=1 after an intended change).
    func testGoldenPages() throws {
        let (out, report) = try build(FixturePaths.site)
        XCTAssertEqual(report.pagesWritten, 2)
        XCTAssertEqual(report.skipped, [])
        // the fake executor reports one failed expectation in 02-math.md
        XCTAssertEqual(report.errorCount, 1, "\(report.diagnostics)")
        XCTAssertEqual(report.failingCells, 1)
        let expected = FixturePaths.site.appendingPathComponent("expected")
        let update = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"
        for name in ["index.html", "01-basics.html", "02-math.html", "manifest.json"] {
            let actual = try read(out.appendingPathComponent(name))
            let golden = expected.appendingPathComponent(name)
            if update {
                try FileManager.default.createDirectory(at: expected, withIntermediateDirectories: true)
                try actual.write(to: golden, atomically: true, encoding: .utf8)
                continue
            }
            let want = try read(golden)
            if actual != want {
                let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
                let w = want.split(separator: "\n", omittingEmptySubsequences: false)
                let i = (0..<min(a.count, w.count)).first { a[$0] != w[$0] } ?? min(a.count, w.count)
                XCTFail("\(name) differs from its golden file at line \(i + 1):\n  got:  \(i < a.count ? a[i] : "<eof>")\n  want: \(i < w.count ? w[i] : "<eof>")")
            }
        }
    }

    func testPageContents() throws {
        let (out, _) = try build(FixturePaths.site)
        let basics = try read(out.appendingPathComponent("01-basics.html"))
        XCTAssertTrue(basics.contains("It costs $5 and $6, and a literal $ sign stays."))
        XCTAssertTrue(basics.contains("<span class=\"raw\">raw HTML span</span>"))
        XCTAssertFalse(basics.contains("{:"))
        XCTAssertFalse(basics.contains("hidden code"), "a hide cell shows no code")
        XCTAssertTrue(basics.contains("<details class=\"cell-outputs\"><summary>Output</summary>"))
        XCTAssertTrue(basics.contains("<span class=\"hljs-keyword\">let</span>"), "swift is highlighted")
        XCTAssertTrue(basics.contains("shown, never run: $not math$"))
        XCTAssertTrue(basics.contains("href=\"#한국어-제목\""), "toc links the Korean heading")
        XCTAssertTrue(basics.contains("<a rel=\"next\" href=\"02-math.html\">"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("images/dot.svg").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("assets/katex/katex.min.css").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("assets/katex/fonts/KaTeX_Main-Regular.woff2").path))

        let math = try read(out.appendingPathComponent("02-math.html"))
        XCTAssertFalse(math.contains("<h1 id="), "a leading # heading does not repeat the title")
        XCTAssertFalse(math.contains("\u{E000}"), "every placeholder restored")
        XCTAssertFalse(math.contains("katex-error"))
        XCTAssertGreaterThanOrEqual(math.components(separatedBy: "class=\"katex\"").count - 1, 8)
        XCTAssertTrue(math.contains("&lt;b&gt;escaped&lt;/b&gt;"), "printed text is escaped")
        XCTAssertFalse(math.contains("output hidden</pre>"), "output=hide hides the output")
        XCTAssertTrue(math.contains("cell-diagnostics"))
        XCTAssertTrue(math.contains("Lessons/02-math.md"))
        XCTAssertTrue(math.contains("cell-math"), "math outputs are rendered by KaTeX")
        XCTAssertTrue(math.contains("1 cell(s) on this page failed"))
    }

    func testBrokenLessonsAreReportedAndSkipped() throws {
        let (out, report) = try build(FixturePaths.broken, executor: NoExecution())
        // a missing image no longer drops its page (issue 13): 06-image is written with a placeholder
        XCTAssertEqual(report.pagesWritten, 2)
        XCTAssertEqual(report.skipped.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted(),
                       ["02-fence.md", "03-yaml.md", "04-option.md", "05-latex.md", "07-image-and-latex.md"])
        XCTAssertTrue(try read(out.appendingPathComponent("06-image.html")).contains("<span class=\"missing-image-file\">Missing image <code>images/missing.png</code></span>"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("01-good.html").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("02-fence.html").path))
        func find(_ file: String) -> [Diagnostic] { report.diagnostics.filter { $0.file.hasSuffix(file) } }
        XCTAssertEqual(find("02-fence.md").map(\.line), [8])
        XCTAssertTrue(find("02-fence.md")[0].message.contains("unterminated code fence"))
        XCTAssertEqual(find("03-yaml.md").first?.severity, .error)
        XCTAssertTrue(find("03-yaml.md")[0].message.contains("malformed YAML"))
        XCTAssertEqual(find("04-option.md").map { "\($0.line):\($0.column)" }, ["8:15"])
        XCTAssertEqual(find("05-latex.md").map { "\($0.line):\($0.column)" }, ["8:6"])
        XCTAssertTrue(find("05-latex.md")[0].message.contains("KaTeX parse error"))
        let image = find("06-image.md")
        XCTAssertEqual(image.map(\.severity), [.warning, .error])
        XCTAssertEqual(image.map { "\($0.line):\($0.column)" }, ["4:7", "9:5"])
        // A page with a parse error (the missing image) still has its formulas checked.
        let both = find("07-image-and-latex.md")
        XCTAssertEqual(both.map { "\($0.line):\($0.column)" }, ["6:18", "8:1"], "\(both)")
        XCTAssertTrue(both[0].message.contains("missing image"))
        XCTAssertTrue(both[1].message.contains("KaTeX parse error"))
        XCTAssertFalse(report.succeeded)
        let index = try read(out.appendingPathComponent("index.html"))
        XCTAssertTrue(index.contains("01-good.html"))
        XCTAssertFalse(index.contains("05-latex.html"))
    }

    func testSameInputsGiveSameBytes() throws {
        let dir = try copyFixture(FixturePaths.site)
        let lessons = dir.appendingPathComponent("Lessons")
        let a = dir.appendingPathComponent("A"), b = dir.appendingPathComponent("B")
        _ = try SiteBuilder(lessonsDirectory: lessons, outputDirectory: a, executor: FakeExecutor()).build()
        // the second build renders from the cache, the first from node: both must agree
        let second = try SiteBuilder(lessonsDirectory: lessons, outputDirectory: b, executor: FakeExecutor()).build()
        XCTAssertEqual(second.freshlyRendered, 0)
        let files = try FileManager.default.subpathsOfDirectory(atPath: a.path).sorted()
        XCTAssertEqual(files, try FileManager.default.subpathsOfDirectory(atPath: b.path).sorted())
        for f in files {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: a.appendingPathComponent(f).path, isDirectory: &isDir)
            if isDir.boolValue { continue }
            XCTAssertEqual(FileManager.default.contents(atPath: a.appendingPathComponent(f).path),
                           FileManager.default.contents(atPath: b.appendingPathComponent(f).path), f)
        }
    }

    /// A rebuild with nothing changed reuses every page; editing one lesson's title re-renders
    /// it and its neighbours (their navigation shows the title), and the bytes match a clean build.
    func testIncrementalRebuild() throws {
        let dir = try copyFixture(FixturePaths.site)
        let lessons = dir.appendingPathComponent("Lessons"), out = dir.appendingPathComponent("Output")
        func build(_ to: URL) throws -> BuildReport {
            try SiteBuilder(lessonsDirectory: lessons, outputDirectory: to, executor: FakeExecutor()).build()
        }
        _ = try build(out)
        let second = try build(out)
        XCTAssertEqual(second.pagesReused, 2)
        XCTAssertEqual(second.freshlyRendered, 0)
        XCTAssertEqual(second.errorCount, 1, "the failing cell is still reported when its page is reused")
        XCTAssertEqual(second.failingCells, 1)

        let file = lessons.appendingPathComponent("01-basics.md")
        try (try read(file)).replacingOccurrences(of: "title: Basics", with: "title: Basics, edited").write(to: file, atomically: true, encoding: .utf8)
        let third = try build(out)
        XCTAssertEqual(third.pagesReused, 0, "02-math links to the renamed page, so it is rebuilt too")
        XCTAssertTrue(try read(out.appendingPathComponent("02-math.html")).contains("Basics, edited"))

        // editing one page's prose re-renders it alone; the cache must still hold the formulas
        // of the page that was reused, not only those of the re-rendered one
        let math = lessons.appendingPathComponent("02-math.md")
        try (try read(math) + "\nOne more paragraph.\n").write(to: math, atomically: true, encoding: .utf8)
        XCTAssertEqual(try build(out).pagesReused, 1)
        try FileManager.default.removeItem(at: out)
        XCTAssertEqual(try build(out).freshlyRendered, 0)

        let clean = dir.appendingPathComponent("Clean")
        try FileManager.default.removeItem(at: dir.appendingPathComponent(".lessons-cache"))
        _ = try build(clean)
        for name in ["index.html", "01-basics.html", "02-math.html", "manifest.json"] {
            XCTAssertEqual(try read(out.appendingPathComponent(name)), try read(clean.appendingPathComponent(name)), name)
        }
    }

    /// KaTeX on worker threads (large batches) must give the same bytes as one thread.
    func testWorkerThreadsGiveSameBytes() throws {
        let dir = try makeTempDirectory()
        let lessons = dir.appendingPathComponent("Lessons")
        try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
        let body = (0..<450).map { "Formula $x_{\($0)} + \\frac{\($0)}{y}$ and more." }.joined(separator: "\n\n")
        try ("---\ntitle: Many\n---\n\n" + body + "\n").write(to: lessons.appendingPathComponent("many.md"), atomically: true, encoding: .utf8)
        var pages: [String] = []
        for threads in ["1", "2"] {
            setenv("LESSONS_RENDER_THREADS", threads, 1)
            defer { unsetenv("LESSONS_RENDER_THREADS") }
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(".lessons-cache"))
            let out = dir.appendingPathComponent("Output-\(threads)")
            let report = try SiteBuilder(lessonsDirectory: lessons, outputDirectory: out).build()
            XCTAssertEqual(report.freshlyRendered, 450)
            pages.append(try read(out.appendingPathComponent("many.html")))
        }
        XCTAssertEqual(pages[0], pages[1])
        XCTAssertEqual(pages[0].components(separatedBy: "class=\"katex\"").count - 1, 450)
    }

    func testFailedBuildLeavesOutputUntouched() throws {
        let dir = try copyFixture(FixturePaths.site)
        let out = dir.appendingPathComponent("Output")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: out.appendingPathComponent("index.html"))
        try Data("{}".utf8).write(to: out.appendingPathComponent("manifest.json"))  // a site of ours
        // a theme override with a broken template makes the build throw before the swap
        let theme = dir.appendingPathComponent("theme")
        try FileManager.default.createDirectory(at: theme, withIntermediateDirectories: true)
        try Data("{{#open}} never closed".utf8).write(to: theme.appendingPathComponent("page.mustache"))
        XCTAssertThrowsError(try SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: out).build())
        XCTAssertEqual(try read(out.appendingPathComponent("index.html")), "old")
        var leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".Output") }
        XCTAssertEqual(leftovers, [])
        // a folder left by a build that was killed (its process is gone) is cleaned up by the next one
        let stale = dir.appendingPathComponent(".Output.building-999999")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try FileManager.default.removeItem(at: theme)
        _ = try SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: out).build()
        leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".Output") }
        XCTAssertEqual(leftovers, [])
    }

    func testThemeOverrideReplacesOneFile() throws {
        let dir = try copyFixture(FixturePaths.site)
        let theme = dir.appendingPathComponent("theme")
        try FileManager.default.createDirectory(at: theme, withIntermediateDirectories: true)
        try Data("<title>{{title}}</title>CUSTOM {{{body}}}".utf8).write(to: theme.appendingPathComponent("page.mustache"))
        let out = dir.appendingPathComponent("Output")
        _ = try SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: out).build()
        XCTAssertTrue(try read(out.appendingPathComponent("01-basics.html")).hasPrefix("<title>Basics</title>CUSTOM "))
        XCTAssertTrue(try read(out.appendingPathComponent("index.html")).contains("<!DOCTYPE html>"), "index keeps the embedded template")
    }

    func testManifestRecordsInputs() throws {
        let (out, _) = try build(FixturePaths.site)
        let m = try Manifest.load(from: out)
        XCTAssertEqual(m.pages.map(\.page), ["01-basics.html", "02-math.html"])
        let source = try String(contentsOf: FixturePaths.site.appendingPathComponent("Lessons/01-basics.md"), encoding: .utf8)
        XCTAssertEqual(m.pages[0].sourceSHA256, SHA256.hex(source))
        XCTAssertFalse(m.pages[1].resultsSHA256.isEmpty)
    }

    /// One escaper for the pages and the JUnit report: markup characters become entities, and
    /// control characters (which neither HTML nor XML 1.0 allows) become U+FFFD.
    func testEscapingMarkupAndControlCharacters() {
        XCTAssertEqual(HTML.escape("a < b && c > \"d\""), "a &lt; b &amp;&amp; c &gt; &quot;d&quot;")
        XCTAssertEqual(HTML.escape("bell\u{7}\tline\nend\r\u{1B}[0m"), "bell\u{FFFD}\tline\nend\r\u{FFFD}[0m")
        XCTAssertEqual(HTML.escape("naïve ∑ 😀"), "naïve ∑ 😀")
    }

    func testSHA256KnownAnswers() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(String(repeating: "a", count: 1_000)), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        // lengths around the padding and block boundaries (expected values from Python's hashlib)
        let expected: [Int: String] = [
            55: "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b",
            56: "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27",
            63: "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055",
            64: "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241",
            65: "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e",
            119: "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e",
            128: "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6",
        ]
        for (n, want) in expected {
            let bytes = (0..<n).map { UInt8(($0 * 7 + 3) % 256) }
            XCTAssertEqual(SHA256.hex(bytes), want, "length \(n)")
            // fed in uneven pieces, the digest is the same
            var h = SHA256()
            var i = 0
            for piece in [1, 10, 53, 64, 3] where i < n { let j = min(n, i + piece); h.update(bytes[i..<j]); i = j }
            if i < n { h.update(bytes[i...]) }
            XCTAssertEqual(h.finalizeHex(), want, "pieces, length \(n)")
        }
    }
}

/// Loads a built page in headless Chromium the way a reader would and checks KaTeX's output.
final class BrowserTests: XCTestCase {
    func testChromiumSeesRenderedMath() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("chromium is not installed (make test installs it)")
        }
        let dir = try copyFixture(FixturePaths.site)
        let out = dir.appendingPathComponent("Output")
        _ = try SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: out, executor: FakeExecutor()).build()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir.appendingPathComponent("chrome").path)",
                       "--dump-dom", out.appendingPathComponent("02-math.html").absoluteString]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        // a browser that hangs must not hang the test run
        let watchdog = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        let dom = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        watchdog.cancel()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertTrue(dom.contains("<h1>Math</h1>"), "page loaded")
        XCTAssertGreaterThanOrEqual(dom.components(separatedBy: "class=\"katex\"").count - 1, 8)
        XCTAssertTrue(dom.contains("katex-display"))
        XCTAssertFalse(dom.contains("katex-error"))
    }
}
