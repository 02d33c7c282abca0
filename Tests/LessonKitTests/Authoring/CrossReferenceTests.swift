import XCTest
@testable import LessonKit

/// Quarto's labels and `@` references, within a lesson and across lessons.
final class CrossReferenceTests: XCTestCase {
    func lesson(_ md: String, _ slug: String) -> Lesson { LessonParser.parse(source: md, file: "Lessons/\(slug).md", slug: slug) }
    func resolve(_ lessons: [Lesson]) throws -> [Lesson] { try CrossReferences().apply(Course(lessons: lessons), makeContext()).lessons }

    let first = """
    ---
    title: Bayes
    ---
    # Bayes

    ## Bayes' rule {#sec-bayes}

    The evidence:

    $$
    p(x) = \\int p(x, z)\\,dz
    $$ {#eq-evidence}

    and the bound

    $$\\log p(x) \\ge \\mathcal{L}$$ {#eq-elbo}

    ```swift label=fig-posterior caption="Exact posterior and q"
    show(plot)
    ```

    ```swift label=tbl-gap caption="The gap"
    show(table)
    ```

    See @eq-elbo and @eq-evidence, @fig-posterior, @tbl-gap and @sec-bayes.

    ### Inside {#sec-inside}

    Text.
    """

    func testNumbersLinksAndCaptionsWithinALesson() throws {
        let l = try resolve([lesson(first, "01-bayes")])[0]
        XCTAssertEqual(l.diagnostics, [])
        let html = proseHTML(l)
        XCTAssertTrue(html.contains("<div class=\"math-display math-numbered\" id=\"eq-evidence\">[math 0]<span class=\"eq-number\">(1)</span></div>"), html)
        XCTAssertTrue(html.contains("<div class=\"math-display math-numbered\" id=\"eq-elbo\">[math 1]<span class=\"eq-number\">(2)</span></div>"), html)
        XCTAssertTrue(html.contains("<p>See <a href=\"#eq-elbo\">Equation 2</a> and <a href=\"#eq-evidence\">Equation 1</a>, <a href=\"#fig-posterior\">Figure 1</a>, <a href=\"#tbl-gap\">Table 1</a> and <a href=\"#sec-bayes\">Section 1.1</a>.</p>"), html)
        // the heading's anchor is its label, and the label text is not shown
        XCTAssertEqual(l.headings.map(\.id), ["bayes", "sec-bayes", "sec-inside"])
        XCTAssertEqual(l.headings[1].text, "Bayes' rule")
        // cells: numbered, captions under them
        XCTAssertEqual(l.cells.map(\.number), [1, 1])
        XCTAssertEqual(PageRenderer.labelled(l.cells[0], "<div class=\"cell\"></div>\n"),
                       "<figure class=\"xref-figure\" id=\"fig-posterior\">\n<div class=\"cell\"></div>\n<figcaption><span class=\"caption-number\">Figure 1</span>: Exact posterior and q</figcaption>\n</figure>\n")
        XCTAssertTrue(PageRenderer.labelled(l.cells[1], "").contains("<span class=\"caption-number\">Table 1</span>: The gap"))
    }

    func testReferencesToAnotherLessonCarryItsNumber() throws {
        let other = lesson("# Later\n\nAs in @eq-elbo (see @sec-inside), and @fig-posterior.\n", "02-later")
        let ls = try resolve([lesson(first, "01-bayes"), other])
        XCTAssertEqual(ls[1].diagnostics, [])
        XCTAssertEqual(proseHTML(ls[1]), "<h1>Later</h1>\n<p>As in <a href=\"01-bayes.html#eq-elbo\">Equation 1.2</a> (see <a href=\"01-bayes.html#sec-inside\">Section 1.1.1</a>), and <a href=\"01-bayes.html#fig-posterior\">Figure 1.1</a>.</p>\n")
        // the other lesson's numbers are part of this page's reuse key
        XCTAssertEqual(ls[1].externalInputs.count, 3)
        XCTAssertEqual(ls[0].externalInputs, [])
    }

