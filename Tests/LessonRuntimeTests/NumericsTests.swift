import XCTest
@testable import LessonRuntime

final class NumericsTests: XCTestCase {
    func testMeanVarianceAndStandardDeviation() {
        XCTAssertEqual(mean([1.0, 2, 3, 4]), 2.5)
        XCTAssertEqual(mean([Float(1), 2]), 1.5)               // Float input, Double result
        XCTAssertEqual(variance([1.0, 2, 3, 4]), 5.0 / 3.0, accuracy: 1e-15)     // n − 1
        XCTAssertEqual(variance([1.0, 2, 3, 4], unbiased: false), 1.25)          // n
        XCTAssertEqual(standardDeviation([2.0, 4, 4, 4, 5, 5, 7, 9], unbiased: false), 2)
        XCTAssertEqual(variance([3.0], unbiased: false), 0)
        // Two passes: a large constant offset does not swamp a small spread (E[x²] − m² would).
        XCTAssertEqual(variance([1e9 + 1, 1e9 + 2, 1e9 + 3]), 1, accuracy: 1e-6)
        XCTAssertEqual(variance(ArraySlice([5.0, 5, 5])), 0)
    }

    func testCumulativeSum() {
        XCTAssertEqual(cumulativeSum([1.0, 2, 3, -6]), [1, 3, 6, 0])
        XCTAssertEqual(cumulativeSum([Float]()), [])
    }

    func testGrids() {
        XCTAssertEqual(evenlySpaced(from: 0, to: 1, count: 5), [0, 0.25, 0.5, 0.75, 1])
        XCTAssertEqual(evenlySpaced(from: 3, to: 3, count: 1), [3])
        // The last point is the end exactly, even where start + (n − 1)·step rounds differently.
        XCTAssertEqual(evenlySpaced(from: -4, to: 4.1, count: 7).last, 4.1)
        XCTAssertEqual(cellMidpoints(from: 0, to: 1, count: 4), [0.125, 0.375, 0.625, 0.875])
        XCTAssertEqual(cellMidpoints(from: -4, to: 4, count: 2), [-2, 2])
    }

    func testQuantilesInterpolateLikeNumPy() {
        let v = [4.0, 1, 3, 2]                                  // unsorted on purpose
        XCTAssertEqual(quantile(v, 0), 1)
        XCTAssertEqual(quantile(v, 1), 4)
        XCTAssertEqual(quantile(v, 0.5), 2.5)
        XCTAssertEqual(quantile(v, 0.9), 3.7, accuracy: 1e-12)   // numpy.quantile([1,2,3,4], 0.9)
        XCTAssertEqual(quantiles(v, [0.25, 0.75]), [1.75, 3.25])
        XCTAssertEqual(quantile([7.0], 0.3), 7)
    }

    func testLogSumExpIsStableAndExact() {
        XCTAssertEqual(logSumExp([-1000.0, -1000]), -1000 + log(2.0), accuracy: 1e-12)
        XCTAssertEqual(logSumExp([1000.0, 1000]), 1000 + log(2.0), accuracy: 1e-12)
        XCTAssertEqual(logSumExp([0.0, log(3.0)]), log(4.0), accuracy: 1e-15)
        XCTAssertEqual(logSumExp([-Double.infinity, -.infinity]), -.infinity)
        XCTAssertEqual(logMeanExp([log(2.0), log(4.0)]), log(3.0), accuracy: 1e-15)
    }
}

final class EntropyTests: XCTestCase {
    func testBernoulliEntropy() {
        XCTAssertEqual(bernoulliEntropy([Float(0), 1, 0.5]), log(2.0), accuracy: 1e-7)
        XCTAssertEqual(bernoulliEntropy([0.0, 1.0]), 0)
        XCTAssertEqual(bernoulliEntropy([0.25]), -(0.25 * log(0.25) + 0.75 * log(0.75)), accuracy: 1e-15)
    }
}
