import XCTest
@testable import LessonKit

/// The reuse decision is a pure function of the previous manifest and the course.
final class ReusePlanTests: XCTestCase {
    private let tool = ToolKey(generator: "lessons 1", katex: "0.16", highlight: "9", theme: "t")

    private func lessons(_ titles: [String]) -> [Lesson] {
        titles.enumerated().map { k, t in
            LessonParser.parse(source: "---\ntitle: \(t)\n---\nText \(k).\n", file: "Lessons/0\(k).md", slug: "0\(k)")
        }
    }

    /// The manifest a build of `plan` would write.
    private func manifest(_ plan: ReusePlan) -> Manifest {
        Manifest(generator: tool.generator, katex: tool.katex, highlight: tool.highlight, themeSHA256: tool.theme,
                 index: Manifest.Page(page: "index.html", source: "", sourceSHA256: "", resultsSHA256: "", inputsSHA256: plan.indexKey),
                 pages: plan.pages.map { Manifest.Page(page: $0.page, source: $0.file, sourceSHA256: $0.sourceSHA256,
                                                       resultsSHA256: $0.resultsSHA256, inputsSHA256: $0.key) })
    }

    private func plan(_ ls: [Lesson], previous: Manifest?, sameTool: Bool = true, existing: Set<String>? = nil) -> ReusePlan {
        ReusePlan.make(lessons: ls, index: nil, siteTitle: "S", tool: tool, previous: previous, sameTool: sameTool,
                       existingPages: existing ?? Set(ls.map(\.page) + ["index.html"]))
    }

    func testFirstBuildRendersEverything() {
        let p = plan(lessons(["A", "B", "C"]), previous: nil)
        XCTAssertEqual(p.toRender, ["00.html", "01.html", "02.html"])
        XCTAssertFalse(p.reuseIndex)
        XCTAssertEqual(p.pages.map(\.previous), [nil, "00.html", "01.html"])
        XCTAssertEqual(p.pages.map(\.next), ["01.html", "02.html", nil])
    }

    func testUnchangedCourseReusesEverything() {
        let ls = lessons(["A", "B", "C"])
        let p = plan(ls, previous: manifest(plan(ls, previous: nil)))
        XCTAssertEqual(p.toRender, [])
        XCTAssertTrue(p.reuseIndex)
    }

    func testATitleChangeReRendersTheNeighboursAndTheIndex() {
        let before = lessons(["A", "B", "C"]), after = lessons(["A", "B2", "C"])
        let p = plan(after, previous: manifest(plan(before, previous: nil)))
        XCTAssertEqual(p.toRender, ["00.html", "01.html", "02.html"], "B's neighbours show its title")
        XCTAssertFalse(p.reuseIndex)
        let four = lessons(["A", "B", "C", "D"])
        let q = plan(four, previous: manifest(plan(four, previous: nil)).withPage("03.html", key: "old"))
        XCTAssertEqual(q.toRender, ["03.html"])
    }

    func testChangedResultsOrToolOrMissingFileReRender() {
        var ls = lessons(["A", "B"])
        let m = manifest(plan(ls, previous: nil))
        ls[1].results = [0: CellResult(cellIndex: 0, status: .ok, outputs: [.text("new")])]
        XCTAssertEqual(plan(ls, previous: m).toRender, ["01.html"])
        XCTAssertEqual(plan(lessons(["A", "B"]), previous: m, sameTool: false).toRender, ["00.html", "01.html"])
        XCTAssertEqual(plan(lessons(["A", "B"]), previous: m, existing: ["01.html"]).toRender, ["00.html"])
    }
}

private extension Manifest {
    func withPage(_ page: String, key: String) -> Manifest {
        var m = self
        m.pages = m.pages.map { var p = $0; if p.page == page { p.inputsSHA256 = key }; return p }
        return m
    }
}
