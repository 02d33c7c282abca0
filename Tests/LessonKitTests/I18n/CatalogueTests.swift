import Foundation
import XCTest
@testable import LessonKit

/// The gettext side: reading and writing catalogues, what counts as a unit, merging, counting.
final class CatalogueTests: XCTestCase {
    func testReadsWhatGettextWritesAndWritesItBack() throws {
        let text = """
            # translator's note
            #. extracted
            #: Lessons/a.md:3 Lessons/a.md:9
            #, fuzzy
            #| msgid "Old text"
            msgctxt "title"
            msgid ""
            "Two \\"quoted\\"\\n"
            "lines"
            msgstr "두 줄"

            #~ msgid "gone"
            #~ msgstr "사라짐"

            """
        let po = try POFile.parse(text)
        XCTAssertEqual(po.entries.count, 2)
        let e = po.entries[0]
        XCTAssertEqual(e.context, "title")
        XCTAssertEqual(e.id, "Two \"quoted\"\nlines")
        XCTAssertEqual(e.translation, "두 줄")
        XCTAssertEqual(e.flags, ["fuzzy"])
        XCTAssertEqual(e.previousID, "Old text")
        XCTAssertEqual(e.references, ["Lessons/a.md:3", "Lessons/a.md:9"])
        XCTAssertEqual(e.translatorComments, ["translator's note"])
        XCTAssertEqual(e.line, 6)
        XCTAssertEqual(e.translationLine, 10)
        XCTAssertTrue(po.entries[1].obsolete)
        XCTAssertEqual(po.text(), text)
    }

    func testBadCatalogueIsAnErrorAtItsLine() {
        XCTAssertThrowsError(try POFile.parse("msgid \"a\"\nmsgstr \"b\n")) { e in
            XCTAssertEqual((e as? POFile.ParseError)?.description, "line 2: expected a string in double quotes")
        }
        XCTAssertThrowsError(try POFile.parse("msgid \"a\"\n\nmsgid \"b\"\nmsgstr \"\"\n")) { e in
            XCTAssertEqual((e as? POFile.ParseError)?.description, "line 2: msgid without msgstr")
        }
    }

    func testUnitsAreTheBlocksAsWritten() {
        let lesson = parse("""
            ---
            title: "T"
            ---

            First *line*
              second line.

            ## Head {#sec-h}

            1. item one
               continued
            2. item two

            > [!TIP]
            > Inside a quote.
            {: .prompt-tip }

            $$
            x^2
            $$

            ```swift label=fig-a caption="Cap"
            print(1)
            ```
            """)
        XCTAssertEqual(UnitExtractor.units(of: lesson).map { "\($0.kind.rawValue)@\($0.line): \($0.id)" }, [
            "title@2: T",
            "text@5: First *line*\nsecond line.",
            "heading@8: Head",
            "text@10: item one\ncontinued",
            "text@12: item two",
            "text@14: [!TIP]\nInside a quote.",
            "cell@22: print(1)",
            "caption@22: Cap",
        ])
    }

    func testMergeMarksAChangedParagraphFuzzyAndKeepsItsOldSource() throws {
        let old = parse("# A\n\nThe loss drops to 0.30 after ten epochs.\n\nGone paragraph here.\n")
        var po = Catalogue.merged(nil, units: UnitExtractor.units(of: old), lesson: old, language: "ko")
        po.entries[2].translation = "열 에폭 뒤 손실은 0.30까지 떨어집니다."
        po.entries[3].translation = "사라질 문단."
        let new = parse("# A\n\nThe loss drops to 0.25 after ten epochs.\n")
        let merged = Catalogue.merged(try POFile.parse(po.text()), units: UnitExtractor.units(of: new), lesson: new, language: "ko")
        let text = merged.text()
        XCTAssertTrue(text.contains("""
            #: Lessons/t.md:3
            #, fuzzy
            #| msgid "The loss drops to 0.30 after ten epochs."
            msgid "The loss drops to 0.25 after ten epochs."
            msgstr "열 에폭 뒤 손실은 0.30까지 떨어집니다."
            """), text)
        XCTAssertTrue(text.hasSuffix("#~ msgid \"Gone paragraph here.\"\n#~ msgstr \"사라질 문단.\"\n"), text)
        let units = UnitExtractor.units(of: new)
        XCTAssertEqual(Catalogue.counts(units, Catalogue.match(units, try POFile.parse(text).entries)).description,
                       "0 translated, 1 untranslated, 1 outdated (2 entries, 0 of them cells)")
    }

    func testLessonsTranslateWritesCataloguesThatMsgfmtAccepts() throws {
        let dir = try copyFixture(TranslationTests.fixture)
        let lessons = dir.appendingPathComponent("Lessons")
        let report = try UpdateCatalogues(lessonsDirectory: lessons).run()
        XCTAssertEqual(report.rows.map { "\($0.catalogue): \($0.counts)" }, [
            "Lessons/po/ko/01-codes.po: 11 translated, 1 untranslated, 2 outdated (14 entries, 2 of them cells)",
            "Lessons/po/ko/02-more.po: 4 translated, 0 untranslated, 0 outdated (4 entries, 1 of them cells)",
            "Lessons/po/ko/index.po: 3 translated, 0 untranslated, 0 outdated (3 entries, 0 of them cells)",
        ])
        let po = try String(contentsOf: lessons.appendingPathComponent("po/ko/01-codes.po"), encoding: .utf8)
        XCTAssertTrue(po.contains("#, fuzzy\n#| msgid \"print(\\\"seven:\\\", 3 + 4)\"\nmsgctxt \"cell\"\nmsgid \"print(\\\"seven:\\\", 7)\"\nmsgstr \"print(\\\"seven:\\\", 3 + 4)\"\n"), po)
        // a second run changes nothing
        XCTAssertEqual(try UpdateCatalogues(lessonsDirectory: lessons).run().rows.filter(\.changed).count, 0)
        let msgfmt = URL(fileURLWithPath: "/usr/bin/msgfmt")
        guard FileManager.default.isExecutableFile(atPath: msgfmt.path) else { throw XCTSkip("gettext is not installed (make deps)") }
        for name in ["01-codes", "02-more", "index"] {
            let r = try runProcess(msgfmt, ["--check", "-o", "/dev/null", "Lessons/po/ko/\(name).po"], in: dir)
            XCTAssertEqual(r.status, 0, r.err)
        }
    }
}
