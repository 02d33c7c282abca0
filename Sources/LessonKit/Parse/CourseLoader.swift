import Foundation

/// Finds and parses the lesson files of a folder into a `Course`.
struct CourseLoader {
    let lessonsDirectory: URL

    /// The lesson files, sorted by name; `index.md` (the front page's text) is returned apart.
    /// `README.md` is the folder's own documentation, not a page.
    func lessonFiles() throws -> (lessons: [URL], index: URL?) {
        guard FileManager.default.fileExists(atPath: lessonsDirectory.path) else {
            throw RenderError(description: "\(SiteBuilder.displayPath(lessonsDirectory)): no such lessons folder")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: lessonsDirectory.path)
        let md = names.filter { $0.hasSuffix(".md") && !$0.hasPrefix(".") && $0 != "README.md" }.sorted()
        let index = md.contains("index.md") ? lessonsDirectory.appendingPathComponent("index.md") : nil
        return (md.filter { $0 != "index.md" }.map { lessonsDirectory.appendingPathComponent($0) }, index)
    }

    /// A lesson's name in diagnostics, pages and the manifest: relative to the folder that holds
    /// the lessons folder (`Lessons/x.md`), so the output does not depend on where the build ran.
    func displayName(_ url: URL) -> String { lessonsDirectory.lastPathComponent + "/" + url.lastPathComponent }

    func parse(_ url: URL) -> Lesson {
        let file = displayName(url)
        // a lesson that is a link to a file outside the folder would publish that file
        let real = url.resolvingSymlinksInPath().standardizedFileURL.path
        let folder = lessonsDirectory.resolvingSymlinksInPath().standardizedFileURL.path
        guard real.hasPrefix(folder + "/") else {
            return Lesson(file: file, slug: url.deletingPathExtension().lastPathComponent, diagnostics: [Diagnostic(file: file, line: 1,
                message: "this lesson is a link to a file outside the lessons folder (\(real)); copy the file into the folder instead")])
        }
        return LessonParser.parse(contentsOf: url, file: file)
    }

    /// Every lesson (parsed in parallel), ordered by `order`, then by file name.
    func load() throws -> Course {
        let (files, index) = try lessonFiles()
        guard !files.isEmpty else { throw RenderError(description: "no lessons (*.md) in \(SiteBuilder.displayPath(lessonsDirectory))") }
        let lessons = Parallel.map(files) { parse($0) }
        return Course(lessons: Self.ordered(lessons), index: index.map(parse))
    }

    static func ordered(_ lessons: [Lesson]) -> [Lesson] {
        lessons.enumerated().sorted { a, b in
            let oa = a.element.frontMatter.order ?? Int.max, ob = b.element.frontMatter.order ?? Int.max
            return oa != ob ? oa < ob : a.offset < b.offset
        }.map(\.element)
    }
}
