import Foundation
import XCTest
@testable import LessonKit

/// The shared cache around the real cell runner, against a folder store (the same layout as
/// the HTTP one) and a store that always fails. Tests/Shards/run.sh does the same against nginx.
final class SharedCacheExecutorTests: XCTestCase {
    let file = "Lessons/x.md"
    let cells = [Cell(index: 0, language: "swift", options: CellOptions(), code: "print(\"six:\", 2 * 3)", fenceLine: 3)]

    final class Warnings: @unchecked Sendable {
        private let lock = NSLock()
        private var _all: [String] = []
        var all: [String] { lock.withLock { _all } }
        func add(_ s: String) { lock.withLock { _all.append(s) } }
    }

    func machine(_ store: BlobStore?, requireCached: Bool = false, dataInputs: [String] = [], _ warnings: Warnings) throws -> SharedCacheExecutor {
        let root = try makeTempDirectory("lessons-shared")
        var o = SwiftCellExecutor.Options(root: root, cacheDirectory: root.appendingPathComponent(".lessons-cache"))
        o.productsDirectory = try RuntimeProducts.directory.get()
        o.lessonTimeout = 120
        o.environment = ProcessInfo.processInfo.environment
        o.dataInputs = dataInputs
        return SharedCacheExecutor(inner: try SwiftCellExecutor(options: o), store: store, requireCached: requireCached, warn: warnings.add)
    }

