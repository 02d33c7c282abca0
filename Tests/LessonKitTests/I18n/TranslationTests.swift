import Foundation
import XCTest
@testable import LessonKit

/// A course in two languages (Fixtures/i18n: English lessons, Korean catalogues made from an
/// older text of lesson 1, in which one paragraph and one cell have changed since).
final class TranslationTests: XCTestCase {
    static var fixture: URL { FixturePaths.root.appendingPathComponent("i18n") }

    /// Counts calls, so that "each lesson's cells run once for both languages" can be asserted.
    final class CountingExecutor: CellExecutor, @unchecked Sendable {
        let lock = NSLock()
        var calls: [String] = []
        func execute(file: String, cells: [Cell]) throws -> [Int: CellResult] {
            lock.lock(); calls.append(file); lock.unlock()
            return try FakeExecutor().execute(file: file, cells: cells)
        }
    }

    func build(_ executor: CellExecutor = FakeExecutor()) throws -> (URL, BuildReport) {
        let dir = try copyFixture(Self.fixture)
        let out = dir.appendingPathComponent("Output")
        let report = try SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: out, executor: executor).build()
        return (out, report)
    }

    func page(_ out: URL, _ name: String) throws -> String { try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8) }

    func testOutdatedParagraphAndCellAreReportedAtBothFileLines() throws {
        let (_, report) = try build()
        let lines = report.diagnostics.map(\.description)
        XCTAssertTrue(lines.contains("Lessons/po/ko/01-codes.po:84:1: warning: outdated ko translation: the source paragraph at Lessons/01-codes.md:32 changed since it was translated (made from text that is no longer in the lesson); the page shows the en text until you update the msgstr and remove the fuzzy flag (`lessons translate` merges the catalogue and shows the old source as #| msgid)"), lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains("Lessons/01-codes.md:32:1: note: the ko translation of this paragraph (Lessons/po/ko/01-codes.po:84) is outdated"))
        XCTAssertTrue(lines.contains("Lessons/po/ko/01-codes.po:79:1: warning: outdated ko translation: the source cell at Lessons/01-codes.md:28 changed since it was translated (made from text that is no longer in the lesson); the ko page runs the new code (cells are shared) with a note that the text around it may not match, until you check the translated text around the cell, then put the new code in its msgstr and remove the fuzzy flag (`lessons translate` merges the catalogue)"), lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains("Lessons/01-codes.md:28:1: note: the ko translation of this cell (Lessons/po/ko/01-codes.po:79) is outdated"))
        // warnings only: a course whose translation lags still builds
        XCTAssertEqual(report.errorCount, 0, lines.joined(separator: "\n"))
    }

    func testUntranslatedParagraphFallsBackMarkedInTheSourceLanguage() throws {
        let (out, report) = try build()
        XCTAssertTrue(report.diagnostics.map(\.description).contains(
            "Lessons/01-codes.md:26:1: warning: this paragraph has no ko translation (Lessons/po/ko/01-codes.po:74 has an empty msgstr): the ko page shows it in en, marked as untranslated"))
        let ko = try page(out, "ko/01-codes.html")
        XCTAssertTrue(ko.contains("<p><span class=\"untranslated\" lang=\"en\" data-untranslated=\"번역 전\" title=\"아직 번역되지 않은 부분입니다. 원문 그대로 보여 줍니다.\">This paragraph has no translation yet.</span></p>"))
        // the outdated paragraph shows today's source text, not the stale translation ("7입니다")
        XCTAssertTrue(ko.contains("<span class=\"untranslated outdated\" lang=\"en\""))
        XCTAssertTrue(ko.contains("The result above is seven, as <a href=\"#sec-encoder\">1.1절</a> promised.</span>"))
        XCTAssertFalse(ko.contains("7입니다"))
        // a changed cell runs its new code, with a note in the page's language
        XCTAssertTrue(ko.contains("<p class=\"translation-note\" role=\"note\">이 셀의 코드는 주변 글을 번역한 뒤에 바뀌었습니다.</p>\n<div class=\"cell cell-swift cell-status-ok\" id=\"cell-2\">"))
        // translated text is used, with its formulas and references resolved
        XCTAssertTrue(ko.contains("<strong>오토인코더</strong>(autoencoder)는 이미지 <span class=\"katex\">"))
        XCTAssertTrue(ko.contains("그 출력은 <a href=\"#fig-square\">그림 1</a>에 있습니다."), "a particle right after @fig-square")
    }

    func testSwitcherLinksTheSamePageAndItsSections() throws {
        let (out, _) = try build()
        let en = try page(out, "01-codes.html"), ko = try page(out, "ko/01-codes.html")
        XCTAssertTrue(en.contains("<nav class=\"languages\" aria-label=\"Language\"><span class=\"language-current\" lang=\"en\" aria-current=\"page\">English</span><a href=\"ko/01-codes.html\" hreflang=\"ko\" lang=\"ko\" rel=\"alternate\">한국어</a></nav>"))
        XCTAssertTrue(ko.contains("<nav class=\"languages\" aria-label=\"언어\"><a href=\"../01-codes.html\" hreflang=\"en\" lang=\"en\" rel=\"alternate\">English</a><span class=\"language-current\" lang=\"ko\" aria-current=\"page\">한국어</span></nav>"))
        XCTAssertTrue(en.contains("<link rel=\"alternate\" hreflang=\"en\" href=\"01-codes.html\">\n<link rel=\"alternate\" hreflang=\"ko\" href=\"ko/01-codes.html\">"))
        XCTAssertTrue(ko.contains("<link rel=\"alternate\" hreflang=\"en\" href=\"../01-codes.html\">\n<link rel=\"alternate\" hreflang=\"ko\" href=\"../ko/01-codes.html\">"))
        // sections keep their anchors in every language, so the switcher's `#section` lands
        func ids(_ html: String) -> [String] {
            let r = try! NSRegularExpression(pattern: #"<h[23] id="([^"]+)""#)
            return r.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { (html as NSString).substring(with: $0.range(at: 1)) }
        }
        XCTAssertEqual(ids(en), ["sec-encoder", "a-second-part"])
        XCTAssertEqual(ids(ko), ids(en))
        XCTAssertTrue(try page(out, "assets/search.js").contains("a.href = a.href.split('#')[0] + '#' + encodeURIComponent(id);"))
        // the index pages switch too, and a link between lessons stays in its language
        XCTAssertTrue(try page(out, "ko/index.html").contains("<a href=\"../index.html\" hreflang=\"en\" lang=\"en\" rel=\"alternate\">English</a>"))
        XCTAssertTrue(try page(out, "ko/02-more.html").contains("<a href=\"01-codes.html#sec-encoder\">첫 강의</a>에 이어지는"))
    }

    func testLangAttributesAndInterfaceStringsAreThePagesLanguage() throws {
        let (out, _) = try build()
        let en = try page(out, "01-codes.html"), ko = try page(out, "ko/01-codes.html")
        XCTAssertTrue(en.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        XCTAssertTrue(ko.hasPrefix("<!DOCTYPE html>\n<html lang=\"ko\">"))
        XCTAssertTrue(try page(out, "ko/index.html").hasPrefix("<!DOCTYPE html>\n<html lang=\"ko\">"))
        for s in ["<h2>목차</h2>", "<small>다음</small>", "placeholder=\"검색\"", "data-no-results=\"검색 결과 없음:\"",
                  "<span class=\"caption-number\">그림 1</span>: 3의 제곱", "<p class=\"callout-title\"><span class=\"callout-icon\" aria-hidden=\"true\"></span>참고</p>",
                  "이 강의 내려받기: <a href=\"../sources/01-codes.md\" download>마크다운 원본</a>", "<link rel=\"stylesheet\" href=\"../assets/style.css\">",
                  "<script src=\"../assets/search-index.ko.js\" defer></script>", "aria-label=\"이 절로 가는 링크\""] {
            XCTAssertTrue(ko.contains(s), s)
        }
        for english in ["Contents", ">Next<", ">Previous<", "\"Search\"", "Download this lesson", "Figure 1", "Section", "Link to this section", "Built from"] {
            XCTAssertFalse(ko.contains(english), english)
        }
        XCTAssertTrue(en.contains("<h2>Contents</h2>") && en.contains("Figure 1") && en.contains("Section 1.1"))
        // each language's index lists its lessons with their summaries in that language
        let koIndex = try page(out, "ko/index.html")
        XCTAssertTrue(koIndex.contains("<span class=\"lesson-title\">코드</span></a>\n<p class=\"summary\">이미지마다 점 하나.</p>"))
        XCTAssertTrue(koIndex.contains("<p>이 강좌에는 <strong>강의가 둘</strong> 있습니다."))
        // and each searches its own language
        XCTAssertTrue(try page(out, "assets/search-index.ko.js").contains("\"인코더\""))
        XCTAssertFalse(try page(out, "assets/search-index.js").contains("인코더"))
    }

    func testCellsRunOnceForBothLanguagesAndShowTheSameOutputs() throws {
        let executor = CountingExecutor()
        let (out, report) = try build(executor)
        XCTAssertEqual(executor.calls.sorted(), ["Lessons/01-codes.md", "Lessons/02-more.md"])
        XCTAssertTrue(report.summary.contains("; ko: 3 pages into "), report.summary)
        XCTAssertTrue(report.summary.contains("cell results shared with en (cells run once for all languages)"), report.summary)
        func outputs(_ html: String) -> [String] {
            let r = try! NSRegularExpression(pattern: #"<div class="cell-outputs">[\s\S]*?</div>\n</div>"#)
            return r.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { (html as NSString).substring(with: $0.range) }
        }
        let en = outputs(try page(out, "01-codes.html")), ko = outputs(try page(out, "ko/01-codes.html"))
        XCTAssertEqual(en.count, 2)
        XCTAssertEqual(ko, en)
        // the manifest covers the translated pages, whose source is their catalogue
        let m = try Manifest.load(from: out)
        let koPage = try XCTUnwrap(m.pages.first { $0.page == "ko/01-codes.html" })
        XCTAssertEqual(koPage.source, "Lessons/po/ko/01-codes.po")
        XCTAssertEqual(koPage.resultsSHA256, m.pages.first { $0.page == "01-codes.html" }?.resultsSHA256)
        XCTAssertNotNil(m.pages.first { $0.page == "ko/index.html" })
    }

    func testSecondBuildReusesTranslatedPagesAndAChangedCatalogueReRendersOne() throws {
        let dir = try copyFixture(Self.fixture)
        let lessons = dir.appendingPathComponent("Lessons"), out = dir.appendingPathComponent("Output")
        _ = try SiteBuilder(lessonsDirectory: lessons, outputDirectory: out, executor: FakeExecutor()).build()
        let before = try page(out, "ko/02-more.html")
        let po = lessons.appendingPathComponent("po/ko/01-codes.po")
        try (try String(contentsOf: po, encoding: .utf8)).replacingOccurrences(of: "msgstr \"첫째 항목\"", with: "msgstr \"첫 번째 항목\"")
            .write(to: po, atomically: true, encoding: .utf8)
        let second = try SiteBuilder(lessonsDirectory: lessons, outputDirectory: out, executor: FakeExecutor()).build()
        XCTAssertTrue(try page(out, "ko/01-codes.html").contains("<li>첫 번째 항목</li>"))
        XCTAssertEqual(try page(out, "ko/02-more.html"), before)
        XCTAssertEqual(second.errorCount, 0)
    }

    /// A rebuild with nothing changed takes each language's search index over from the previous
    /// site, each from its own file (the Korean one was once replaced by an empty index).
    func testAnUnchangedRebuildKeepsEachLanguagesSearchIndex() throws {
        let dir = try copyFixture(Self.fixture)
        let lessons = dir.appendingPathComponent("Lessons"), out = dir.appendingPathComponent("Output")
        _ = try SiteBuilder(lessonsDirectory: lessons, outputDirectory: out, executor: FakeExecutor()).build()
        let english = try page(out, "assets/search-index.js"), korean = try page(out, "assets/search-index.ko.js")
        XCTAssertTrue(korean.contains("\"docs\":[[\""), "the Korean index has documents")
        XCTAssertNotEqual(english, korean)
        _ = try SiteBuilder(lessonsDirectory: lessons, outputDirectory: out, executor: FakeExecutor()).build()
        XCTAssertEqual(try page(out, "assets/search-index.js"), english)
        XCTAssertEqual(try page(out, "assets/search-index.ko.js"), korean)
    }

    func testATranslationWithOtherFormulasOrReferencesIsNotUsed() {
        let source = parse("The encoder is $f_\\phi$, see @fig-a.").blocks
        guard case .paragraph(let c, _)? = source.first else { return XCTFail() }
        switch LessonTranslator.parse("인코더는 $g$입니다. @fig-a 참고.", kind: .text, source: c, file: "Lessons/po/ko/t.po", line: 12) {
        case .failure(let d):
            XCTAssertEqual(d.description, "Lessons/po/ko/t.po:12:1: warning: this translation's formulas differ from its source's (missing $f_\\phi$; not in the source $g$): math is shared, so copy each formula exactly as the msgid has it; the page shows the source text")
        case .success: XCTFail("a translation with another formula was used")
        }
        switch LessonTranslator.parse("인코더는 $f_\\phi$입니다.", kind: .text, source: c, file: "Lessons/po/ko/t.po", line: 12) {
        case .failure(let d):
            XCTAssertEqual(d.description, "Lessons/po/ko/t.po:12:1: warning: this translation's cross-references and citations differ from its source's (missing @fig-a): keep each @label as the msgid has it; the page shows the source text")
        case .success: XCTFail("a translation without the reference was used")
        }
        switch LessonTranslator.parse("첫째 문단.\n\n둘째 문단.", kind: .text, source: [.text("x")], file: "Lessons/po/ko/t.po", line: 3) {
        case .failure(let d): XCTAssertTrue(d.description.hasPrefix("Lessons/po/ko/t.po:3:1: warning: this translation is not one paragraph as its source is"), d.description)
        case .success: XCTFail()
        }
    }

    func testLanguagesComeFromIndexOrLINGUAS() throws {
        let dir = try makeTempDirectory()
        let lessons = dir.appendingPathComponent("Lessons")
        try FileManager.default.createDirectory(at: lessons.appendingPathComponent("po"), withIntermediateDirectories: true)
        try "# one\n\ntext\n".write(to: lessons.appendingPathComponent("a.md"), atomically: true, encoding: .utf8)
        var course = try CourseLoader(lessonsDirectory: lessons).load()
        XCTAssertEqual(Translate.languages(course, lessonsDirectory: lessons).0, ["en"])
        try "# gettext's list of languages\nko\n".write(to: lessons.appendingPathComponent("po/LINGUAS"), atomically: true, encoding: .utf8)
        XCTAssertEqual(Translate.languages(course, lessonsDirectory: lessons).0, ["en", "ko"])
        try "---\nlanguages: [ko, en, ja]\n---\n".write(to: lessons.appendingPathComponent("index.md"), atomically: true, encoding: .utf8)
        course = try CourseLoader(lessonsDirectory: lessons).load()
        let (langs, diags) = Translate.languages(course, lessonsDirectory: lessons)
        XCTAssertEqual(langs, ["ko", "en", "ja"])
        XCTAssertEqual(diags.map(\.description), ["Lessons/index.md:1:1: warning: language 'ja' has no interface strings (InterfaceStrings.swift has en and ko); its pages' labels will be English"])
    }

    func testABrokenLinkInATranslationIsReportedAtItsCatalogueLine() throws {
        let dir = try copyFixture(Self.fixture)
        let lessons = dir.appendingPathComponent("Lessons")
        let po = lessons.appendingPathComponent("po/ko/02-more.po")
        try (try String(contentsOf: po, encoding: .utf8)).replacingOccurrences(of: "(01-codes.md#sec-encoder)에", with: "(01-codes.md#no-such-section)에")
            .write(to: po, atomically: true, encoding: .utf8)
        let builder = SiteBuilder(lessonsDirectory: lessons, outputDirectory: dir.appendingPathComponent("Output"), executor: FakeExecutor())
        let report = try CourseCheck.run(builder, committed: nil)
        XCTAssertTrue(report.diagnostics.map(\.description).contains(
            "Lessons/po/ko/02-more.po:25:1: error: broken link '01-codes.md#no-such-section' in the ko translation of Lessons/02-more.md:7; link to a lesson's .md file and one of its headings' anchors (they are the same in every language)"),
            report.diagnostics.map(\.description).joined(separator: "\n"))
        // the fixture as it is has none (its `@fig-square` link is to a figure's label, which is an anchor too)
        let clean = try CourseCheck.run(SiteBuilder(lessonsDirectory: try copyFixture(Self.fixture).appendingPathComponent("Lessons"),
                                                    outputDirectory: dir.appendingPathComponent("Output2"), executor: FakeExecutor()), committed: nil)
        XCTAssertEqual(clean.diagnostics.filter { $0.file.hasPrefix("Lessons/po/") && $0.severity == .error }.map(\.description), [])
    }

    func testAddingALanguageRebuildsTheSourcePagesWithTheSwitcher() throws {
        let dir = try copyFixture(Self.fixture)
        let lessons = dir.appendingPathComponent("Lessons"), out = dir.appendingPathComponent("Output")
        let index = lessons.appendingPathComponent("index.md")
        let bilingual = try String(contentsOf: index, encoding: .utf8)
        try bilingual.replacingOccurrences(of: "languages: [en, ko]\n", with: "").write(to: index, atomically: true, encoding: .utf8)
        _ = try SiteBuilder(lessonsDirectory: lessons, outputDirectory: out, executor: FakeExecutor()).build()
        XCTAssertFalse(try page(out, "index.html").contains("nav class=\"languages\""))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("ko").path))
        // the same course with gettext's LINGUAS instead of the front matter: now in two languages
        try "ko\n".write(to: lessons.appendingPathComponent("po/LINGUAS"), atomically: true, encoding: .utf8)
        let second = try SiteBuilder(lessonsDirectory: lessons, outputDirectory: out, executor: FakeExecutor()).build()
        XCTAssertEqual(second.pagesReused, 0)
        XCTAssertTrue(try page(out, "index.html").contains("<a href=\"ko/index.html\" hreflang=\"ko\" lang=\"ko\" rel=\"alternate\">한국어</a>"))
        XCTAssertTrue(try page(out, "02-more.html").contains("<a href=\"ko/02-more.html\" hreflang=\"ko\""))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("ko/index.html").path))
    }
}
