import XCTest
@testable import LessonKit

/// GitHub alerts and Chirpy prompts become callout boxes.
final class CalloutTests: XCTestCase {
    func callouts(_ md: String) throws -> Lesson { try applyTransform(Callouts(), to: parse(md)) }

    func testGitHubAlertsOfEveryKind() throws {
        for (marker, kind, title) in [("NOTE", "note", "Note"), ("TIP", "tip", "Tip"), ("IMPORTANT", "important", "Important"),
                                      ("WARNING", "warning", "Warning"), ("CAUTION", "caution", "Caution")] {
            let l = try callouts("> [!\(marker)]\n> Read *this* first.\n")
            XCTAssertEqual(proseHTML(l), """
            <aside class="callout callout-\(kind)" role="note" aria-label="\(title)">
            <p class="callout-title"><span class="callout-icon" aria-hidden="true"></span>\(title)</p>
            <div class="callout-body">
            <p>Read <em>this</em> first.</p>
            </div>
            </aside>

            """)
        }
    }

    func testCollapsibleAlertWithTitleIsDetails() throws {
        let l = try callouts("> [!TIP]- Try it\n> Change the seed.\n>\n> Then run it again.\n")
        XCTAssertEqual(proseHTML(l), """
        <aside class="callout callout-tip" role="note" aria-label="Tip">
        <details>
        <summary class="callout-title"><span class="callout-icon" aria-hidden="true"></span>Try it</summary>
        <div class="callout-body">
        <p>Change the seed.</p>
        <p>Then run it again.</p>
        </div>
        </details>
        </aside>

        """)
        let open = try callouts("> [!NOTE]+\n> Shown.\n")
        XCTAssertTrue(proseHTML(open).contains("<details open>\n<summary class=\"callout-title\"><span class=\"callout-icon\" aria-hidden=\"true\"></span>Note</summary>"), proseHTML(open))
    }

    func testChirpyPromptAfterAQuote() throws {
        let l = try callouts("> An example line for prompt.\n{: .prompt-tip }\n\nAfter.\n")
        XCTAssertEqual(proseHTML(l), """
        <aside class="callout callout-tip" role="note" aria-label="Tip">
        <p class="callout-title"><span class="callout-icon" aria-hidden="true"></span>Tip</p>
        <div class="callout-body">
        <p>An example line for prompt.</p>
        </div>
        </aside>
        <p>After.</p>

        """)
        for (cls, kind) in [("prompt-info", "note"), ("prompt-warning", "warning"), ("prompt-danger", "caution")] {
            XCTAssertTrue(proseHTML(try callouts("> x\n{: .\(cls) }\n")).hasPrefix("<aside class=\"callout callout-\(kind)\""), cls)
        }
    }

    func testQuoteKeepsItsAttributeListWhenNoPrompt() throws {
        // the converter now keeps a quote's attribute list (it used to drop it)
        let l = parse("> quoted\n{: .fancy }\n")
        XCTAssertEqual(proseHTML(l), "<blockquote class=\"fancy\">\n<p>quoted</p>\n</blockquote>\n")
        XCTAssertEqual(proseHTML(try callouts("> quoted\n{: .fancy }\n")), "<blockquote class=\"fancy\">\n<p>quoted</p>\n</blockquote>\n")
    }

    func testPlainQuoteAndUnknownMarker() throws {
        XCTAssertEqual(proseHTML(try callouts("> just a quote\n")), "<blockquote>\n<p>just a quote</p>\n</blockquote>\n")
        let l = try callouts("Intro.\n\n> [!NOTES]\n> typo\n")
        XCTAssertEqual(l.diagnostics.map(\.description),
                       ["Lessons/t.md:3:3: warning: '[!NOTES]' is not a callout type, so this stays a quote (use NOTE, TIP, IMPORTANT, WARNING or CAUTION)"])
        XCTAssertTrue(proseHTML(l).contains("<blockquote>"))
    }

    func testCalloutHoldsMathAndLists() throws {
        let l = try callouts("> [!IMPORTANT]\n> The bound $\\log p \\ge \\mathcal{L}$:\n>\n> - one\n> - two\n")
        let html = proseHTML(l)
        XCTAssertTrue(html.contains("<p>The bound <span class=\"nowrap\">[math 0]:</span></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n</div>"), html)
    }
}