    func files(_ dir: URL, _ sub: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(sub).path)) ?? []).sorted()
    }

    func testOneMachineStoresAndAnotherIsServedWithoutRunning() throws {
        let storeDir = try makeTempDirectory("lessons-store")
        let store = DirectoryBlobStore(root: storeDir)
        let w = Warnings()
        let a = try machine(store, w)
        let made = try a.execute(file: file, cells: cells)
        XCTAssertEqual(made[0]?.outputs, [.text("six: 6\n")])
        XCTAssertEqual(a.inner.stats.lessonsRun, 1)
        XCTAssertEqual(a.stats.stored, 1)
        // one record, one blob named by the SHA-256 of its bytes
        XCTAssertEqual(files(storeDir, "ac"), [a.sharedKey(a.inner.cacheKey(file: file, cells: cells))])
        let blob = try XCTUnwrap(files(storeDir, "cas").first)
        XCTAssertEqual(sha256Hex(try Data(contentsOf: storeDir.appendingPathComponent("cas/" + blob))), blob)

        let b = try machine(store, requireCached: true, w)
        XCTAssertEqual(try b.execute(file: file, cells: cells), made)
        XCTAssertEqual(b.inner.stats.lessonsRun, 0)
        XCTAssertEqual(b.stats.fetched, 1)
        XCTAssertNotNil(b.measuredSeconds[file], "the run time travels with the results")
        XCTAssertEqual(w.all, [])
    }

    func testADamagedBlobOrRecordIsIgnoredAndMadeAgain() throws {
        let storeDir = try makeTempDirectory("lessons-store")
        let store = DirectoryBlobStore(root: storeDir)
        let w = Warnings()
        let a = try machine(store, w)
        _ = try a.execute(file: file, cells: cells)
        let blob = try XCTUnwrap(files(storeDir, "cas").first)
        let blobURL = storeDir.appendingPathComponent("cas/" + blob)
        let good = try Data(contentsOf: blobURL)
        // half an upload: the first half of the bytes under the whole blob's name
        try good.prefix(good.count / 2).write(to: blobURL)
        let b = try machine(store, w)
        XCTAssertEqual(try b.execute(file: file, cells: cells)[0]?.outputs, [.text("six: 6\n")])
        XCTAssertEqual(w.all, ["warning: shared cache blob cas/\(blob) (results of Lessons/x.md) does not match its hash; it is ignored and made again"])
        XCTAssertEqual(b.inner.stats.lessonsRun, 1)
        XCTAssertEqual(b.stats.fetched, 0)
        let record = try XCTUnwrap(files(storeDir, "ac").first)
        let made = try XCTUnwrap(SharedCacheRecord.decode(Data(contentsOf: storeDir.appendingPathComponent("ac/" + record)))?.blob?.sha256)
        XCTAssertEqual(sha256Hex(try Data(contentsOf: storeDir.appendingPathComponent("cas/" + made))), made, "made again, whole")

        // a truncated record reads as absent
        let recordURL = storeDir.appendingPathComponent("ac/" + record)
        let bytes = try Data(contentsOf: recordURL)
        try bytes.prefix(bytes.count - 5).write(to: recordURL)
        let c = try machine(store, w)
        _ = try c.execute(file: file, cells: cells)
        XCTAssertEqual(w.all.last, "warning: shared cache record ac/\(record) for Lessons/x.md is damaged; it is ignored and made again")
        XCTAssertEqual(c.inner.stats.lessonsRun, 1)
        XCTAssertNotNil(SharedCacheRecord.decode(try Data(contentsOf: recordURL)), "the record was written again")
    }

    func testRequireCachedRunsNothingAndNamesTheLesson() throws {
        let w = Warnings()
        let a = try machine(DirectoryBlobStore(root: try makeTempDirectory("lessons-store")), requireCached: true, w)
        XCTAssertThrowsError(try a.execute(file: file, cells: cells)) { e in
            XCTAssertEqual("\(e)", "Lessons/x.md is not cached (--require-cached runs nothing)")
        }
        XCTAssertEqual(a.stats.refused, [file])
        XCTAssertEqual(a.inner.stats.lessonsRun, 0)
        XCTAssertEqual(RequireCachedError(lessons: ["Lessons/a.md", "Lessons/b.md"], store: "http://127.0.0.1:1/c/").description,
            "--require-cached: 2 lessons would have to run: Lessons/a.md, Lessons/b.md. Their results for these cells and this build of lessons are in neither .lessons-cache/ nor the shared cache http://127.0.0.1:1/c/. Run their shards first (lessons build --shard I/N, with the same --cache-url and the same build), or build without --require-cached.")
    }

    /// Every call fails as a down server does; counts the calls.
    final class DownStore: BlobStore, @unchecked Sendable {
        private let lock = NSLock()
        private var _calls = 0
        var calls: Int { lock.withLock { _calls } }
        var displayName: String { "http://127.0.0.1:9/cache/" }
        func fail() throws -> Never { lock.withLock { _calls += 1 }; throw BlobStoreError.unreachable("GET ac/x: Couldn't connect to server") }
        func get(_ path: String) throws -> Data? { try fail() }
        func put(_ path: String, _ data: Data) throws { try fail() }
        func exists(_ path: String) throws -> Bool { try fail() }
    }

    func testADownStoreIsOneWarningAndTheLessonsRunHere() throws {
        let w = Warnings()
        let down = DownStore()
        let a = try machine(down, w)
        let other = [Cell(index: 0, language: "swift", options: CellOptions(), code: "print(7)", fenceLine: 3)]
        XCTAssertEqual(try a.execute(file: file, cells: cells)[0]?.outputs, [.text("six: 6\n")])
        XCTAssertEqual(try a.execute(file: "Lessons/y.md", cells: other)[0]?.outputs, [.text("7\n")])
        XCTAssertEqual(w.all, ["warning: shared cache http://127.0.0.1:9/cache/ failed while reading the results of Lessons/x.md: GET ac/x: Couldn't connect to server; the build goes on without it (lessons run here, results stay in .lessons-cache/)"])
        XCTAssertEqual(down.calls, 1, "after the first failure the build does not wait on the store again")
        XCTAssertEqual(a.stats.ranLocally, 2)
        XCTAssertEqual(a.summary, "shared cache http://127.0.0.1:9/cache/: 0 fetched, 0 stored; unreachable (GET ac/x: Couldn't connect to server): 2 lessons ran here only (results in .lessons-cache/, not shared)")
    }

    func testTheSharedKeyCoversTheRunnersKeyAndTheDataByContent() throws {
        let data = try makeTempDirectory("lessons-data").appendingPathComponent("d.bin")
        try Data("aaaa".utf8).write(to: data)
        let w = Warnings()
        let a = try machine(nil, dataInputs: [data.path], w)
        let key = a.sharedKey(a.inner.cacheKey(file: file, cells: cells))
        var trap = CellOptions(); trap.shouldTrap = true
        let variants: [(String, [Cell])] = [
            ("Lessons/y.md", cells),
            (file, [Cell(index: 0, language: "swift", options: CellOptions(), code: "print(\"six:\", 2 * 3) ", fenceLine: 3)]),
            (file, [Cell(index: 0, language: "swift", options: trap, code: cells[0].code, fenceLine: 3)]),
        ]
        for (f, c) in variants { XCTAssertNotEqual(a.sharedKey(a.inner.cacheKey(file: f, cells: c)), key, "\(f) \(c)") }
        // prose moving the cell does not change it
        XCTAssertEqual(a.sharedKey(a.inner.cacheKey(file: file, cells: [Cell(index: 0, language: "swift", options: CellOptions(), code: cells[0].code, fenceLine: 30)])), key)
        // same size, other bytes: another key on a fresh machine
        try Data("aaab".utf8).write(to: data)
        let b = try machine(nil, dataInputs: [data.path], w)
        XCTAssertNotEqual(b.sharedKey(b.inner.cacheKey(file: file, cells: cells)), key)
    }
}
