import XCTest
@testable import LessonKit

final class FrontMatterTests: XCTestCase {
    func testKnownAndUnknownKeys() {
        let l = parse("""
        ---
        title: "The ELBO"
        summary: Why a bound.
        order: 3
        tags: [vae, elbo]
        date: 2024-05-01 10:00:00 +0900
        author: Someone
        categories: [ML, VAE]
        math: true
        toc: true
        ---

        Body.
        """)
        let fm = l.frontMatter
        XCTAssertEqual(fm.title, "The ELBO")
        XCTAssertEqual(fm.summary, "Why a bound.")
        XCTAssertEqual(fm.order, 3)
        XCTAssertEqual(fm.tags, ["vae", "elbo"])
        XCTAssertEqual(fm.date, "2024-05-01 10:00:00 +0900")
        XCTAssertEqual(fm.author, "Someone")
        XCTAssertEqual(fm.extra["categories"], "ML, VAE")
        XCTAssertEqual(fm.extra["math"], "true")
        XCTAssertEqual(fm.extra["toc"], "true")
        XCTAssertTrue(l.diagnostics.isEmpty, "\(l.diagnostics)")
        XCTAssertEqual(l.blocks.first?.line, 13)
    }

    func testMalformedDateIsOnlyAWarningAtItsLine() {
        let l = parse("---\ntitle: T\ndate: 2024-13-45\n---\nBody\n")
        XCTAssertEqual(l.diagnostics.count, 1)
        XCTAssertEqual(l.diagnostics[0].severity, .warning)
        XCTAssertEqual(l.diagnostics[0].line, 3)
        XCTAssertFalse(l.hasErrors)
        XCTAssertEqual(l.frontMatter.title, "T")
    }

    func testBrokenYAMLIsAnErrorAtItsLine() {
        let l = parse("---\ntitle: T\norder: [3\n---\nBody\n")
        XCTAssertTrue(l.hasErrors)
        let d = l.diagnostics.first { $0.severity == .error }!
        XCTAssertTrue(d.message.hasPrefix("malformed YAML front matter"), d.message)
        XCTAssertTrue((3...4).contains(d.line), "line \(d.line)")
    }

    func testUnclosedFrontMatter() {
        let l = parse("---\ntitle: T\n\nBody\n")
        XCTAssertEqual(l.diagnostics.first?.line, 1)
        XCTAssertTrue(l.hasErrors)
    }

    func testNoFrontMatterAndTitleFromHeading() {
        let l = parse("# Hello *there*\n\nText.\n")
        XCTAssertNil(l.frontMatter.title)
        XCTAssertEqual(l.title, "Hello there")
        XCTAssertEqual(l.blocks.first?.line, 1)
    }

    func testNonMappingFrontMatter() {
        let l = parse("---\n- a\n- b\n---\nBody\n")
        XCTAssertTrue(l.hasErrors)
    }
}

final class CellParsingTests: XCTestCase {
    /// A swift fence inside a list item or a quote is not a cell; the author is told so.
    func testSwiftFenceInAListIsAWarningNotACell() {
        let l = parse("1. Step one:\n\n   ```swift\n   print(1)\n   ```\n\n> ```swift\n> print(2)\n> ```\n\n- ```python\n  x\n  ```\n")
        XCTAssertEqual(l.cells.count, 0)
        XCTAssertEqual(l.diagnostics.map { "\($0.line):\($0.column) \($0.severity)" }, ["3:4 warning", "7:3 warning"])
        XCTAssertTrue(l.diagnostics[0].message.contains("shown but not run"))
        XCTAssertFalse(l.hasErrors)
    }

