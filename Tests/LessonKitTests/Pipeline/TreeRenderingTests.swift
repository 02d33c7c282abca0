import XCTest
@testable import LessonKit

/// The tree renderer writes what cmark's own HTML renderer writes, for Markdown without
/// formulas and cells (those are the site's additions).
final class TreeRenderingTests: XCTestCase {
    /// Renders top-level fences the way cmark does, so the comparison covers them too.
    private func treeHTML(_ markdown: String) -> String {
        let lesson = LessonParser.parse(source: markdown, file: "t.md", slug: "t")
        return HTMLRenderer(math: { $0.tex }, cell: { c in
            let lang = c.language.isEmpty ? "" : " class=\"language-\(HTMLRenderer.escape(c.language))\""
            return "<pre><code\(lang)>" + HTMLRenderer.escape(c.code + (c.code.isEmpty ? "" : "\n")) + "</code></pre>\n"
        }).render(lesson.blocks)
    }

    private let samples = [
        "Plain *emph* **strong** `code` and a [link](http://x.org/a?b=1&c=2 \"T & t\").\n",
        "# H1\n\n## H2 with `code`\n\nPara\nsoft break  \nhard break\\\nagain.\n",
        "- a\n- b\n  - nested\n- c\n\n1. one\n2. two\n\n3) three\n4) four\n",
        "- loose\n\n- list\n\n  with two paragraphs\n",
        "> quote\n> > nested\n>\n> - item\n\n---\n\n***\n",
        "<div class=\"x\">\nraw *block*\n</div>\n\nInline <span a=\"1\">raw</span> &amp; &copy; &#65; \"q\" 'a' <b>\n",
        "![alt *em* `c`](img%20a.png \"title\") ![](b.png)\n\n[a](<url with spaces> 'ti\"tle')\n",
        "[ref]\n\n[ref]: /u?a=1&b=[x]'y'(z) \"T\"\n\n<http://auto.link/x?y> <me@x.org>\n",
        "URL chars: [l](!$%()*+,-./:;=?@[]_~`{|}^\\\\), [u](한국어/경로), [q](a'b\"c<d>e)\n",
        "    indented\n    code\n\n```text info words\nfenced <&>\n```\n\n~~~\ntilde\n~~~\n",
        "- item\n\n  ```python\n  nested = 1\n  ```\n\n> ```\n> quoted code\n> ```\n",
        "Entities &lt; &gt; &quot; &nbsp; and tabs\there, and trailing spaces   \nend\n",
        "Setext\n======\n\nAnother\n-------\n\n<!-- comment -->\n\n<?pi?>\n",
        "1. a\n\n   b\n2. c\n\n10. ten\n",
        "* [ ] not a task in CommonMark\n* *\n*\n\n\\* not a list\n",
    ]

    func testTreeHTMLMatchesCmark() {
        for md in samples {
            XCTAssertEqual(treeHTML(md), CommonMarkConverter.cmarkHTML(md), md.debugDescription)
        }
    }

    /// Every lesson of the course and the fixtures, without formulas, cells, labels, references and callouts, renders
    /// as cmark renders it.
    func testCourseAndFixtureProseMatchesCmark() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let folders = [root.appendingPathComponent("Lessons"), FixturePaths.site.appendingPathComponent("Lessons")]
        var compared = 0
        for folder in folders {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".md") {
                let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                // paragraphs without math and outside fences
                let paragraphs = text.components(separatedBy: "\n\n").filter { !$0.contains("$") && !$0.contains("```") && !$0.hasPrefix("---")
                    && !$0.contains("{:") && !$0.contains("{#") && !$0.contains("@") && !$0.contains("[!") }  // the site's own syntax
                for p in paragraphs {
                    XCTAssertEqual(treeHTML(p + "\n"), CommonMarkConverter.cmarkHTML(p + "\n"), "\(name): \(p.prefix(80))")
                    compared += 1
                }
            }
        }
        XCTAssertGreaterThan(compared, 50)
    }

    func testNoPlaceholderSurvivesTheParser() {
        let l = parse("Code `$x$` in\n\n    indented `$y$` code\n\nand [l]($z$) ![i]($w$.png) and $m$ and {: .c}\n")
        let dump = String(describing: l.blocks)
        XCTAssertFalse(dump.unicodeScalars.contains { (0xE000...0xE003).contains($0.value) }, dump)
        XCTAssertEqual(l.formulas.map(\.tex), ["m"])
    }

    func testNULAndLoneCRAreHandled() {
        let nul = parse("---\ntitle: T\n---\nbefore\u{0}after\n\nlast $x$\n")
        XCTAssertTrue(proseHTML(nul).contains("after"), "text after a NUL byte is kept")
        XCTAssertTrue(proseHTML(nul).contains("last"))
        let cr = parse("---\rtitle: Old Mac\r---\rHello\r\r$$\rx\r$$\r\rbad ```swift nope\r")
        XCTAssertEqual(cr.frontMatter.title, "Old Mac")
        XCTAssertEqual(cr.formulas.first?.line, 6)
    }
}
