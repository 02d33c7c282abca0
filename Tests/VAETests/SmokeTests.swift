import XCTest
@testable import VAE
final class VAESmokeTests: XCTestCase { func testLoads() { XCTAssertFalse(VAEEngine.version.isEmpty) } }
