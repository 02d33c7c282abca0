import Foundation

/// Every local image must exist in the lessons folder (it is copied into the site), and may not
/// be a link to a file outside it (that would publish the file). A missing image is an error
/// that still lets the page be written, with a placeholder naming the file (a blog post with
/// one missing screenshot should not lose the whole page); a link outside the folder stops it.
public struct CheckLocalImages: CourseTransform {
    public var name: String { "images" }
    public init() {}

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        var course = course
        let folder = context.lessonsDirectory.resolvingSymlinksInPath().standardizedFileURL.path
        course.updateEveryLesson { lesson in
            var missing = Set<String>()
            for image in lesson.images where SitePaths.isLocal(image.target.url) {
                guard let problem = Self.problem(image.target.url, lessons: context.lessonsDirectory, resolvedFolder: folder) else { continue }
                let d = Diagnostic(file: lesson.file, line: image.position.line, column: image.position.column, message: problem)
                if problem.hasPrefix("missing image") {
                    lesson.pageErrors.append(d)
                    missing.insert(image.target.url)
                } else {
                    lesson.diagnostics.append(d)
                }
            }
            guard !missing.isEmpty else { return }
            lesson.blocks = lesson.blocks.rewritingInlines { inline in
                guard case .image(var img) = inline, missing.contains(img.target.url) else { return inline }
                img.missing = true
                return .image(img)
            }
            // the placeholder is part of the page: adding the file must re-render it
            lesson.externalInputs += missing.sorted().map { "missing image " + $0 }
        }
        return course
    }

    static func problem(_ url: String, lessons: URL, resolvedFolder: String) -> String? {
        let file = lessons.appendingPathComponent(SitePaths.filePath(url))
        guard FileManager.default.fileExists(atPath: file.path) else {
            return "missing image '\(url)' (looked in \(lessons.path)); the page shows a placeholder until the file is there"
        }
        let real = file.resolvingSymlinksInPath().standardizedFileURL.path
        guard real.hasPrefix(resolvedFolder + "/") else {
            return "image '\(url)' is outside the lessons folder (\(real)); copy the file into \(lessons.path)"
        }
        return nil
    }
}
