/// JUnit XML: a test suite per lesson, a test case per runnable cell (failing with its
/// diagnostics), and one for the page's other checks (formulas, links, images, staleness), or,
/// for a shard's check, which checks no page, one for the lesson's other problems.
import Foundation

public enum JUnitReport {
    /// The test case of a lesson's problems that belong to no cell: what a full check covers,
    /// and what a shard's check covers (its lessons' source; the pages are checked once the
    /// shards are assembled).
    static let pageCase = "page (formulas, links, images, up to date)"
    static let shardLessonCase = "lesson (front matter and Markdown; the page is checked when the shards are assembled)"

    public static func xml(lessons: [Lesson], diagnostics: [Diagnostic], seconds: Double, shard: Bool = false) -> String {
        var suites = ""
        var totalTests = 0, totalFailures = 0
        let files = Set(lessons.map(\.file))
        var byFile: [String: [Diagnostic]] = [:]
        for d in diagnostics where d.severity == .error { byFile[files.contains(d.file) ? d.file : "site", default: []].append(d) }
        for lesson in lessons {
            var cases = ""
            var tests = 0, failures = 0
            var claimed = Set<String>()
            for cell in lesson.cells where cell.runs {
                tests += 1
                let r = lesson.results[cell.index]
                let ds = r?.diagnostics.filter { $0.severity == .error } ?? []
                ds.forEach { claimed.insert($0.description) }
                cases += "    <testcase classname=\"\(esc(lesson.file))\" name=\"cell at line \(cell.fenceLine)\">"
                if let r, r.status == .notRun {
                    cases += "<skipped message=\"not run: the lesson stopped or did not compile before this cell\"/>"
                } else if let r, r.status != .ok {
                    failures += 1
                    let text = ds.map(\.description).joined(separator: "\n")
                    cases += "\n      <failure type=\"\(r.status.rawValue)\" message=\"\(esc(ds.first?.message ?? r.status.rawValue))\">\(esc(text))</failure>\n    "
                }
                cases += "</testcase>\n"
            }
            let pageDiags = (byFile[lesson.file] ?? []).filter { !claimed.contains($0.description) }
            tests += 1
            cases += "    <testcase classname=\"\(esc(lesson.file))\" name=\"\(shard ? shardLessonCase : pageCase)\">"
            if !pageDiags.isEmpty {
                failures += 1
                cases += failure(type: "page", pageDiags)
            }
            cases += "</testcase>\n"
            suites += "  <testsuite name=\"\(esc(lesson.file))\" tests=\"\(tests)\" failures=\"\(failures)\">\n\(cases)  </testsuite>\n"
            totalTests += tests; totalFailures += failures
        }
        let site = byFile["site"] ?? []
        totalTests += 1
        suites += "  <testsuite name=\"site\" tests=\"1\" failures=\"\(site.isEmpty ? 0 : 1)\">\n    <testcase classname=\"site\" name=\"site\">"
        if !site.isEmpty {
            totalFailures += 1
            suites += failure(type: "site", site)
        }
        suites += "</testcase>\n  </testsuite>\n"
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"lessons check\" tests=\"\(totalTests)\" failures=\"\(totalFailures)\" time=\"\(String(format: "%.3f", seconds))\">\n\(suites)</testsuites>\n"
    }

    /// A `<failure>` element: the first diagnostic's message as its summary, all of them as its text.
    static func failure(type: String, _ diagnostics: [Diagnostic]) -> String {
        "\n      <failure type=\"\(type)\" message=\"\(esc(diagnostics[0].message))\">\(esc(diagnostics.map(\.description).joined(separator: "\n")))</failure>\n    "
    }

    static func esc(_ s: String) -> String { HTML.escape(s) }
}