    /// Markdown strips up to the fence's indentation from each code line (less where a line has
    /// fewer spaces); the cell records how much, to map columns back.
    func testIndentedFenceRecordsTheStrippedIndentation() throws {
        let l = parse("Text.\n\n   ```swift\n   let a = 1\n let b = 2\n     let c = 3\n\n   ```\n\n```swift\nlet d = 4\n```\n")
        let cells = l.cells
        XCTAssertEqual(cells.count, 2)
        XCTAssertEqual(cells[0].code, "let a = 1\nlet b = 2\n  let c = 3\n")
        XCTAssertEqual(cells[0].strippedIndent, [3, 1, 3, 0])
        XCTAssertEqual(cells[0].markdownColumn(line: 5, column: 5), 6)   // `b` on the line with one space
        XCTAssertEqual(cells[0].markdownColumn(line: 6, column: 3), 6)
        XCTAssertEqual(cells[1].strippedIndent, [])
        XCTAssertEqual(cells[1].markdownColumn(line: 11, column: 5), 5)
    }

    func testOptions() {
        let l = parse("""
        Text.

        ```swift hide output=fold timeout=2.5
        print(1)
        ```

        ```swift no-run
        x
        ```

        ```swift compile-fail output=hide
        let x: Int = "a"
        ```

        ```swift should-trap
        fatalError()
        ```

        ```python title="a.py"
        print(2)
        ```
        """)
        XCTAssertTrue(l.diagnostics.isEmpty, "\(l.diagnostics)")
        let c = l.cells
        XCTAssertEqual(c.map(\.index), [0, 1, 2, 3, 4])
        XCTAssertEqual(c.map(\.language), ["swift", "swift", "swift", "swift", "python"])
        XCTAssertEqual(c.map(\.fenceLine), [3, 7, 11, 15, 19])
        XCTAssertEqual(c[0].codeLine, 4)
        XCTAssertEqual(c[0].code, "print(1)")
        XCTAssertTrue(c[0].options.hide)
        XCTAssertEqual(c[0].options.output, .fold)
        XCTAssertEqual(c[0].options.timeout, 2.5)
        XCTAssertTrue(c[1].options.noRun)
        XCTAssertFalse(c[1].runs)
        XCTAssertTrue(c[2].options.compileFail)
        XCTAssertEqual(c[2].options.output, .hide)
        XCTAssertTrue(c[3].options.shouldTrap)
        XCTAssertTrue(c[3].runs)
        XCTAssertFalse(c[4].runs)
    }

    func testUnknownOptionIsAnErrorAtItsLineAndColumn() {
        let l = parse("---\ntitle: x\n---\n\n```swift hide frobnicate\nprint(1)\n```\n")
        XCTAssertEqual(l.diagnostics.count, 1)
        let d = l.diagnostics[0]
        XCTAssertEqual(d.line, 5)
        XCTAssertEqual(d.column, 15)
        XCTAssertEqual(d.severity, .error)
        XCTAssertTrue(d.message.contains("unknown cell option 'frobnicate'"), d.message)
        XCTAssertEqual(d.description, "Lessons/t.md:5:15: error: " + d.message)
    }

    func testBadOptionValues() {
        let l = parse("```swift output=loud timeout=-1\nx\n```\n")
        XCTAssertEqual(l.diagnostics.map(\.column), [10, 22])
        XCTAssertTrue(l.diagnostics.allSatisfy { $0.severity == .error })
    }

    func testUnterminatedFence() {
        let l = parse("Text\n\n```swift\nlet x = 1\n")
        XCTAssertEqual(l.diagnostics.count, 1)
        XCTAssertEqual(l.diagnostics[0].line, 3)
        XCTAssertTrue(l.diagnostics[0].message.contains("unterminated code fence"))
    }

    func testEmptyCellAndEmptyFile() {
        XCTAssertEqual(parse("```swift\n```\n").cells.map(\.code), [""])
        let empty = parse("")
        XCTAssertTrue(empty.blocks.isEmpty && empty.diagnostics.isEmpty)
        XCTAssertEqual(parse("---\n---\n").blocks.count, 0)
    }

    func testLongerFencesAndNestedBackticks() {
        let l = parse("````markdown\n```swift\ninner\n```\n````\n\nafter $x$\n")
        XCTAssertEqual(l.cells.count, 1)
        XCTAssertEqual(l.cells[0].code, "```swift\ninner\n```")
        XCTAssertEqual(l.formulas.count, 1)
    }
}

