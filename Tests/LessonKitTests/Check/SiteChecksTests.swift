import XCTest
@testable import LessonKit

/// Each message `lessons check` can give about links and the committed site, word for word.
final class SiteChecksTests: XCTestCase {
    private func page(_ name: String, source: String = "Lessons/a.md", src: String = "s", results: String = "r", inputs: String = "i") -> Manifest.Page {
        Manifest.Page(page: name, source: source, sourceSHA256: src, resultsSHA256: results, inputsSHA256: inputs)
    }

    private func site(_ pages: [Manifest.Page], index: String = "x") throws -> URL {
        let dir = try makeTempDirectory().appendingPathComponent("Output")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let m = Manifest(generator: "g", katex: "k", highlight: "h", themeSHA256: "t",
                         index: Manifest.Page(page: "index.html", source: "Lessons/index.md", sourceSHA256: "", resultsSHA256: "", inputsSHA256: index),
                         pages: pages)
        try m.json().write(to: dir.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        return dir
    }

    private func messages(built: [Manifest.Page], committed: [Manifest.Page]?, builtIndex: String = "x", committedIndex: String = "x") throws -> [String] {
        let b = try site(built, index: builtIndex)
        let c = try committed.map { try site($0, index: committedIndex) } ?? makeTempDirectory().appendingPathComponent("Output")
        return SiteChecks.staleness(built: b, committed: c, lessons: []).map {
            $0.description.replacingOccurrences(of: c.path, with: "Output")
        }
    }

    func testCurrentSiteHasNoMessages() throws {
        XCTAssertEqual(try messages(built: [page("a.html")], committed: [page("a.html")]), [])
    }

    func testEachStalenessMessage() throws {
        XCTAssertEqual(try messages(built: [page("a.html")], committed: nil),
                       ["Output/manifest.json:1:1: error: no committed site manifest; run `lessons build` and commit Output/"])
        XCTAssertEqual(try messages(built: [page("a.html", src: "new")], committed: [page("a.html")]),
                       ["Lessons/a.md:1:1: error: Output/a.html is stale (the lesson changed); run `lessons build` and commit Output/"])
        XCTAssertEqual(try messages(built: [page("a.html", results: "other")], committed: [page("a.html")]),
                       ["Lessons/a.md:1:1: warning: cell outputs differ from the committed Output/a.html (a cell prints something that changes between runs, or the engine changed)"])
        XCTAssertEqual(try messages(built: [page("a.html", inputs: "nav")], committed: [page("a.html")]),
                       ["Lessons/a.md:1:1: error: Output/a.html is stale (the theme, tools or navigation changed); run `lessons build` and commit Output/"])
        XCTAssertEqual(try messages(built: [page("a.html"), page("b.html", source: "Lessons/b.md")], committed: [page("a.html")]),
                       ["Lessons/b.md:1:1: error: Output/b.html is missing from the committed site; run `lessons build` and commit Output/"])
        XCTAssertEqual(try messages(built: [page("a.html")], committed: [page("a.html"), page("gone.html", source: "Lessons/gone.md")]),
                       ["Output/manifest.json:1:1: error: Output/gone.html has no lesson any more; run `lessons build` and commit Output/"])
        XCTAssertEqual(try messages(built: [page("a.html")], committed: [page("a.html")], builtIndex: "new"),
                       ["Lessons/index.md:1:1: error: Output/index.html is stale; run `lessons build` and commit Output/"])
    }

    func testBrokenAndAbsoluteLinksAndAnchors() throws {
        let dir = try makeTempDirectory()
        let lessons = dir.appendingPathComponent("Lessons"), out = dir.appendingPathComponent("Output")
        try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data().write(to: out.appendingPathComponent("b.html"))
        try Data().write(to: lessons.appendingPathComponent("data.csv"))
        var lesson = parse("## Here\n\nOK: [b](b.md), [c](data.csv), [h](#here), [w](https://x.org/nope).\nBad: [m](missing.md) and\n[x](#nowhere), [abs](/etc/x) <a href=\"gone.html\">raw</a>.\n",
                           file: "Lessons/a.md")
        lesson = try applyTransform(ResolveLessonLinks(), to: lesson)
        XCTAssertEqual(SiteChecks.links(lessons: [lesson], lessonsDirectory: lessons, site: out).map(\.description), [
            "Lessons/a.md:4:10: error: broken link 'missing.md'",
            "Lessons/a.md:5:5: error: broken link '#nowhere'",
            "Lessons/a.md:5:22: error: link '/etc/x' is absolute; use a relative link",
            "Lessons/a.md:3:1: error: broken link 'gone.html'",
        ])
    }

    func testMissingImageMessage() throws {
        let dir = try makeTempDirectory()
        let l = try applyTransform(CheckLocalImages(), to: parse("Text\n\n![fig](figs/none.png)\n", file: "Lessons/a.md"), lessonsDirectory: dir)
        XCTAssertEqual(l.pageErrors.map(\.description), ["Lessons/a.md:3:1: error: missing image 'figs/none.png' (looked in \(dir.path)); the page shows a placeholder until the file is there"])
    }

    func testAnImageLinkedFromOutsideTheFolderIsRefused() throws {
        let dir = try makeTempDirectory()
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("passwd.png").path, withDestinationPath: "/etc/passwd")
        let l = try applyTransform(CheckLocalImages(), to: parse("![p](passwd.png)\n", file: "Lessons/a.md"), lessonsDirectory: dir)
        XCTAssertEqual(l.diagnostics.map(\.description),
                       ["Lessons/a.md:1:1: error: image 'passwd.png' is outside the lessons folder (/etc/passwd); copy the file into \(dir.path)"])
    }
}
