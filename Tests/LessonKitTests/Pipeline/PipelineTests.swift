import XCTest
@testable import LessonKit

/// The build is a list of transforms over one `Course`; a new feature is one more transform.
final class PipelineTests: XCTestCase {
    /// A feature in a few lines: `TODO` in the prose becomes a highlighted mark.
    struct MarkTodos: CourseTransform {
        var name: String { "todos" }
        func apply(_ course: Course, _ context: BuildContext) throws -> Course {
            var course = course
            course.updateEveryLesson { lesson in
                lesson.blocks = lesson.blocks.rewritingInlines { inline in
                    guard case .text(let t) = inline, t.contains("TODO") else { return inline }
                    return .html(HTMLRenderer.escape(t).replacingOccurrences(of: "TODO", with: "<mark>TODO</mark>"))
                }
            }
            return course
        }
    }

    func testAddingATransformIsOneLine() throws {
        let dir = try copyFixture(FixturePaths.site)
        let lessons = dir.appendingPathComponent("Lessons")
        try "---\ntitle: T\norder: 9\n---\nStill TODO here.\n".write(to: lessons.appendingPathComponent("09-todo.md"), atomically: true, encoding: .utf8)
        let builder = SiteBuilder(lessonsDirectory: lessons, outputDirectory: dir.appendingPathComponent("Output"), executor: FakeExecutor())
        builder.transforms.append(MarkTodos())
        let report = try builder.build()
        XCTAssertTrue(report.phases.map(\.0).contains("todos"))
        let page = try String(contentsOf: dir.appendingPathComponent("Output/09-todo.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("<p>Still <mark>TODO</mark> here.</p>"), page)
    }

    func testOutputThatWouldDeleteTheUsersFilesIsRefused() throws {
        let dir = try copyFixture(FixturePaths.site)
        let lessons = dir.appendingPathComponent("Lessons")
        func build(_ output: URL, force: Bool = false) throws {
            let b = SiteBuilder(lessonsDirectory: lessons, outputDirectory: output)
            b.force = force
            _ = try b.build()
        }
        func refusal(_ output: URL) -> String {
            do { try build(output); return "built" } catch { return "\(error)" }
        }
        XCTAssertTrue(refusal(lessons).contains("it is or contains the lessons folder"), refusal(lessons))
        XCTAssertTrue(refusal(dir).contains("it is or contains the lessons folder"))
        XCTAssertTrue(refusal(URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).contains("it is or contains"))
        XCTAssertTrue(refusal(lessons.appendingPathComponent("site")).contains("it lies inside the lessons folder"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: lessons.appendingPathComponent("01-basics.md").path), "nothing was deleted")
        // a folder with other files in it is not replaced without --force
        let other = dir.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: other.appendingPathComponent("notes.txt"))
        XCTAssertTrue(refusal(other).contains("holds no site built by lessons (no manifest.json)"))
        XCTAssertEqual(try String(contentsOf: other.appendingPathComponent("notes.txt"), encoding: .utf8), "keep")
        try build(other, force: true)
        XCTAssertTrue(FileManager.default.fileExists(atPath: other.appendingPathComponent("index.html").path))
        // a symlinked output is written through: the link stays, its target holds the site
        let target = dir.appendingPathComponent("real-site")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let link = dir.appendingPathComponent("Output")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        try build(link)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), target.path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.appendingPathComponent("01-basics.html").path))
    }
}

final class TamperedPageTests: XCTestCase {
    /// A page changed inside the site since the last build (by hand, or by a cell writing into
    /// Output/) is rendered again, never published as current (issue #17, item 13).
    func testATamperedPageIsRenderedAgain() throws {
        let dir = try copyFixture(FixturePaths.site)
        let builder = SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"),
                                  outputDirectory: dir.appendingPathComponent("Output"), executor: FakeExecutor())
        _ = try builder.build()
        let page = dir.appendingPathComponent("Output/01-basics.html")
        let good = try String(contentsOf: page, encoding: .utf8)
        XCTAssertEqual(try builder.build().pagesReused, 2)
        try (good + "<script>alert(1)</script>").write(to: page, atomically: false, encoding: .utf8)
        let report = try builder.build()
        XCTAssertEqual(report.pagesReused, 1, report.summary)
        XCTAssertEqual(try String(contentsOf: page, encoding: .utf8), good)
    }
}
