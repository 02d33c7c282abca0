import XCTest
import VAE
@testable import LessonRuntime

final class RandomTests: XCTestCase {
    func testSameSeedSameDraws() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        XCTAssertEqual(a.normalDoubles(count: 5), b.normalDoubles(count: 5))
        XCTAssertEqual(a.uniforms(count: 5), b.uniforms(count: 5))
        var c = SeededGenerator(seed: 43)
        XCTAssertNotEqual(a.normalDoubles(count: 5), c.normalDoubles(count: 5))
    }

    func testEachDrawUsesTwoUniforms() {
        // The stream position depends only on the number of draws: one normal = two uniforms.
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7)
        _ = a.normalDouble()
        _ = b.uniformDouble(); _ = b.uniformDouble()
        XCTAssertEqual(a.next(), b.next())
    }

    func testArraysMatchSingleDraws() {
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        let arr = a.normals(count: 3, mean: 1, standardDeviation: 2)
        XCTAssertEqual(arr, (0..<3).map { _ in 1 + 2 * b.normal() })
    }

    func testMomentsOfManyDraws() {
        var rng = SeededGenerator(seed: 1)
        let n = 200_000
        let z = rng.normalDoubles(count: n, mean: 3, standardDeviation: 2)
        // Standard errors: of the mean 2/√n ≈ 0.0045, of the variance 4·√(2/n) ≈ 0.0126.
        XCTAssertEqual(mean(z), 3, accuracy: 0.02)
        XCTAssertEqual(variance(z), 4, accuracy: 0.06)
        let u = rng.uniformDoubles(count: n, in: -1...3)
        XCTAssertTrue(u.allSatisfy { $0 >= -1 && $0 <= 3 })
        XCTAssertEqual(mean(u), 1, accuracy: 0.02)             // sd of the mean 4/√(12n) ≈ 0.0026
        XCTAssertEqual(variance(u), 16.0 / 12.0, accuracy: 0.02)
        let f = rng.uniforms(count: n)
        XCTAssertTrue(f.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(mean(f), 0.5, accuracy: 0.01)
    }

    func testIndexBelowCoversTheRange() {
        var rng = SeededGenerator(seed: 5)
        var seen = Set<Int>()
        for _ in 0..<1_000 { seen.insert(rng.index(below: 7)) }
        XCTAssertEqual(seen, Set(0..<7))
    }
}