    /// Quarto's bracketed forms and the capitalised kind, here and from another lesson.
    func testBracketedFormsAndACapitalisedKind() throws {
        let here = "@Eq-elbo holds; [-@eq-elbo] again, as in [@fig-posterior], [Fig. @fig-posterior] and [Tab. -@tbl-gap]."
        let other = lesson("# Later\n\nSee [-@eq-elbo], [Eq. @eq-elbo] and [@sec-inside]; @Fig-nope.\n", "02-later")
        let ls = try resolve([lesson(first + "\n\n" + here + "\n", "01-bayes"), other])
        XCTAssertEqual(ls[0].diagnostics, [])
        XCTAssertTrue(proseHTML(ls[0]).contains("<p><a href=\"#eq-elbo\">Equation 2</a> holds; <a href=\"#eq-elbo\">2</a> again, as in <a href=\"#fig-posterior\">Figure 1</a>, <a href=\"#fig-posterior\">Fig. 1</a> and <a href=\"#tbl-gap\">1</a>.</p>"), proseHTML(ls[0]))
        XCTAssertEqual(proseHTML(ls[1]), "<h1>Later</h1>\n<p>See <a href=\"01-bayes.html#eq-elbo\">1.2</a>, <a href=\"01-bayes.html#eq-elbo\">Eq. 1.2</a> and <a href=\"01-bayes.html#sec-inside\">Section 1.1.1</a>; @Fig-nope.</p>\n")
        XCTAssertEqual(ls[1].diagnostics.map(\.description), [
            "Lessons/02-later.md:3:52: error: unknown cross-reference '@fig-nope': no equation, figure, table or section in the course has the label fig-nope (define it with {#fig-nope} or the cell option label=fig-nope)",
        ])
    }

    func testUnknownAndDuplicateLabelsAreErrorsAtTheirPosition() throws {
        let a = lesson("Intro.\n\n$$x$$ {#eq-a}\n\nText @eq-a and @eq-nope, then\n@fig-gone.\n", "01-a")
        let b = lesson("# B\n\n$$\ny\n$$ {#eq-a}\n\n## Twice {#sec-x}\n\n## Again {#sec-x}\n", "02-b")
        let ls = try resolve([a, b])
        XCTAssertEqual(ls[0].diagnostics.map(\.description), [
            "Lessons/01-a.md:5:16: error: unknown cross-reference '@eq-nope': no equation, figure, table or section in the course has the label eq-nope (define it with {#eq-nope})",
            "Lessons/01-a.md:6:1: error: unknown cross-reference '@fig-gone': no equation, figure, table or section in the course has the label fig-gone (define it with {#fig-gone} or the cell option label=fig-gone)",
        ])
        XCTAssertEqual(ls[1].diagnostics.map(\.description), [
            "Lessons/02-b.md:5:4: error: duplicate label 'eq-a': it is already defined at Lessons/01-a.md:3:7 (labels are shared by the whole course; rename one)",
            "Lessons/02-b.md:9:10: error: duplicate label 'sec-x': it is already defined at Lessons/02-b.md:7:10 (labels are shared by the whole course; rename one)",
        ])
    }

    func testBadLabelsAndCellOptions() throws {
        let l = lesson("$$x$$ {#elbo}\n\n```swift label=posterior caption=\"A b\"\nx\n```\n\n```swift caption=\"alone\"\ny\n```\n", "01-a")
        XCTAssertEqual(l.diagnostics.map(\.description), [
            "Lessons/01-a.md:3:10: error: bad cell label 'posterior': a cell's label starts with fig- (a figure it shows) or tbl- (a table), then letters, digits, - or _",
            "Lessons/01-a.md:7:1: warning: cell option 'caption' without 'label' is not shown; add label=fig-NAME or label=tbl-NAME",
        ])
        XCTAssertEqual(l.cells[0].options.caption, "A b")
        let r = try resolve([l])[0]
        XCTAssertEqual(r.diagnostics.last?.description,
                       "Lessons/01-a.md:1:7: error: bad equation label 'elbo': an equation's label starts with eq- (Quarto's prefix), e.g. {#eq-elbo}")
    }

    func testEmailsAndPlainAtSignsAreLeftAlone() throws {
        let l = try resolve([lesson("Mail a@eq-x.org or @someone; the end @eq-.\n", "01-a")])[0]
        XCTAssertEqual(l.diagnostics, [])
        XCTAssertEqual(proseHTML(l), "<p>Mail a@eq-x.org or @someone; the end @eq-.</p>\n")
    }

    func testCaptionWithQuotesAndOtherOptionsStillParse() {
        let (lang, opts, diags) = CellOptionsParser.parse(info: #"swift hide label=fig-a caption="Say \"hi\" now" timeout=3"#, line: 4,
                                                          sourceLine: #"```swift hide label=fig-a caption="Say \"hi\" now" timeout=3"#, file: "L.md")
        XCTAssertEqual(lang, "swift")
        XCTAssertEqual(diags, [])
        XCTAssertEqual(opts.caption, "Say \"hi\" now")
        XCTAssertEqual(opts.label, "fig-a")
        XCTAssertEqual(opts.timeout, 3)
        XCTAssertTrue(opts.hide)
    }
}
