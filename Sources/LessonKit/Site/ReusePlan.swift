import Foundation

/// Which pages of the previous site are still current, as one pure function of the previous
/// manifest and the course: a page is reused when every input of its bytes (tool, theme, site
/// title, its source, its cell results and its neighbours' links and titles) hashes as before.
/// Whether a lesson's cells re-run is the executor's own content-keyed result cache.
public struct ReusePlan: Equatable, Sendable {
    public struct Page: Equatable, Sendable {
        public var page: String
        public var file: String
        public var sourceSHA256: String
        public var resultsSHA256: String
        /// Hash of everything the page's bytes depend on.
        public var key: String
        public var previous: String?
        public var next: String?
    }
    /// The pages to write, in reading order.
    public var pages: [Page]
    /// Pages whose previous copy is current.
    public var reused: Set<String>
    public var indexKey: String
    public var reuseIndex: Bool

    public var toRender: [String] { pages.map(\.page).filter { !reused.contains($0) } }

    /// `lessons` are the lessons to write, in order; `existingPages` the files the previous site
    /// still has; `sameTool` whether that site was built by this build of the tool.
    public static func make(lessons: [Lesson], index: Lesson?, siteTitle: String, tool: ToolKey,
                            previous: Manifest?, sameTool: Bool, existingPages: Set<String>) -> ReusePlan {
        let toolParts = [tool.generator, tool.katex, tool.highlight, tool.theme, siteTitle]
        let old = Dictionary((previous?.pages ?? []).map { ($0.page, $0) }, uniquingKeysWith: { a, _ in a })
        var pages: [Page] = []
        var reused = Set<String>()
        for (k, lesson) in lessons.enumerated() {
            let prev = k > 0 ? lessons[k - 1] : nil, next = k + 1 < lessons.count ? lessons[k + 1] : nil
            let neighbours = [prev, next].map { n in n.map { $0.page + "\u{0}" + $0.title } ?? "" }
            let source = lesson.sourceSHA256, results = resultsHash(lesson.results)
            // what transforms brought in from outside the page (added only when there is some, so
            // that a page with none keeps the key it had before they existed)
            let external = lesson.externalInputs.isEmpty ? [] : [SHA256.hex(lesson.externalInputs.joined(separator: "\u{0}"))]
            let key = SHA256.hex((toolParts + [lesson.file, source, results] + neighbours + external).joined(separator: "\u{1}"))
            pages.append(Page(page: lesson.page, file: lesson.file, sourceSHA256: source, resultsSHA256: results,
                              key: key, previous: prev?.page, next: next?.page))
            if sameTool, old[lesson.page]?.inputsSHA256 == key, existingPages.contains(lesson.page) { reused.insert(lesson.page) }
        }
        let listed = lessons.map { [$0.slug, $0.title, $0.frontMatter.summary ?? ""].joined(separator: "\u{0}") }
        let indexSource = index.map(\.sourceSHA256) ?? ""
        // what the front page shows from outside its source (its languages' switcher): added only
        // when there is some, so that a front page with none keeps its key
        let indexExternal = (index?.externalInputs ?? []).isEmpty ? [] : [SHA256.hex(index!.externalInputs.joined(separator: "\u{0}"))]
        let indexKey = SHA256.hex((toolParts + [indexSource] + listed + indexExternal).joined(separator: "\u{1}"))
        let reuseIndex = sameTool && previous?.index?.inputsSHA256 == indexKey && existingPages.contains("index.html")
        return ReusePlan(pages: pages, reused: reused, indexKey: indexKey, reuseIndex: reuseIndex)
    }

    /// Hash of a lesson's cell results ("" when it has none), as the manifest records it.
    public static func resultsHash(_ results: [Int: CellResult]) -> String {
        guard !results.isEmpty else { return "" }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let sorted = results.keys.sorted().map { results[$0]! }
        return (try? enc.encode(sorted)).map { SHA256.hex([UInt8]($0)) } ?? ""
    }
}
