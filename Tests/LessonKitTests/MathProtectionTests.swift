import XCTest
@testable import LessonKit

/// Every case DESIGN.md lists where cmark would mangle math if it saw it.
final class MathProtectionTests: XCTestCase {
    func testUnderscoresAndStarsAreNotEmphasis() {
        let l = parse("Sum $a_1 + b_2$ and $a * b * c$ and $x_i * y_j$.\n")
        XCTAssertEqual(l.formulas.map(\.tex), ["a_1 + b_2", "a * b * c", "x_i * y_j"])
        XCTAssertFalse(proseHTML(l).contains("<em>"))
    }

    func testBackslashBraceAndDoubleBackslashSurvive() {
        let l = parse("Set $\\{x \\mid x > 0\\}$.\n\n$$\na \\\\ b\n$$\n")
        XCTAssertEqual(l.formulas.map(\.tex), ["\\{x \\mid x > 0\\}", "\na \\\\ b\n"])
        XCTAssertEqual(l.formulas.map(\.display), [false, true])
    }

    func testTildesSurvive() {
        let l = parse("Spaces $a~~b$ here.\n")
        XCTAssertEqual(l.formulas.first?.tex, "a~~b")
        XCTAssertFalse(proseHTML(l).contains("<del>"))
    }

    func testDisplayLineStartingWithDashIsNotAList() {
        let l = parse("Text.\n\n$$\n- x^2\n+ y\n$$\n")
        XCTAssertEqual(l.formulas.first?.tex, "\n- x^2\n+ y\n")
        XCTAssertFalse(proseHTML(l).contains("<ul>"))
        XCTAssertFalse(proseHTML(l).contains("<li>"))
    }

    func testDisplayMathInIndentedListItem() {
        let md = "- item\n\n  $$\n  a_1 = b_2\n  $$\n\n- next $c$\n"
        let l = parse(md)
        XCTAssertEqual(l.formulas.count, 2)
        XCTAssertTrue(l.formulas[0].display)
        XCTAssertEqual(l.formulas[0].line, 3)
        XCTAssertEqual(l.formulas[0].tex.trimmingCharacters(in: .whitespacesAndNewlines), "a_1 = b_2")
        let html = proseHTML(l)
        // the placeholder sits inside the first <li>, not in a code block or after the list
        let token = mathToken(0)
        let li = html.range(of: "<li>")!, liEnd = html.range(of: "</li>")!
        let tok = html.range(of: token)!
        XCTAssertTrue(li.upperBound <= tok.lowerBound && tok.upperBound <= liEnd.lowerBound, html)
        XCTAssertFalse(html.contains("<pre>"))
    }

    /// Display math inside a blockquote: the `>` markers of its continuation lines are the
    /// quote's, not TeX; the formula stays inside the quote.
    func testDisplayMathInABlockquote() {
        let l = parse("> Bayes:\n>\n> $$\n> p(z \\mid x) = \\frac{p(x \\mid z)\\,p(z)}{p(x)}\n> $$\n>\n>> $$a\n>> > b$$\n")
        XCTAssertEqual(l.formulas.map(\.tex), ["\np(z \\mid x) = \\frac{p(x \\mid z)\\,p(z)}{p(x)}\n", "a\n> b"])
        let html = proseHTML(l)
        let quote = html.range(of: "<blockquote>")!, tok = html.range(of: mathToken(0))!
        XCTAssertTrue(quote.upperBound <= tok.lowerBound, html)
        XCTAssertEqual(MathProtector.removingQuoteMarkers("x\n  > > y\nz", depth: 2), "x\ny\nz")
    }

    func testEscapedDollarIsLiteral() {
        let l = parse("A \\$ sign and $x$.\n")
        XCTAssertEqual(l.formulas.map(\.tex), ["x"])
        XCTAssertTrue(proseHTML(l).contains("A $ sign"))
    }

