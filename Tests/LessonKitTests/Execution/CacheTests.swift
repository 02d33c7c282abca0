import Foundation
import XCTest
@testable import LessonKit

/// The result cache: prose edits reuse results (and move their diagnostics), cell edits re-run
/// only that lesson, failures are reported again from the cache, --no-cache runs everything.
final class CacheTests: XCTestCase {
    let lessonA = """
        # A

        ```swift
        let x = 41
        print(x + 1)
        ```

        ```swift
        expect(x == 0, "x is not zero")
        ```
        """
    let lessonB = """
        # B

        ```swift
        print("b")
        ```
        """

    func run(_ ex: SwiftCellExecutor, _ lessons: [String: String]) throws -> [String: [Int: CellResult]] {
        var out: [String: [Int: CellResult]] = [:]
        for (file, text) in lessons.sorted(by: { $0.key < $1.key }) { out[file] = try ex.execute(file: file, cells: lessonCells(text, file: file)) }
        return out
    }

    func testProseEditsReuseResultsAndCellEditsRerunOneLesson() throws {
        let dir = try makeTempDirectory()
        let cache = dir.appendingPathComponent(".lessons-cache")
        var lessons = ["Lessons/a.md": lessonA, "Lessons/b.md": lessonB]

        let first = try run(try RuntimeProducts.executor(cache: cache, root: dir), lessons)
        XCTAssertEqual(first["Lessons/a.md"]?[0]?.text, "42\n")
        XCTAssertEqual(first["Lessons/a.md"]?[1]?.diagnostics.map(\.description), ["Lessons/a.md:9:1: error: expectation failed: x is not zero"])

        // Nothing changed: no lesson runs, and the failure is reported again.
        let ex2 = try RuntimeProducts.executor(cache: cache, root: dir)
        let second = try run(ex2, lessons)
        XCTAssertEqual(ex2.stats.lessonsRun, 0)
        XCTAssertEqual(ex2.stats.lessonsCached, 2)
        XCTAssertEqual(second, first)

        // Prose edit: three lines above the cells; nothing runs, the failure moves down three lines.
        lessons["Lessons/a.md"] = lessonA.replacingOccurrences(of: "# A\n", with: "# A\n\nMore prose,\non three lines.\n")
        let ex3 = try RuntimeProducts.executor(cache: cache, root: dir)
        let third = try run(ex3, lessons)
        XCTAssertEqual(ex3.stats.lessonsRun, 0)
        XCTAssertEqual(third["Lessons/a.md"]?[1]?.diagnostics.map(\.description), ["Lessons/a.md:12:1: error: expectation failed: x is not zero"])
        XCTAssertEqual(third["Lessons/a.md"]?[0]?.text, "42\n")

        // Cell edit in one lesson: that lesson runs, the other comes from the cache.
        lessons["Lessons/b.md"] = lessonB.replacingOccurrences(of: "print(\"b\")", with: "print(\"b2\")")
        let ex4 = try RuntimeProducts.executor(cache: cache, root: dir)
        let fourth = try run(ex4, lessons)
        XCTAssertEqual(ex4.stats.lessonsRun, 1)
        XCTAssertEqual(ex4.stats.lessonsCached, 1)
        XCTAssertEqual(fourth["Lessons/b.md"]?[0]?.text, "b2\n")

        // --no-cache runs everything.
        var o = ex4.options
        o.useCache = false
        let ex5 = try SwiftCellExecutor(options: o)
        _ = try run(ex5, lessons)
        XCTAssertEqual(ex5.stats.lessonsRun, 2)
        XCTAssertEqual(ex5.stats.lessonsCached, 0)
    }

