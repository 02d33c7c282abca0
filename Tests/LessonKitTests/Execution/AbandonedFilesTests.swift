import XCTest
@testable import LessonKit

/// What a `lessons` killed by SIGKILL leaves behind is removed by the next run, and only that.
final class AbandonedFilesTests: XCTestCase {
    /// A pid that was a process and is gone (a child that exited).
    func deadPID() throws -> pid_t {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    func testEntriesOfGoneProcessesAreRemovedAndNothingElse() throws {
        let dir = try makeTempDirectory()
        let dead = try deadPID(), me = getpid()
        let names = ["lessons-render-\(dead)-A1B2.json", "lessons-render-\(dead)-A1B2.json.out", "lessons-check-\(dead)",
                     "lessons-render-\(me)-C3.json", "lessons-check-\(me)", "lessons-render-cache", "lessons-check-12x",
                     "other-\(dead)", "lessons-render-1-x.json"]  // pid 1 is alive
        for n in names { XCTAssertTrue(FileManager.default.createFile(atPath: dir.appendingPathComponent(n).path, contents: Data())) }
        for prefix in [AbandonedFiles.renderRequestPrefix, AbandonedFiles.checkScratchPrefix] {
            AbandonedFiles.remove(in: dir, pidOf: AbandonedFiles.pid(afterPrefix: prefix))
        }
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        XCTAssertEqual(left, ["lessons-render-\(me)-C3.json", "lessons-check-\(me)", "lessons-render-cache", "lessons-check-12x",
                              "other-\(dead)", "lessons-render-1-x.json"])
        // The work folders' form, "name-pid".
        AbandonedFiles.remove(in: dir, pidOf: AbandonedFiles.pidAtEnd)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("other-\(dead)").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("lessons-check-\(me)").path))
    }
}
