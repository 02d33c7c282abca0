import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Figures

/// Deterministic data for tests (LCG + Box-Muller); never changes, so goldens stay valid.
struct TestRandom {
    var s: UInt64
    init(_ seed: UInt64) { s = seed }
    mutating func uniform() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return Double(s >> 11) / Double(1 << 53) }
    mutating func normal() -> Double { let u = max(uniform(), 1e-12), v = uniform(); return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v) }
}

/// Parses SVG with XMLParser and records what a figure must have.
final class SVGInspector: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var attributes: [(String, String, String)] = []  // element, name, value
    var rootChildren: [String] = []
    var depth = 0
    var error: Error?

    static func inspect(_ svg: String) -> SVGInspector {
        let i = SVGInspector()
        let p = XMLParser(data: Data(svg.utf8))
        p.delegate = i
        if !p.parse() { i.error = p.parserError ?? NSError(domain: "xml", code: 1) }
        return i
    }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes a: [String: String] = [:]) {
        elements.append(name)
        if depth == 1 { rootChildren.append(name) }
        for (k, v) in a { attributes.append((name, k, v)) }
        depth += 1
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { depth -= 1 }
    func parser(_ parser: XMLParser, parseErrorOccurred e: Error) { error = e }
}

/// Asserts the SVG is well-formed XML with an `<svg>` root whose first children are `<title>` and `<desc>`,
/// and that no attribute carries a non-finite number.
func assertWellFormedSVG(_ svg: String, file: StaticString = #filePath, line: UInt = #line) {
    let i = SVGInspector.inspect(svg)
    XCTAssertNil(i.error, "SVG does not parse as XML: \(String(describing: i.error))", file: file, line: line)
    XCTAssertEqual(i.elements.first, "svg", file: file, line: line)
    XCTAssertEqual(Array(i.rootChildren.prefix(2)), ["title", "desc"], "title and desc must come first", file: file, line: line)
    for (el, k, v) in i.attributes where k != "href" {
        let low = v.lowercased()
        XCTAssertFalse(low.contains("nan") || low.contains("inf"), "non-finite number in <\(el) \(k)=\"\(v.prefix(60))\">", file: file, line: line)
    }
}

/// Compares with `Golden/<name>.svg`. With UPDATE_GOLDEN=1 (or when the file is missing, which
/// also fails the test) the expected file is (re)written from the current output.
func assertGolden(_ name: String, _ figure: SVGConvertible, file: StaticString = #filePath, line: UInt = #line) {
    let svg = figure.svgString()
    assertWellFormedSVG(svg, file: file, line: line)
    XCTAssertEqual(svg, figure.svgString(), "rendering is not deterministic", file: file, line: line)
    let dir = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().appendingPathComponent("Golden")
    let url = dir.appendingPathComponent(name + ".svg")
    let update = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"
    guard !update, let expected = try? String(contentsOf: url, encoding: .utf8) else {
        try? svg.write(to: url, atomically: true, encoding: .utf8)
        if !update { XCTFail("golden \(name).svg was missing; wrote it, check it in", file: file, line: line) }
        return
    }
    if svg != expected {
        let actual = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(name + ".actual.svg")
        try? svg.write(to: actual, atomically: true, encoding: .utf8)
        // Ids are a hash of the whole figure, so blank them to find the first line that really differs.
        func lines(_ t: String) -> [String] {
            t.replacingOccurrences(of: "fig[0-9a-z]+", with: "fig…", options: .regularExpression).components(separatedBy: "\n")
        }
        let a = lines(svg), e = lines(expected)
        let k = Array(zip(a, e)).firstIndex(where: { $0 != $1 }) ?? min(a.count, e.count)
        XCTFail("\(name).svg differs from golden at line \(k + 1) (actual written to \(actual.path); UPDATE_GOLDEN=1 to accept):\n"
                + "expected: \(k < e.count ? String(e[k].prefix(200)) : "<end>")\nactual:   \(k < a.count ? String(a[k].prefix(200)) : "<end>")",
                file: file, line: line)
    }
}
