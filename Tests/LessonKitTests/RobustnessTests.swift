import XCTest
@testable import LessonKit

/// Random soups of the characters the parser treats specially: it must never crash, and no
/// math placeholder may leak into a page.
final class RobustnessTests: XCTestCase {
    func testRandomMarkdownNeverCrashesOrLeaksPlaceholders() {
        var state: UInt64 = 0x9E3779B97F4A7C15  // fixed seed: a failure reproduces
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let atoms = ["$", "$$", "\\", "`", "```", "~~~", "\n", "\n\n", " ", "  ", "-", "*", "_", "{:", "}", "x", "5",
                     "---", "#", "![a](b.png)", "[l](a.md)", "<div>", "한", "\r\n", "    ", ">", "{", ":", "```swift hide"]
        for _ in 0..<3000 {
            let s = (0..<next(40)).map { _ in atoms[next(atoms.count)] }.joined()
            let lesson = LessonParser.parse(source: s, file: "f.md", slug: "f")
            let page = PageRenderer(lesson: lesson).render([:])
            XCTAssertFalse(page.body.unicodeScalars.contains { (0xE000...0xE003).contains($0.value) }, s.debugDescription)
            for d in lesson.diagnostics { XCTAssertGreaterThanOrEqual(d.line, 1, s.debugDescription) }
        }
    }
}
