import XCTest
@testable import LessonRuntime

final class TableFormatTests: XCTestCase {
    func testNumbersAndValues() {
        XCTAssertEqual(Table.format(2.0, precision: 4), "2")                 // whole numbers print as integers
        XCTAssertEqual(Table.format(Float(0.5), precision: 4), "0.5")
        XCTAssertEqual(Table.format(3.14159265, precision: 4), "3.142")       // significant digits, not decimals
        XCTAssertEqual(Table.format(0.000123456, precision: 3), "0.000123")
        XCTAssertEqual(Table.format(1.5e20, precision: 4), "1.5e+20")         // too large for the integer path
        XCTAssertEqual(Table.format(Double.nan, precision: 4), "nan")
        XCTAssertEqual(Table.format(-Double.infinity, precision: 4), "-inf")
        XCTAssertEqual(Table.format(7, precision: 4), "7")
        XCTAssertEqual(Table.format("a<b", precision: 4), "a<b")              // escaped later, in html
    }

    func testHTMLIsEscaped() {
        let t = Table([["a<b", 1.25]], headers: ["x & y", "v"], caption: "\"c\"")
        XCTAssertEqual(t.html, "<table class=\"cell-table\"><caption>&quot;c&quot;</caption>"
            + "<thead><tr><th>x &amp; y</th><th>v</th></tr></thead>"
            + "<tbody><tr><td>a&lt;b</td><td>1.25</td></tr></tbody></table>")
    }

    func testColumnsKeepTheirOrderAndPadShortOnes() {
        let t = Table(columns: ["epoch": [1, 2], "loss": [0.5]])
        XCTAssertEqual(t.headers, ["epoch", "loss"])
        XCTAssertEqual(t.rows, [["1", "0.5"], ["2", ""]])
        XCTAssertEqual(t.text, "epoch  loss\n1      0.5 \n2          ")
    }
}

final class Base64Tests: XCTestCase {
    func testRFC4648Vectors() {
        // RFC 4648 section 10.
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==",
                       "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(base64(Array(plain.utf8)), encoded, plain)
        }
        XCTAssertEqual(base64([0xff, 0xfe, 0x00]), "//4A")
    }
}

final class ModelCacheTests: XCTestCase {
    func testSafeKeysAreKept() {
        XCTAssertEqual(ModelCache.fileName("course-vae-784-256-16-n10k-e10"), "course-vae-784-256-16-n10k-e10")
        XCTAssertEqual(ModelCache.fileName("a_b.c"), "a_b.c")
    }

    func testUnsafeKeysAreReplacedAndHashed() {
        let a = ModelCache.fileName("vae/2d e5"), b = ModelCache.fileName("vae 2d/e5")
        XCTAssertTrue(a.hasPrefix("vae_2d_e5-"), a)
        XCTAssertNotEqual(a, b, "two keys that sanitise alike stay distinct")
        XCTAssertEqual(a, ModelCache.fileName("vae/2d e5"), "the name is a pure function of the key")
        XCTAssertFalse(ModelCache.fileName("../x").contains("/"))
        XCTAssertTrue(ModelCache.fileName(".hidden").hasPrefix(".hidden-"), "a leading dot gets a hash suffix")
        XCTAssertLessThanOrEqual(ModelCache.fileName(String(repeating: "é", count: 200)).count, 80 + 1 + 16)
    }

    func testCourseModelKeysAreSpelledOnce() {
        XCTAssertEqual(CourseModel.key("vae", "256-16", epochs: 10), "course-vae-784-256-16-n10k-e10")
        XCTAssertEqual(CourseModel.key("hvae", "256-16-64-8", epochs: 10, options: "-w0"),
                       "course-hvae-784-256-16-64-8-n10k-e10-w0")
    }
}
