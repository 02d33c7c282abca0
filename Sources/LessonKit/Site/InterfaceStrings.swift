import Foundation

/// Every word the site itself puts on a page (not the author's): the theme's labels, the
/// renderer's notes, callout titles, cross-reference names, the references heading. One table
/// per language; a language without one gets English. Transforms and renderers look their
/// strings up by the page's language (`InterfaceStrings.for(course.language)`), so a Korean page
/// never shows an English label.
///
/// Korean: cross-references read as Korean textbooks write them ("그림 2", "식 (3)", "표 1",
/// "2.1절"); callout titles are the words GitHub's Korean interface uses for its alerts.
public struct InterfaceStrings: Sendable, Equatable {
    public var language: String
    /// The language's own name, shown in the switcher ("English", "한국어").
    public var languageName: String

    // theme
    public var contents: String
    public var previous: String
    public var next: String
    public var pagerLabel: String
    public var pagerEndLabel: String
    public var search: String
    public var searchLabel: String
    public var noResults: String
    public var download: String
    public var markdownSource: String
    public var cellsAsSwift: String
    /// The footer: where the page came from and what built it (HTML).
    public func footer(source: String?, sha: String, provenance: String) -> String {
        let p = HTML.escape(provenance)
        switch (language, source) {
        case ("ko", let s?): return "원본: <code>\(HTML.escape(s))</code> (sha256 \(sha)) · 빌드: \(p)"
        case ("ko", nil): return "빌드: \(p)"
        case (_, let s?): return "Built from <code>\(HTML.escape(s))</code> (sha256 \(sha)) by \(p)."
        case (_, nil): return "Built by \(p)."
        }
    }
    public var failedCells: String
    public var languageSwitcherLabel: String
    public var linkToSection: String

    // page bodies
    public var output: String
    public var cellNotRun: String
    public var cell: String
    public var missingImage: String
    public var references: String
    public var calloutTitles: [Callout.Kind: String]
    /// Shown on a paragraph that falls back to the source language.
    public var untranslated: String
    public var untranslatedTitle: String
    /// Shown on a cell whose code changed since the translation beside it was made.
    public var cellChangedSinceTranslation: String

    /// A cross-reference's text: "Figure 2", "Equation (3)"-style names per language.
    public func reference(kind: String, number: String) -> String {
        switch (language, kind) {
        case ("ko", "eq"): return "식 (\(number))"
        case ("ko", "fig"): return "그림 \(number)"
        case ("ko", "tbl"): return "표 \(number)"
        case ("ko", "sec"): return "\(number)절"
        case (_, "eq"): return "Equation \(number)"
        case (_, "tbl"): return "Table \(number)"
        case (_, "sec"): return "Section \(number)"
        default: return "Figure \(number)"
        }
    }

    /// The caption's number of a labelled cell: "Figure 2", "그림 2".
    public func captionNumber(table: Bool, number: String) -> String { reference(kind: table ? "tbl" : "fig", number: number) }

    public func calloutTitle(_ kind: Callout.Kind) -> String { calloutTitles[kind] ?? kind.title }

    /// A failed cell's status in its box ("Cell 3: compile error", "셀 3: 컴파일 오류").
    public func cellStatus(_ status: CellResult.Status?) -> String {
        let ko = language == "ko"
        switch status {
        case .ok?: return "ok"
        case .compileError?: return ko ? "컴파일 오류" : "compile error"
        case .trapped?: return ko ? "실행 중 중단(trap)" : "trapped"
        case .timedOut?: return ko ? "시간 초과" : "timed out"
        case .expectationFailed?: return ko ? "기대 실패" : "expectation failed"
        case .outputTruncated?: return ko ? "출력 잘림" : "output truncated"
        case .notRun?: return ko ? "실행 안 됨" : "not run"
        case nil: return ko ? "문제" : "problem"
        }
    }

    public static let english = InterfaceStrings(
        language: "en", languageName: "English",
        contents: "Contents", previous: "Previous", next: "Next",
        pagerLabel: "Previous and next lesson", pagerEndLabel: "Previous and next lesson, end of page",
        search: "Search", searchLabel: "Search the course", noResults: "No results for",
        download: "Download this lesson:", markdownSource: "Markdown source", cellsAsSwift: "its cells as one Swift file",
        failedCells: " cell(s) on this page failed; see the boxes below.",
        languageSwitcherLabel: "Language", linkToSection: "Link to this section",
        output: "Output", cellNotRun: "This cell was not run.", cell: "Cell", missingImage: "Missing image",
        references: "References",
        calloutTitles: [.note: "Note", .tip: "Tip", .important: "Important", .warning: "Warning", .caution: "Caution"],
        untranslated: "not translated", untranslatedTitle: "This passage has no translation yet; it is shown in the original language.",
        cellChangedSinceTranslation: "This cell changed after the text around it was translated.")

    public static let korean = InterfaceStrings(
        language: "ko", languageName: "한국어",
        contents: "목차", previous: "이전", next: "다음",
        pagerLabel: "이전 강의와 다음 강의", pagerEndLabel: "이전 강의와 다음 강의, 페이지 끝",
        search: "검색", searchLabel: "강의 검색", noResults: "검색 결과 없음:",
        download: "이 강의 내려받기:", markdownSource: "마크다운 원본", cellsAsSwift: "셀 전체를 하나의 Swift 파일로",
        failedCells: "개의 셀이 실패했습니다. 아래 상자를 보세요.",
        languageSwitcherLabel: "언어", linkToSection: "이 절로 가는 링크",
        output: "출력", cellNotRun: "이 셀은 실행되지 않았습니다.", cell: "셀", missingImage: "이미지 없음",
        references: "참고 문헌",
        calloutTitles: [.note: "참고", .tip: "팁", .important: "중요", .warning: "경고", .caution: "주의"],
        untranslated: "번역 전", untranslatedTitle: "아직 번역되지 않은 부분입니다. 원문 그대로 보여 줍니다.",
        cellChangedSinceTranslation: "이 셀의 코드는 주변 글을 번역한 뒤에 바뀌었습니다.")

    /// The table for a language code ("ko", "ko-KR"); English for any other.
    public static func `for`(_ language: String) -> InterfaceStrings {
        let base = language.split(separator: "-").first.map { String($0).lowercased() } ?? ""
        var s = base == "ko" ? korean : english
        if base != "ko" && base != "en" && !base.isEmpty { s.language = language; s.languageName = language }
        return s
    }

    /// The languages that have a table (others fall back to English with a warning).
    public static let known: Set<String> = ["en", "ko"]
}
