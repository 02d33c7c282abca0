import Foundation
import XCTest
@testable import LessonKit

/// `SiteBuilder` in shard mode, with a stand-in executor: which lessons run, that no site is
/// written, and the summary.
final class ShardBuildTests: XCTestCase {
    static let fixture = RuntimeProducts.packageRoot.appendingPathComponent("Tests/Shards/fixture")

    func testAShardRunsItsLessonsOnlyAndWritesNoSite() throws {
        let dir = try copyFixture(Self.fixture)
        for (spec, expected) in [("1/2", ["Lessons/02-model-a.md", "Lessons/03-model-b.md"]),
                                 ("2/2", ["Lessons/01-sums.md", "Lessons/04-table.md", "Lessons/05-text.md"])] {
            let recorder = RecordingCellExecutor(FakeExecutor())
            let b = SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: dir.appendingPathComponent("Output"),
                                executor: recorder, jobs: 2)
            b.shard = try ShardSpec.parse(spec)
            let report = try b.build()
            XCTAssertEqual(recorder.results.keys.sorted(), expected)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Output").path))
            XCTAssertEqual(report.summary, "shard \(spec): \(expected.count) of 5 lessons with cells (\(expected.joined(separator: ", "))), 0 run, 0 from cache; balanced by run times from none recorded in .lessons-cache/ yet: by file size; 0 errors, 0 warnings")
        }
    }

    func testTheRecordedTimesMoveLessonsBetweenShards() throws {
        let dir = try copyFixture(Self.fixture)
        // 01 is now known to be slow: it gets a shard of its own
        RunTimes.storeLocal(["Lessons/01-sums.md": 60, "Lessons/02-model-a.md": 5, "Lessons/03-model-b.md": 5,
                             "Lessons/04-table.md": 5, "Lessons/05-text.md": 5], dir.appendingPathComponent(".lessons-cache"))
        let recorder = RecordingCellExecutor(FakeExecutor())
        let b = SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: dir.appendingPathComponent("Output"),
                            executor: recorder, jobs: 2)
        b.shard = try ShardSpec(index: 1, count: 2)
        let report = try b.build()
        XCTAssertEqual(recorder.results.keys.sorted(), ["Lessons/01-sums.md"])
        XCTAssertTrue(report.summary.contains("balanced by run times from .lessons-cache/;"), report.summary)
    }
}