    /// Results cached by a `lessons` that compiles programs differently (here: one more C module
    /// map, as when the engine gained a C target) are not reused; the same set-up gives the
    /// same key.
    func testACompileSetUpChangeInvalidatesTheCache() throws {
        var products = try BuildProducts(directory: try RuntimeProducts.directory.get())
        let before = SwiftCellExecutor.withRunnerSignature("build", products: products)
        XCTAssertEqual(before, SwiftCellExecutor.withRunnerSignature("build", products: products))
        XCTAssertNotEqual(before, SwiftCellExecutor.withRunnerSignature("other build", products: products))
        let extra = FileManager.default.temporaryDirectory.appendingPathComponent("lessons-extra-\(getpid()).modulemap")
        try "module Extra { header \"extra.h\" }\n".write(to: extra, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: extra) }
        products.moduleMaps.append(extra)
        XCTAssertNotEqual(before, SwiftCellExecutor.withRunnerSignature("build", products: products))
    }

    func testOldVersionsOfALessonArePruned() throws {
        let dir = try makeTempDirectory()
        let cache = dir.appendingPathComponent(".lessons-cache")
        let ex = try RuntimeProducts.executor(cache: cache, root: dir)
        for v in 0..<6 {
            _ = try ex.execute(file: "Lessons/p.md", cells: lessonCells("```swift\nprint(\(v))\n```\n", file: "Lessons/p.md"))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("results").path).filter { $0.hasSuffix(".json") }
        XCTAssertEqual(files.count, ResultCache.versionsKept)
        // The latest versions are still cached.
        _ = try ex.execute(file: "Lessons/p.md", cells: lessonCells("```swift\nprint(3)\n```\n", file: "Lessons/p.md"))
        XCTAssertEqual(ex.stats.lessonsCached, 1)
    }

    func testTimeoutsAreReportedButNotCached() throws {
        let dir = try makeTempDirectory()
        let cache = dir.appendingPathComponent(".lessons-cache")
        let text = "```swift timeout=0.5\nvar n = 0\nwhile n >= 0 { n = (n &+ 1) & 0xffff }\n```\n"
        let ex = try RuntimeProducts.executor(cache: cache, root: dir)
        XCTAssertEqual(try ex.execute(file: "Lessons/t.md", cells: lessonCells(text, file: "Lessons/t.md"))[0]?.status, .timedOut)
        XCTAssertEqual(try ex.execute(file: "Lessons/t.md", cells: lessonCells(text, file: "Lessons/t.md"))[0]?.status, .timedOut)
        XCTAssertEqual(ex.stats.lessonsRun, 2, "a timeout depends on the machine's load: the next build tries again")
    }

    func testDeclaredDataFilesInvalidateTheCache() throws {
        let dir = try makeTempDirectory()
        try "1 2 3".write(to: dir.appendingPathComponent("data.txt"), atomically: true, encoding: .utf8)
        let text = """
            ```swift
            import Foundation
            let s = try! String(contentsOfFile: recordInput("data.txt"), encoding: .utf8)
            print(s.split(separator: " ").count)
            ```
            """
        let cache = dir.appendingPathComponent(".lessons-cache")
        let r1 = try RuntimeProducts.executor(cache: cache, root: dir).execute(file: "Lessons/d.md", cells: lessonCells(text, file: "Lessons/d.md"))
        XCTAssertEqual(r1[0]?.text, "3\n")
        try "1 2 3 4 5".write(to: dir.appendingPathComponent("data.txt"), atomically: true, encoding: .utf8)
        let ex = try RuntimeProducts.executor(cache: cache, root: dir)
        let r2 = try ex.execute(file: "Lessons/d.md", cells: lessonCells(text, file: "Lessons/d.md"))
        XCTAssertEqual(ex.stats.lessonsRun, 1)
        XCTAssertEqual(r2[0]?.text, "5\n")
    }

    /// Issue 17, item 7: a lesson that failed because a data set was missing was served from the
    /// cache, failing, after the data set was installed. The engine's data files are inputs now.
    func testInstallingAMissingDataSetRerunsTheLesson() throws {
        let dir = try makeTempDirectory()
        let data = dir.appendingPathComponent("datasets/train-images-idx3-ubyte.gz")
        let text = """
            ```swift
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(data.path)"))
            print(bytes.count)
            ```
            """
        let cache = dir.appendingPathComponent(".lessons-cache")
        func executor() throws -> SwiftCellExecutor {
            var o = try RuntimeProducts.executor(cache: cache, root: dir).options
            o.dataInputs = SwiftCellExecutor.fashionMNISTFiles(directory: data.deletingLastPathComponent().path)
            return try SwiftCellExecutor(options: o)
        }
        let r1 = try executor().execute(file: "Lessons/d.md", cells: lessonCells(text, file: "Lessons/d.md"))
        XCTAssertEqual(r1[0]?.status, .trapped)
        try FileManager.default.createDirectory(at: data.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("1234".utf8).write(to: data)
        let ex = try executor()
        let r2 = try ex.execute(file: "Lessons/d.md", cells: lessonCells(text, file: "Lessons/d.md"))
        XCTAssertEqual(ex.stats.lessonsRun, 1, "the stale failure was served from the cache")
        XCTAssertEqual(r2[0]?.text, "4\n")
        XCTAssertEqual(r2[0]?.status, .ok)
    }

    func testCachedModelsAreSharedBetweenLessons() throws {
        let dir = try makeTempDirectory()
        let cache = dir.appendingPathComponent(".lessons-cache")
        func lesson(_ tag: String) -> String {
            """
            ```swift
            var trained = 0
            let w = cached("model-e5") { () -> [Double] in trained += 1; return [1.5, 2.5] }
            print("\(tag)", w, "trained:", trained)
            ```
            """
        }
        let ex = try RuntimeProducts.executor(cache: cache, root: dir)
        let a = try ex.execute(file: "Lessons/a.md", cells: lessonCells(lesson("a"), file: "Lessons/a.md"))
        let b = try ex.execute(file: "Lessons/b.md", cells: lessonCells(lesson("b"), file: "Lessons/b.md"))
        XCTAssertEqual(a[0]?.text, "a [1.5, 2.5] trained: 1\n")
        XCTAssertEqual(b[0]?.text, "b [1.5, 2.5] trained: 0\n", "the second lesson loads the first one's model")
    }

    // MARK: damaged caches (issue 17, item 10)

    final class Warnings: ExecutionProgress, @unchecked Sendable {
        private let lock = NSLock()
        private var _messages: [String] = []
        var messages: [String] { lock.withLock { _messages } }
        func begin(total: Int) {}
        func lessonStarted(file: String) {}
        func lessonFinished(file: String, cached: Bool, results: [Int: CellResult], seconds: Double) {}
        func end() {}
        func warning(_ message: String) { lock.withLock { _messages.append(message) } }
    }

    func executor(_ cache: URL, _ dir: URL, _ warnings: Warnings) throws -> SwiftCellExecutor {
        try SwiftCellExecutor(options: try RuntimeProducts.executor(cache: cache, root: dir).options, progress: warnings)
    }

    func entries(_ cache: URL) throws -> [URL] {
        let dir = cache.appendingPathComponent("results")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.map { dir.appendingPathComponent($0) }
    }

    /// Before: `ordinal: -1` crashed every build (ResultCache.swift:81), a flipped byte in a
    /// cached output was published. Now: one warning, the lessons run again, the entries are rewritten.
    func testDamagedEntriesAreRebuiltWithOneWarning() throws {
        let dir = try makeTempDirectory()
        let cache = dir.appendingPathComponent(".lessons-cache")
        let lessons = ["Lessons/a.md": lessonA, "Lessons/b.md": lessonB]
        _ = try run(try executor(cache, dir, Warnings()), lessons)
        for e in try entries(cache) {
            var text = try String(contentsOf: e, encoding: .utf8)
            if text.contains("42") {
                text = text.replacingOccurrences(of: "42", with: "43")  // a flipped byte, checksum left as it was
            } else {
                // A well-formed entry, checksum and all, with an impossible position.
                let body = text.split(separator: "\n", maxSplits: 1)[1].replacingOccurrences(of: "\"ordinal\":0", with: "\"ordinal\":-1")
                var h = SHA256(); h.update(Data(body.utf8))
                text = "lessons-results-2 \(h.finalizeHex())\n" + body
            }
            try text.write(to: e, atomically: true, encoding: .utf8)
        }
        let warnings = Warnings()
        let ex = try executor(cache, dir, warnings)
        let again = try run(ex, lessons)
        XCTAssertEqual(ex.stats.lessonsRun, 2)
        XCTAssertEqual(again["Lessons/a.md"]?[0]?.text, "42\n")
        XCTAssertEqual(again["Lessons/b.md"]?[0]?.text, "b\n")
        XCTAssertEqual(warnings.messages.count, 1, "\(warnings.messages)")
        XCTAssertTrue(warnings.messages.first?.hasPrefix("warning: damaged result cache entry ") ?? false, "\(warnings.messages)")
        XCTAssertTrue(warnings.messages.first?.hasSuffix("; it is ignored and rebuilt") ?? false, "\(warnings.messages)")
        // Rebuilt: the next build is served from the cache, silently.
        let quiet = Warnings()
        let ex3 = try executor(cache, dir, quiet)
        _ = try run(ex3, lessons)
        XCTAssertEqual(ex3.stats.lessonsCached, 2)
        XCTAssertEqual(quiet.messages, [])
    }

    /// Before: a `.keys` line `../../precious` made pruning delete a file outside the cache.
    func testAKeysFileCannotNameAFileOutsideTheCache() throws {
        let dir = try makeTempDirectory()
        let cache = dir.appendingPathComponent(".lessons-cache")
        let precious = dir.appendingPathComponent("precious.json")
        try Data("keep me".utf8).write(to: precious)
        let index = ResultCache.indexURL(cache.appendingPathComponent("results"), "Lessons/b.md")
        try FileManager.default.createDirectory(at: index.deletingLastPathComponent(), withIntermediateDirectories: true)
        let hex = (0..<4).map { String(repeating: "\($0)", count: 64) }
        try (hex + ["../../precious"]).joined(separator: "\n").write(to: index, atomically: true, encoding: .utf8)
        let warnings = Warnings()
        _ = try run(try executor(cache, dir, warnings), ["Lessons/b.md": lessonB])
        XCTAssertEqual(try String(contentsOf: precious, encoding: .utf8), "keep me")
        XCTAssertEqual(warnings.messages, ["warning: \(index.path) has 1 line that is not a result key; ignored, and the index was rewritten"])
        XCTAssertFalse(try String(contentsOf: index, encoding: .utf8).contains(".."))
    }
}
