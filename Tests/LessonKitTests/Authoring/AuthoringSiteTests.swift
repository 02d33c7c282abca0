import XCTest
@testable import LessonKit

extension FixturePaths {
    static var authoring: URL { root.appendingPathComponent("authoring") }
}

/// The authoring fixture built end to end: a Chirpy post copied in unchanged, cross-lesson
/// references, citations, callouts, downloads and the search index.
final class AuthoringSiteTests: XCTestCase {
    func build() throws -> (URL, BuildReport) {
        let dir = try copyFixture(FixturePaths.authoring)
        let out = dir.appendingPathComponent("Output")
        let report = try SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: out,
                                     executor: FakeExecutor()).build()
        return (dir, report)
    }
    func read(_ dir: URL, _ path: String) throws -> String { try String(contentsOf: dir.appendingPathComponent("Output/" + path), encoding: .utf8) }

    func testAChirpyPostBuildsWithAPlaceholderForItsMissingImage() throws {
        let (dir, report) = try build()
        // the missing image is the build's only error, at its position, and the build fails ...
        XCTAssertEqual(report.diagnostics.filter { $0.severity == .error }.map(\.description), [
            "Lessons/03-chirpy-post.md:17:1: error: missing image 'assets/img/vae/decoder.png' (looked in \(dir.appendingPathComponent("Lessons").path)); the page shows a placeholder until the file is there",
        ])
        XCTAssertFalse(report.succeeded)
        // ... and every page is still written
        XCTAssertEqual(report.pagesWritten, 3)
        XCTAssertEqual(report.skipped, [])
        let post = try read(dir, "03-chirpy-post.html")
        // media_subpath prefixes the image; the italic line under it is its caption
        XCTAssertTrue(post.contains("<figure class=\"figure\"><img src=\"assets/img/vae/encoder.svg\" alt=\"The encoder network\" width=\"600\" height=\"400\" /><figcaption>The encoder maps x to the parameters of q</figcaption></figure>"), post)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Output/assets/img/vae/encoder.svg").path))
        // the placeholder names the file and keeps the alt text
        XCTAssertTrue(post.contains("<figure class=\"figure\"><span class=\"missing-image\" role=\"img\" aria-label=\"Missing image: The decoder network\"><span class=\"missing-image-file\">Missing image <code>assets/img/vae/decoder.png</code></span><span class=\"missing-image-alt\">The decoder network</span></span></figure>"), post)
        // Chirpy prompts are callouts
        XCTAssertTrue(post.contains("<aside class=\"callout callout-tip\" role=\"note\" aria-label=\"Tip\">"))
        XCTAssertTrue(post.contains("<aside class=\"callout callout-caution\" role=\"note\" aria-label=\"Caution\">"))
        XCTAssertFalse(post.contains("prompt-"), "the attribute list is consumed")
        XCTAssertTrue(post.contains("money $5 and $6."))
        // the placeholder is part of the page's key: adding the image re-renders it
        try Data("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8).write(to: dir.appendingPathComponent("Lessons/assets/img/vae/decoder.png"))
        let again = try SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: dir.appendingPathComponent("Output"),
                                    executor: FakeExecutor()).build()
        XCTAssertTrue(again.succeeded, "\(again.diagnostics)")
        XCTAssertEqual(again.pagesReused, 2)
        XCTAssertTrue(try read(dir, "03-chirpy-post.html").contains("<img src=\"assets/img/vae/decoder.png\" alt=\"The decoder network\" />"))
    }

    /// `lessons check`'s link check knows the anchors the features add (equations, figures,
    /// references), in the page and across pages.
    func testLinkCheckAcceptsCrossReferencesAndCitations() throws {
        let (dir, report) = try build()
        let lessons = try XCTUnwrap(report.course?.lessons)
        XCTAssertEqual(SiteChecks.links(lessons: lessons, lessonsDirectory: dir.appendingPathComponent("Lessons"),
                                        site: dir.appendingPathComponent("Output")), [])
        XCTAssertTrue(SiteChecks.anchors(lessons[0]).isSuperset(of: ["eq-elbo", "fig-posterior", "tbl-gap", "sec-bayes", "ref-kingma2014", "references"]))
    }

    func testReferencesCitationsAndCalloutsOnThePages() throws {
        let (dir, _) = try build()
        let elbo = try read(dir, "01-elbo.html")
        XCTAssertTrue(elbo.contains("<span class=\"eq-number\">(2)</span></div>"))
        XCTAssertTrue(elbo.contains("<a href=\"#eq-elbo\">Equation 2</a> is a lower bound on <a href=\"#eq-evidence\">Equation 1</a>’s log.")
                      || elbo.contains("<a href=\"#eq-elbo\">Equation 2</a> is a lower bound on <a href=\"#eq-evidence\">Equation 1</a>'s log."), elbo)
        XCTAssertTrue(elbo.contains("<figure class=\"xref-figure\" id=\"fig-posterior\">"))
        XCTAssertTrue(elbo.contains("<figcaption><span class=\"caption-number\">Table 1</span>: The gap per sample</figcaption>"))
        XCTAssertTrue(elbo.contains("<span class=\"citation\">(<a href=\"#ref-kingma2014\">Kingma &amp; Welling, 2014</a>, sec. 2)</span>"))
        XCTAssertTrue(elbo.contains("<span class=\"citation\">Rezende et al. (<a href=\"#ref-rezende2014\">2014</a>)</span> did"))
        XCTAssertTrue(elbo.contains("<h2 id=\"references\">References"))
        XCTAssertTrue(elbo.contains("<li class=\"toc-level-2\"><a href=\"#references\">References</a></li>"))
        XCTAssertEqual(elbo.components(separatedBy: "<li id=\"ref-").count - 1, 4)
        XCTAssertTrue(elbo.contains("<details>\n<summary class=\"callout-title\"><span class=\"callout-icon\" aria-hidden=\"true\"></span>Try it</summary>"))
        let ko = try read(dir, "02-encoder-ko.html")
        XCTAssertTrue(ko.contains("<a href=\"01-elbo.html#eq-elbo\">Equation 1.2</a> 를 최대화하며, <a href=\"01-elbo.html#sec-bayes\">Section 1.1</a> 에서"), ko)
        XCTAssertFalse(ko.contains("References"), "a lesson that cites nothing has no list")
    }

    func testDownloadsAndSearchIndex() throws {
        let (dir, _) = try build()
        let elbo = try read(dir, "01-elbo.html")
        XCTAssertTrue(elbo.contains("<a href=\"sources/01-elbo.md\" download>Markdown source</a> · <a href=\"sources/01-elbo.swift\" download>its cells as one Swift file</a>"))
        XCTAssertEqual(try read(dir, "sources/01-elbo.md"), try String(contentsOf: FixturePaths.authoring.appendingPathComponent("Lessons/01-elbo.md"), encoding: .utf8))
        XCTAssertEqual(try read(dir, "sources/01-elbo.swift"), """
        // The cells of Lessons/01-elbo.md ("The ELBO") as one program, in order.
        // Built against the course's modules (LessonRuntime, VAE, Figures): see the README.
        import Foundation
        import LessonRuntime
        import VAE
        import Figures

        // MARK: cell 1, Lessons/01-elbo.md:21
        print("posterior")

        // MARK: cell 2, Lessons/01-elbo.md:25
        print("gap")

        """)
        // a page without cells links only its Markdown
        XCTAssertTrue(try read(dir, "03-chirpy-post.html").contains("<a href=\"sources/03-chirpy-post.md\" download>Markdown source</a></p>"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Output/sources/03-chirpy-post.swift").path))

        let index = try read(dir, "assets/search-index.js")
        XCTAssertTrue(index.hasPrefix("// The site's search index"))
        XCTAssertTrue(index.contains("[\"02-encoder-ko.html#인코더의-역할\",\"인코더\",\"인코더의 역할\",\"인코더는 입력을 잠재 공간으로 보냅니다."), index)
        XCTAssertTrue(index.contains("\"인코더는\""))
        XCTAssertTrue(index.contains("\"posterior\""), "code is indexed")
        XCTAssertTrue(try read(dir, "assets/search.js").contains("LESSONS_SEARCH"))
        let page = try read(dir, "index.html")
        XCTAssertTrue(page.contains("<form class=\"search\" role=\"search\" hidden>"), "hidden until the script shows it")
    }

    /// The index is taken over from the previous site when its pages' sources are unchanged,
    /// and made again when one changes.
    func testSearchIndexIsReusedUntilASourceChanges() throws {
        let (dir, _) = try build()
        let lessons = dir.appendingPathComponent("Lessons"), out = dir.appendingPathComponent("Output")
        func rebuild() throws -> Course { try XCTUnwrap(SiteBuilder(lessonsDirectory: lessons, outputDirectory: out, executor: FakeExecutor()).build().course) }
        let first = try read(dir, "assets/search-index.js")
        let same = try rebuild()
        XCTAssertNil(same.searchIndex, "not made again")
        XCTAssertEqual(try read(dir, "assets/search-index.js"), first)
        try (try String(contentsOf: lessons.appendingPathComponent("02-encoder-ko.md"), encoding: .utf8) + "\n디코더는 새 문장입니다.\n")
            .write(to: lessons.appendingPathComponent("02-encoder-ko.md"), atomically: true, encoding: .utf8)
        let changed = try rebuild()
        XCTAssertNotNil(changed.searchIndex)
        XCTAssertTrue(try read(dir, "assets/search-index.js").contains("\"디코더는\""))
        XCTAssertNotEqual(try read(dir, "assets/search-index.js").prefix(200), first.prefix(200), "the key changed")
    }

    /// Types a query into the search box of the built site opened from file://, in English
    /// and in Korean, and reads the results from the DOM.
    func testChromiumFindsWordsFromFileURL() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("chromium is not installed (make test installs it)")
        }
        let (dir, _) = try build()
        let out = dir.appendingPathComponent("Output")
        let page = try String(contentsOf: out.appendingPathComponent("01-elbo.html"), encoding: .utf8)
        func results(for query: String) throws -> String {
            // a copy of the page with a script that types the query, one key at a time
            let typing = """
            <script>
            window.addEventListener('load', function () {
              var input = document.querySelector('form.search input'), q = \(String(decoding: try JSONEncoder().encode(query), as: UTF8.self)), i = 0;
              (function type() {
                if (i < q.length) { input.value += q[i++]; input.dispatchEvent(new Event('input', { bubbles: true })); setTimeout(type, 20); }
              })();
            });
            </script>
            </body>
            """
            let name = "typed-\(UUID().uuidString).html"
            try page.replacingOccurrences(of: "</body>", with: typing).write(to: out.appendingPathComponent(name), atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: chromium)
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir.appendingPathComponent("chrome").path)",
                           "--virtual-time-budget=5000", "--dump-dom", out.appendingPathComponent(name).absoluteString]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            try p.run()
            let watchdog = DispatchWorkItem { if p.isRunning { p.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
            let dom = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            watchdog.cancel()
            XCTAssertEqual(p.terminationStatus, 0)
            XCTAssertTrue(dom.contains("<form class=\"search\" role=\"search\">"), "the script showed the box")
            guard let r = dom.range(of: "<ol class=\"search-results\""), let end = dom.range(of: "</ol>", range: r.upperBound..<dom.endIndex) else { return "" }
            return String(dom[r.lowerBound..<end.upperBound])
        }
        let en = try results(for: "encoder")
        XCTAssertTrue(en.contains("<a href=\"01-elbo.html#sec-bayes\"><span class=\"search-page\">The ELBO › Bayes' rule</span>"), en)
        XCTAssertTrue(en.contains("<mark>encoder</mark>"), en)
        let ko = try results(for: "인코더")
        XCTAssertTrue(ko.contains("<a href=\"02-encoder-ko.html#%EC%9D%B8%EC%BD%94%EB%8D%94%EC%9D%98-%EC%97%AD%ED%95%A0\">") || ko.contains("<a href=\"02-encoder-ko.html#인코더의-역할\">"), ko)
        XCTAssertTrue(ko.contains("<mark>인코더</mark>는 입력을"), "인코더 finds 인코더는: \(ko)")
        XCTAssertTrue(try results(for: "zzzz").contains("No results for “zzzz”"))
    }
}
