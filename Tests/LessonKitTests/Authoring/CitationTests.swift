import XCTest
@testable import LessonKit

/// Pandoc citations from a BibTeX file named in the front matter.
final class CitationTests: XCTestCase {
    /// A lessons folder with `references.bib` (the course's, docs/references.bib) and the given lessons.
    func build(_ lessons: [(String, String)], index: String = "---\ntitle: C\nbibliography: references.bib\n---\nHi.\n",
               bib: String? = nil) throws -> Course {
        let dir = try makeTempDirectory()
        let bibText = try bib ?? String(contentsOf: FixturePaths.root.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/references.bib"), encoding: .utf8)
        try bibText.write(to: dir.appendingPathComponent("references.bib"), atomically: true, encoding: .utf8)
        let ls = lessons.map { LessonParser.parse(source: $0.1, file: "Lessons/\($0.0).md", slug: $0.0) }
        let idx = LessonParser.parse(source: index, file: "Lessons/index.md", slug: "index")
        return try Citations().apply(Course(lessons: ls, index: idx), makeContext(lessonsDirectory: dir))
    }

    func testEverySyntaxAndTheReferencesList() throws {
        let md = "Intro.\n\nThe bound [@kingma2014] and [@kingma2014, sec. 2]; both [see @rezende2014; @kingma2019, ch. 2].\n@burda2016 shows it; in [-@sonderby2016] too.\n"
        let c = try build([("01-a", md)])
        let l = c.lessons[0]
        XCTAssertEqual(l.diagnostics, [])
        XCTAssertEqual(c.index?.diagnostics, [])
        XCTAssertEqual(proseHTML(l), """
        <p>Intro.</p>
        <p>The bound <span class="citation">(<a href="#ref-kingma2014">Kingma &amp; Welling, 2014</a>)</span> and <span class="citation">(<a href="#ref-kingma2014">Kingma &amp; Welling, 2014</a>, sec. 2)</span>; both <span class="citation">(see <a href="#ref-rezende2014">Rezende et al., 2014</a>; <a href="#ref-kingma2019">Kingma &amp; Welling, 2019</a>, ch. 2)</span>.
        <span class="citation">Burda et al. (<a href="#ref-burda2016">2016</a>)</span> shows it; in <span class="citation">(<a href="#ref-sonderby2016">2016</a>)</span> too.</p>
        <h2>References</h2>
        <div class="references" role="doc-bibliography">
        <ol>
        <li id="ref-burda2016">Burda, Y., Grosse, R., &amp; Salakhutdinov, R. (2016). Importance Weighted Autoencoders. <em>International Conference on Learning Representations (ICLR)</em>. <a href="https://arxiv.org/abs/1509.00519">https://arxiv.org/abs/1509.00519</a></li>
        <li id="ref-kingma2014">Kingma, D. P., &amp; Welling, M. (2014). Auto-Encoding Variational Bayes. <em>International Conference on Learning Representations (ICLR)</em>. <a href="https://arxiv.org/abs/1312.6114">https://arxiv.org/abs/1312.6114</a></li>
        <li id="ref-kingma2019">Kingma, D. P., &amp; Welling, M. (2019). An Introduction to Variational Autoencoders. <em>Foundations and Trends in Machine Learning</em>, <em>12</em>(4), 307–392. <a href="https://doi.org/10.1561/2200000056">https://doi.org/10.1561/2200000056</a></li>
        <li id="ref-rezende2014">Rezende, D. J., Mohamed, S., &amp; Wierstra, D. (2014). Stochastic Backpropagation and Approximate Inference in Deep Generative Models. <em>Proceedings of the 31st International Conference on Machine Learning (ICML)</em>, <em>32</em>, 1278–1286. <a href="https://proceedings.mlr.press/v32/rezende14.html">https://proceedings.mlr.press/v32/rezende14.html</a></li>
        <li id="ref-sonderby2016">Sønderby, C. K., Raiko, T., Maaløe, L., Sønderby, S. K., &amp; Winther, O. (2016). Ladder Variational Autoencoders. <em>Advances in Neural Information Processing Systems 29 (NeurIPS)</em>. <a href="https://arxiv.org/abs/1602.02282">https://arxiv.org/abs/1602.02282</a></li>
        </ol>
        </div>

        """)
        XCTAssertEqual(l.headings.last?.id, "references")
        XCTAssertEqual(l.externalInputs.count, 5, "the cited entries are part of the page's reuse key")
    }

    /// Two works by the same authors in the same year read "2014a" and "2014b" (by title), in
    /// the text and in the references list; a third year or other authors are left alone.
    func testSameAuthorsAndYearAreToldApart() throws {
        let bib = """
        @article{kw2014z, author = {Kingma, Diederik P. and Welling, Max}, title = {Zeta paper}, year = 2014}
        @article{kw2014a, author = {Kingma, Diederik P. and Welling, Max}, title = {Alpha paper}, year = 2014}
        @article{kw2019, author = {Kingma, Diederik P. and Welling, Max}, title = {Later}, year = 2019}
        @article{other2014, author = {Rezende, Danilo}, title = {Other}, year = 2014}
        """
        let c = try build([("01-a", "See [@kw2014z; @kw2014a], @kw2019 and [-@other2014].\n")], bib: bib)
        let html = proseHTML(c.lessons[0])
        XCTAssertEqual(c.lessons[0].diagnostics, [])
        XCTAssertTrue(html.contains(">Kingma &amp; Welling, 2014b</a>; <a href=\"#ref-kw2014a\">Kingma &amp; Welling, 2014a</a>"), html)
        XCTAssertTrue(html.contains("Kingma and Welling (<a href=\"#ref-kw2019\">2019</a>)"), html)
        XCTAssertTrue(html.contains("(<a href=\"#ref-other2014\">2014</a>)"), html)
        let a = try XCTUnwrap(html.range(of: "<li id=\"ref-kw2014a\">Kingma, D. P., &amp; Welling, M. (2014a). Alpha paper."))
        let b = try XCTUnwrap(html.range(of: "<li id=\"ref-kw2014z\">Kingma, D. P., &amp; Welling, M. (2014b). Zeta paper."))
        XCTAssertLessThan(a.lowerBound, b.lowerBound, "2014a is listed before 2014b")
    }

    func testUnknownKeyIsAnErrorAtItsColumn() throws {
        let c = try build([("01-a", "# A\n\nAs shown [@kingma2014; @nobody2020].\nAnd @ghost99 too.\n")])
        XCTAssertEqual(c.lessons[0].diagnostics.map(\.description), [
            "Lessons/01-a.md:3:24: error: unknown citation key '@nobody2020': it is not in Lessons/references.bib",
            "Lessons/01-a.md:4:5: error: unknown citation key '@ghost99': it is not in Lessons/references.bib",
        ])
    }

    func testMalformedEntriesAreErrorsAtTheirLineInTheBibFile() throws {
        let bib = """
        @article{good2020,
          author = {Doe, Jane},
          title = {Good},
          year = 2020
        }

        @article{bad2021,
          author = {Roe, Richard}
          title = {Missing comma},
          year = {2021}
        }

        @misc{noyear,
          author = {X, Y},
          title = {T}
        }

        @book{open2019,
          author = {Z, A},
          title = {Never {closed},
          year = {2019}
        }
        """
        let c = try build([("01-a", "Cites [@good2020] and [@bad2021].\n")], bib: bib)
        XCTAssertEqual(c.index?.diagnostics.map(\.description), [
            "Lessons/references.bib:9:3: error: malformed BibTeX entry 'bad2021': expected ',' or '}' here",
            "Lessons/references.bib:13:1: error: BibTeX entry 'noyear' has no year (or date) field; add one",
            "Lessons/references.bib:18:1: error: malformed BibTeX entry 'open2019': it is never closed (missing '}')",
        ])
        XCTAssertEqual(c.lessons[0].diagnostics.map(\.description), [
            "Lessons/01-a.md:1:24: error: citation '@bad2021': its entry in Lessons/references.bib could not be read (see the error there)",
        ])
        XCTAssertTrue(proseHTML(c.lessons[0]).contains("(<a href=\"#ref-good2020\">Doe, 2020</a>)"))
    }

    func testWithoutABibliography() throws {
        let c = try build([("01-a", "Swift's @MainActor is text.\n\nBut [@kingma2014] needs one.\n")], index: "Hi.\n")
        XCTAssertEqual(c.lessons[0].diagnostics.map(\.description), [
            "Lessons/01-a.md:3:6: error: citation '@kingma2014' but this course names no bibliography; add `bibliography: references.bib` to index.md's front matter (or this lesson's)",
        ])
        XCTAssertTrue(proseHTML(c.lessons[0]).hasPrefix("<p>Swift's @MainActor is text.</p>"))
    }

    func testALessonsOwnBibliographyAndAMissingFile() throws {
        let dir = try makeTempDirectory()
        try "@misc{own2024, author = {Ng, Andrew and Jordan, Michael I.}, title = {Own}, year = {2024}, url = {https://example.org/own}}\n"
            .write(to: dir.appendingPathComponent("own.bib"), atomically: true, encoding: .utf8)
        let a = LessonParser.parse(source: "---\nbibliography: own.bib\n---\nAs @own2024 found.\n", file: "Lessons/a.md", slug: "a")
        let b = LessonParser.parse(source: "---\ntitle: B\nbibliography: gone.bib\n---\nText.\n", file: "Lessons/b.md", slug: "b")
        let c = try Citations().apply(Course(lessons: [a, b]), makeContext(lessonsDirectory: dir))
        XCTAssertEqual(c.lessons[0].diagnostics, [])
        XCTAssertTrue(proseHTML(c.lessons[0]).hasPrefix("<p>As <span class=\"citation\">Ng and Jordan (<a href=\"#ref-own2024\">2024</a>)</span> found.</p>"), proseHTML(c.lessons[0]))
        XCTAssertTrue(proseHTML(c.lessons[0]).contains("<li id=\"ref-own2024\">Ng, A., &amp; Jordan, M. I. (2024). Own. <a href=\"https://example.org/own\">https://example.org/own</a></li>"))
        XCTAssertEqual(c.lessons[1].diagnostics.map(\.description), [
            "Lessons/b.md:3:1: error: bibliography 'gone.bib' not found (looked for \(dir.appendingPathComponent("gone.bib").path)); put the .bib file in the lessons folder",
        ])
    }

    func testTeXInFields() {
        XCTAssertEqual(TeX.plain(#"S{\o}nderby and Maal{\o}e, G{\"o}del, Erd\H{o}s, \'Etienne, 1--2, {ELBO} Surgery"#),
                       "Sønderby and Maaløe, Gödel, Erdos, Étienne, 1–2, ELBO Surgery")
        XCTAssertEqual(BibNames.split("Diederik P. Kingma and van den Oord, A{\\\"a}ron and {Google Brain}").map(\.family),
                       ["Kingma", "van den Oord", "Google Brain"])
    }
}
