import Foundation
import XCTest
@testable import LessonKit

/// The built LessonRuntime/VAE libraries the lesson programs link against, and the `lessons`
/// executable. `swift test` does not relink dynamic-library products (the ones beside the
/// test bundle may be stale or missing), so they are built here, once per test run, into
/// `.build-lessonkit-tests/` (a no-op when up to date; the first time takes a few minutes).
/// $LESSONS_PRODUCTS_DIR points the tests at other builds instead.
enum RuntimeProducts {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let directory: Result<URL, Error> = Result {
        if let env = ProcessInfo.processInfo.environment[BuildProducts.environmentVariable], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let scratch = packageRoot.appendingPathComponent(".build-lessonkit-tests")
        for product in ["LessonRuntime", "VAE", "lessons"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["swift", "build", "--package-path", packageRoot.path, "--scratch-path", scratch.path, "--product", product]
            let log = Pipe()
            p.standardOutput = log
            p.standardError = log
            try p.run()
            let output = log.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                throw ExecutionSetupError("could not build the \(product) product for the tests:\n" + String(decoding: output, as: UTF8.self).suffix(2000))
            }
        }
        return scratch.appendingPathComponent("debug")
    }

    static func executor(cache: URL, root: URL, cellTimeout: Double = 5) throws -> SwiftCellExecutor {
        var o = SwiftCellExecutor.Options(root: root, cacheDirectory: cache)
        o.productsDirectory = try directory.get()
        o.cellTimeout = cellTimeout
        o.lessonTimeout = 120
        o.jobs = 2
        o.environment = ProcessInfo.processInfo.environment
        return try SwiftCellExecutor(options: o)
    }
}

/// Records what the executor returned for each lesson, so tests can look at results and pages.
final class RecordingCellExecutor: CellExecutor, @unchecked Sendable {
    let inner: CellExecutor
    private let lock = NSLock()
    private var _results: [String: [Int: CellResult]] = [:]
    var results: [String: [Int: CellResult]] { lock.withLock { _results } }
    init(_ inner: CellExecutor) { self.inner = inner }
    func execute(file: String, cells: [Cell]) throws -> [Int: CellResult] {
        let r = try inner.execute(file: file, cells: cells)
        lock.withLock { _results[file] = r }
        return r
    }
}

func lessonCells(_ markdown: String, file: String = "Lessons/t.md") -> [Cell] {
    LessonParser.parse(source: markdown, file: file, slug: "t").cells
}

extension CellResult {
    var text: String {
        outputs.compactMap { if case .text(let t) = $0 { return t } else { return nil } }.joined()
    }
}

/// The `lessons` executable built with the runtime (see `RuntimeProducts`).
func lessonsExecutable() throws -> URL {
    let dir = try RuntimeProducts.directory.get()
    let exe = dir.appendingPathComponent("lessons")
    guard FileManager.default.isExecutableFile(atPath: exe.path) else {
        throw ExecutionSetupError("no lessons executable in \(dir.path); build it with `swift build`")
    }
    return exe
}
