import XCTest
@testable import LessonKit

final class SettingsTests: XCTestCase {
    func testEveryVariableIsReadAndDocumented() throws {
        let s = Settings.fromEnvironment(["LESSONS_TIMINGS": "1", "LESSONS_RENDER_THREADS": "3", "NODE_PATH": "/a:/b",
                                          "LESSONS_KEEP_WORK": "1", "LESSONS_PRODUCTS_DIR": "/p", "CI": "true",
                                          "LESSONS_SWIFTC": "/s", "FASHION_MNIST_DIR": "/f", "OPENBLAS_NUM_THREADS": "2",
                                          "LESSONS_RESOURCES": "/r"])
        XCTAssertTrue(s.printTimings && s.keepWork && s.continuousIntegration)
        XCTAssertEqual(s.renderThreads, 3)
        XCTAssertEqual(s.nodePath, ["/a", "/b"])
        XCTAssertEqual(s.productsDirectory?.path, "/p")
        XCTAssertEqual(s.swiftc?.path, "/s")
        XCTAssertEqual(s.fashionMNISTDirectory?.path, "/f")
        XCTAssertEqual(s.openBLASThreads, 2)
        XCTAssertEqual(s.resourcesDirectory?.path, "/r")
        XCTAssertEqual(Settings.fromEnvironment([:]), Settings())
        // the README's table lists every variable
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        for v in Settings.documented { XCTAssertTrue(readme.contains("| `\(v.name)` |"), "README lacks \(v.name)") }
    }
}
