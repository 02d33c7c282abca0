/// The one value that flows through the build: every lesson (with what each transform added),
/// the front page, and what rendering produced. See `SiteBuilder.build` for the stages.
public struct Course: Sendable {
    /// The lessons in reading order (`order`, then file name).
    public var lessons: [Lesson]
    /// `index.md`: the front page's title and text.
    public var index: Lesson?
    /// Math and code as KaTeX and highlight.js rendered them (filled by `RenderPages`).
    public var rendered: [RenderRequest: RenderOutcome] = [:]
    /// Which pages are current in the previous site and which must be rendered (`RenderPages`).
    public var plan: ReusePlan?
    /// Page bodies rendered in this build, by page name ("x.html", "index.html").
    public var pages: [String: PageRenderer.Output] = [:]
    /// The search index as a script (`assets/search-index.js`), filled by `BuildSearchIndex`.
    public var searchIndex: String?
    /// What the index was made from; when `searchIndex` is nil, the previous site's index has this key.
    public var searchIndexKey: String?
    /// The language of this course's pages (BCP 47, "en") and the course's languages, the source
    /// language first (`languages: [en, ko]` in index.md). Set by `Translate`.
    public var language = "en"
    public var languages: [String] = []
    /// The course in each other language (made by `Translate`, then passed through every later
    /// stage like the source); empty for a translation itself.
    public var translations: [Course] = []
    /// For a translation: what `Translate` found per lesson file (catalogue, counts, line map).
    public var translationInfo: [String: LessonTranslation] = [:]

    public init(lessons: [Lesson], index: Lesson? = nil) { self.lessons = lessons; self.index = index }

    public var title: String { index?.frontMatter.title ?? "Lessons" }

    /// The lesson with this .md file name or page name, if any.
    public func lesson(file: String) -> Lesson? { lessons.first { $0.file == file } }

    /// Calls `change` on every lesson, the front page included.
    public mutating func updateEveryLesson(_ change: (inout Lesson) throws -> Void) rethrows {
        for i in lessons.indices { try change(&lessons[i]) }
        if index != nil { try change(&index!) }
    }
}

/// One stage of the build: takes the course, returns it with something added or rewritten.
/// Adding a feature is one type conforming to this plus one line in `SiteBuilder.transforms`.
public protocol CourseTransform {
    /// Shown in `LESSONS_TIMINGS=1` output.
    var name: String { get }
    func apply(_ course: Course, _ context: BuildContext) throws -> Course
}
