import XCTest
@testable import LessonKit
final class LessonKitSmokeTests: XCTestCase { func testLoads() { XCTAssertFalse(LessonKitInfo.version.isEmpty) } }
