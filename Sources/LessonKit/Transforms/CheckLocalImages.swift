import Foundation

/// Every local image must exist in the lessons folder (it is copied into the site), and may not
/// be a link to a file outside it (that would publish the file).
public struct CheckLocalImages: CourseTransform {
    public var name: String { "images" }
    public init() {}

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        var course = course
        let folder = context.lessonsDirectory.resolvingSymlinksInPath().standardizedFileURL.path
        course.updateEveryLesson { lesson in
            for image in lesson.images where SitePaths.isLocal(image.target.url) {
                if let problem = Self.problem(image.target.url, lessons: context.lessonsDirectory, resolvedFolder: folder) {
                    lesson.diagnostics.append(Diagnostic(file: lesson.file, line: image.position.line,
                                                         column: image.position.column, message: problem))
                }
            }
        }
        return course
    }

    static func problem(_ url: String, lessons: URL, resolvedFolder: String) -> String? {
        let file = lessons.appendingPathComponent(SitePaths.filePath(url))
        guard FileManager.default.fileExists(atPath: file.path) else {
            return "missing image '\(url)' (looked in \(lessons.path))"
        }
        let real = file.resolvingSymlinksInPath().standardizedFileURL.path
        guard real.hasPrefix(resolvedFolder + "/") else {
            return "image '\(url)' is outside the lessons folder (\(real)); copy the file into \(lessons.path)"
        }
        return nil
    }
}