    func testMoneyIsNotMath() {
        let l = parse("It costs $5 and $6, or $1,000. Then $x$.\n")
        XCTAssertEqual(l.formulas.map(\.tex), ["x"])
        XCTAssertTrue(proseHTML(l).contains("$5 and $6, or $1,000."))
        // a digit right after the opening dollar is still math when it closes like math
        XCTAssertEqual(parse("Twice $2x$ is $5$.\n").formulas.map(\.tex), ["2x", "5"])
    }

    func testDollarInCodeIsNeverMath() {
        let l = parse("Code `$x$` and ``a $ b``.\n\n```text\ncost = $x$ and $$y$$\n```\n\n~~~\n$z$\n~~~\n")
        XCTAssertTrue(l.formulas.isEmpty)
        XCTAssertTrue(proseHTML(l).contains("<code>$x$</code>"))
        XCTAssertEqual(l.cells.map(\.code), ["cost = $x$ and $$y$$", "$z$"])
    }

    func testDollarInIndentedCodeIsPutBack() {
        let l = parse("Text $a$.\n\n    cost = $x_1 * y$ here\n    and $$z$$ {: .x}\n\nAfter $b$.\n")
        XCTAssertEqual(l.cells.map(\.code), ["cost = $x_1 * y$ here\nand $$z$$ {: .x}"])
        XCTAssertEqual(l.formulas.map(\.tex), ["a", "b"])
        XCTAssertEqual(PageRenderer(lesson: l).requests.count, 3, "a, b and the code block")
    }

    func testInlineMathDoesNotCrossBlankLine() {
        let l = parse("A $ lone dollar.\n\nAnother$ here.\n")
        XCTAssertTrue(l.formulas.isEmpty)
    }

    func testOneLineDisplayInParagraphAndPositions() {
        let l = parse("First line\nsecond $$\\sum_i x_i$$ end and $y$.\n")
        XCTAssertEqual(l.formulas.map(\.display), [true, false])
        XCTAssertEqual(l.formulas[0].line, 2)
        XCTAssertEqual(l.formulas[0].column, 8)
        XCTAssertEqual(l.formulas[1].column, 31)
    }

    func testUnterminatedDisplayMathIsAnError() {
        let l = parse("Text\n\n$$\nx^2\n")
        XCTAssertEqual(l.diagnostics.first?.line, 3)
        XCTAssertTrue(l.diagnostics.first?.message.contains("unterminated display math") ?? false)
        XCTAssertTrue(l.hasErrors)
    }

    /// Pandoc's stricter dollar rules (issue 13): display math does not run across a blank line,
    /// and a closing `$` followed by a digit does not close.
    func testPandocDollarRules() {
        let l = parse("Text\n\n$$\nx^2\n\ny and more.\n")
        XCTAssertEqual(l.diagnostics.map(\.description), [
            "Lessons/t.md:3:1: error: unterminated display math: `$$` opened here is not closed before the blank line 5 (display math ends at a blank line, as in Pandoc); close it with `$$` before the blank line, or write \\$\\$ for literal dollars",
        ])
        XCTAssertEqual(parse("$$\na\n  \nb$$\n").diagnostics.first?.line, 1, "a line of spaces is blank too")
        XCTAssertEqual(parse("$$a\nb$$\n").formulas.map(\.tex), ["a\nb"], "one line break is fine")
        XCTAssertEqual(parse("From $a$2 to $b$ here.\n").formulas.map(\.tex), ["a$2 to $b"], "the `$` before 2 does not close")
    }

    /// A formula alone in a paragraph is a block of its own; an inline one keeps the
    /// punctuation after it on its line.
    func testLoneDisplayIsABlockAndInlineKeepsItsPunctuation() {
        let l = parse("$$D$$\n\na $I$, b\n")
        let outcomes: [RenderRequest: RenderOutcome] = [
            RenderRequest(.displayMath, "D"): .html("<span class=\"katex-display\">D</span>"),
            RenderRequest(.inlineMath, "I"): .html("<span class=\"katex\">I</span>"),
        ]
        XCTAssertEqual(PageRenderer(lesson: l).render(outcomes).body,
                       "<div class=\"math-display\"><span class=\"katex-display\">D</span></div>\n<p>a <span class=\"nowrap\"><span class=\"katex\">I</span>,</span> b</p>\n")
    }
}