final class BlockParsingTests: XCTestCase {
    func testEveryBlockKeepsItsSourceLine() {
        let md = "---\ntitle: t\n---\n\nPara one.\n\n$$\na\nb\n$$\n\n## Head\n\n- list\n\n```swift\nx\n```\n\n> quote\n"
        let l = parse(md)
        XCTAssertEqual(l.blocks.map(\.line), [5, 7, 12, 14, 16, 20])
    }

    func testKramdownAttributeLinesAreConsumed() {
        let l = parse("![a](b.png)\n{: width=\"50%\" .shadow}\n\n![c](d.png){: w=\"700\" }\n\n{: .prompt-tip}\n")
        let html = proseHTML(l)
        XCTAssertFalse(html.contains("{:"), html)
        XCTAssertTrue(html.contains("<img src=\"b.png\" alt=\"a\" width=\"50%\" class=\"shadow\" />"), html)
        XCTAssertTrue(html.contains("<img src=\"d.png\" alt=\"c\" width=\"700\" />"), html)
        XCTAssertFalse(html.contains("<p></p>"), html)
        XCTAssertEqual(l.images.map(\.target.url), ["b.png", "d.png"])
        // the seed post's form, and lists that follow no image (dropped)
        let seed = proseHTML(parse("![fig1](a.png){: style=\"display:block; margin:0 auto; width:70%;\" onclick=\"x()\"}\n\nText {: .note} here.\n"))
        XCTAssertTrue(seed.contains("<img src=\"a.png\" alt=\"fig1\" style=\"display:block; margin:0 auto; width:70%;\" />"), seed)
        XCTAssertTrue(seed.contains("<p>Text  here.</p>"), seed)
    }

    func testLinksToLessonFilesPointAtPages() throws {
        let lesson = parse("See [two](02-b.md), [gap](02-b.md#the-gap), [web](https://x.org/a.md) and [top](#top).\n")
        let html = proseHTML(try applyTransform(ResolveLessonLinks(), to: lesson))
        XCTAssertTrue(html.contains("href=\"02-b.html\""), html)
        XCTAssertTrue(html.contains("href=\"02-b.html#the-gap\""), html)
        XCTAssertTrue(html.contains("href=\"https://x.org/a.md\""), html)
        XCTAssertTrue(html.contains("href=\"#top\""), html)
    }

    func testRawHTMLPassesThrough() {
        let l = parse("A <span style=\"color:red\">red</span> word.\n\n<div class=\"box\">\nblock\n</div>\n")
        let html = proseHTML(l)
        XCTAssertTrue(html.contains("<span style=\"color:red\">red</span>"))
        XCTAssertTrue(html.contains("<div class=\"box\">"))
    }

    func testHeadingIDsAreUniqueAndKeepAnyScript() {
        let l = parse("## Intro\n\n## Intro\n\n## 변분 추론 (VI)\n\n## $x$ only\n")
        XCTAssertEqual(l.headings.map(\.id), ["intro", "intro-1", "변분-추론-vi", "only"])
    }

    /// A missing image is an error that still lets the page be written (issue 13): it is in
    /// `pageErrors`, not `diagnostics`, and the image is marked for the placeholder.
    func testMissingImageIsAnErrorWithPosition() throws {
        let dir = try makeTempDirectory()
        try Data("x".utf8).write(to: dir.appendingPathComponent("here.png"))
        let l = try applyTransform(CheckLocalImages(), to: parse("Intro.\n\nSee ![a](here.png) and\n![b](gone.png) and ![c](https://x.org/y.png).\n"),
                                   lessonsDirectory: dir)
        XCTAssertEqual(l.diagnostics, [])
        XCTAssertFalse(l.hasErrors)
        XCTAssertEqual(l.pageErrors.count, 1)
        XCTAssertEqual(l.pageErrors[0].line, 4)
        XCTAssertEqual(l.pageErrors[0].column, 1)
        XCTAssertTrue(l.pageErrors[0].message.contains("missing image 'gone.png'"))
        XCTAssertEqual(l.images.map(\.missing), [false, true, false])
    }
}
