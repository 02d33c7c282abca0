import XCTest
@testable import LessonKit

final class ShardAssignmentTests: XCTestCase {
    typealias Item = ShardAssignment.Item

    func testParsesShardSpecsAndSaysWhatIsWrong() throws {
        XCTAssertEqual(try ShardSpec.parse("2/4"), try ShardSpec(index: 2, count: 4))
        XCTAssertEqual(try ShardSpec.parse("1/1").description, "1/1")
        func message(_ s: String) -> String { do { _ = try ShardSpec.parse(s); return "parsed" } catch { return "\(error)" } }
        XCTAssertEqual(message("3/2"), "shard 3/2: the shard number must be between 1 and 2")
        XCTAssertEqual(message("0/2"), "shard 0/2: the shard number must be between 1 and 2")
        XCTAssertEqual(message("1/0"), "the shard count must be between 1 and 1000, got 0")
        XCTAssertEqual(message("1of2"), "'1of2' is not a shard: write I/N, e.g. --shard 1/2 for the first of two")
        XCTAssertEqual(message("1/2/3"), "'1/2/3' is not a shard: write I/N, e.g. --shard 1/2 for the first of two")
    }

    func testBalancesByRecordedTimesLargestFirst() {
        let items = ["a", "b", "c", "d", "e"].map { Item(file: $0, bytes: 100) }
        let times = ["a": 10.0, "b": 7, "c": 6, "d": 4, "e": 3]
        // LPT: a→1 (10); b→2 (7); c→2 (13); d→1 (14); e→2 (16)
        XCTAssertEqual(ShardAssignment.assign(items, times: times, count: 2), [["a", "d"], ["b", "c", "e"]])
        XCTAssertEqual(ShardAssignment.assign(items, times: times, count: 1), [["a", "b", "c", "d", "e"]])
        // more shards than lessons: the rest are empty, never missing
        XCTAssertEqual(ShardAssignment.assign(items, times: times, count: 7), [["a"], ["b"], ["c"], ["d"], ["e"], [], []])
    }

    func testUsesFileSizeWhenNoTimeIsRecordedAndScalesUnknownsByTheKnownRate() {
        let items = [Item(file: "big", bytes: 9000), Item(file: "mid", bytes: 5000), Item(file: "small", bytes: 4000)]
        XCTAssertEqual(ShardAssignment.assign(items, times: [:], count: 2), [["big"], ["mid", "small"]])
        // "mid" ran for 1 s (0.2 ms a byte); "big" is estimated at 1.8 s, "small" at 0.8 s
        XCTAssertEqual(ShardAssignment.assign(items, times: ["mid": 1], count: 2), [["big"], ["mid", "small"]])
        // a recorded time wins over size: "small" took 30 s
        XCTAssertEqual(ShardAssignment.assign(items, times: ["small": 30, "mid": 1, "big": 2], count: 2), [["small"], ["big", "mid"]])
    }

    func testLessonsSharingAModelStayInOneShard() {
        let items = [Item(file: "1", bytes: 10, models: ["call:courseVAE"]), Item(file: "2", bytes: 10),
                     Item(file: "3", bytes: 10, models: ["key:m", "call:courseVAE"]), Item(file: "4", bytes: 10, models: ["key:m"]),
                     Item(file: "5", bytes: 10)]
        let shards = ShardAssignment.assign(items, times: [:], count: 3)
        XCTAssertEqual(shards, [["1", "3", "4"], ["2"], ["5"]])
    }

    func testIsDeterministicWhateverTheInputOrder() {
        let items = (0..<40).map { Item(file: String(format: "L%02d.md", $0), bytes: 100 + ($0 * 37) % 500, models: $0 % 7 == 0 ? ["key:shared"] : []) }
        let times = Dictionary(uniqueKeysWithValues: items.enumerated().filter { $0.offset % 3 == 0 }.map { ($0.element.file, Double($0.offset % 5)) })
        let a = ShardAssignment.assign(items, times: times, count: 4)
        let b = ShardAssignment.assign(items.reversed(), times: times, count: 4)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.flatMap { $0 }.sorted(), items.map(\.file), "every lesson in exactly one shard")
        XCTAssertEqual(a.filter { s in s.contains("L00.md") }.first?.filter { ["L00.md", "L07.md", "L14.md", "L21.md", "L28.md", "L35.md"].contains($0) }.count, 6)
    }

    func testFindsModelKeysAndCourseHelperCalls() {
        let code = """
            func courseVAE(latent d: Int) throws -> Int { 1 }
            let a = try cachedFile("vae-784-\\(d)-e5") { _ in }
            let b = cached( "curves" ) { 1 }
            let c = try courseHVAE(top: 16), d = x.courseAE(code: 2)
            let e = cached(key) { 2 }
            let f = notcourseX(1)
            """
        let cell = Cell(index: 0, language: "swift", options: CellOptions(), code: code, fenceLine: 1)
        XCTAssertEqual(ShardAssignment.modelTokens(in: [cell]), ["key:vae-784-", "key:curves", "call:courseHVAE"])
        var noRun = CellOptions(); noRun.noRun = true
        XCTAssertEqual(ShardAssignment.modelTokens(in: [Cell(index: 0, language: "swift", options: noRun, code: code, fenceLine: 1)]), [])
        XCTAssertTrue(ShardAssignment.mayWriteModels([cell]))
        XCTAssertFalse(ShardAssignment.mayWriteModels([Cell(index: 0, language: "swift", options: CellOptions(), code: "print(1)", fenceLine: 1)]))
    }

    func testTheCoursesLessonsThatCallCourseVAEAreOneUnit() throws {
        // (why two shards gain nothing on this course today: see the README's "Measured")
        let lessons = try CourseLoader(lessonsDirectory: RuntimeProducts.packageRoot.appendingPathComponent("Lessons")).load().lessons
        let items = ShardAssignment.items(of: lessons).sorted { $0.file < $1.file }
        let callers = items.indices.filter { items[$0].models.contains("call:courseVAE") }
        try XCTSkipIf(callers.count < 2, "fewer than two lessons call courseVAE")
        let groups = ShardAssignment.groups(items)
        XCTAssertEqual(groups.filter { g in callers.contains { g.contains($0) } }.count, 1)
    }
}
