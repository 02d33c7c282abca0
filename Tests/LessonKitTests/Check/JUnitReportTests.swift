import XCTest
@testable import LessonKit

/// The JUnit report: a case per runnable cell and one for the lesson's other problems, named
/// for what the check covered.
final class JUnitReportTests: XCTestCase {
    func lesson() -> Lesson {
        var l = LessonParser.parse(source: "# A\n\n```swift\nprint(1)\n```\n\nText.\n", file: "Lessons/01-a.md", slug: "01-a")
        l.results[l.cells[0].index] = CellResult(cellIndex: l.cells[0].index, status: .ok)
        return l
    }

    func testAFullCheckHasAPageCaseThatFailsWithThePagesProblems() {
        let broken = Diagnostic(file: "Lessons/01-a.md", line: 7, column: 1, message: "broken link 'x.md'")
        let xml = JUnitReport.xml(lessons: [lesson()], diagnostics: [broken], seconds: 1)
        XCTAssertTrue(xml.contains("name=\"cell at line 3\"></testcase>"), xml)
        XCTAssertTrue(xml.contains("name=\"page (formulas, links, images, up to date)\">\n      <failure type=\"page\" message=\"broken link 'x.md'\">"), xml)
        XCTAssertTrue(xml.contains("tests=\"3\" failures=\"1\""), xml)
    }

    /// A shard's check renders and checks no page: its report must not claim a passing page case.
    func testAShardsCheckNamesTheLessonCaseForWhatItChecked() {
        let xml = JUnitReport.xml(lessons: [lesson()], diagnostics: [], seconds: 1, shard: true)
        XCTAssertFalse(xml.contains("page (formulas"), xml)
        XCTAssertTrue(xml.contains("name=\"lesson (front matter and Markdown; the page is checked when the shards are assembled)\"></testcase>"), xml)
    }
}
