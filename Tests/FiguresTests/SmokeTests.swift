import XCTest
@testable import Figures
final class FiguresSmokeTests: XCTestCase { func testLoads() { XCTAssertFalse(FiguresLibrary.version.isEmpty) } }
