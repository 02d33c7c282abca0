import Foundation

/// Runs each lesson's cells (lessons without parse errors, up to `jobs` at once) and keeps the
/// results in the lesson. The executor caches results by content, so unchanged lessons do not run.
public struct ExecuteCells: CourseTransform {
    public var name: String { "execute" }
    public init() {}

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        var course = course
        let runnable = course.lessons.indices.filter { i in
            !course.lessons[i].hasErrors && course.lessons[i].cells.contains { $0.runs }
        }
        let lessons = course.lessons
        let executor = context.executor
        let outcomes = Parallel.map(runnable, maxConcurrent: context.jobs) { i -> Result<[Int: CellResult], Error> in
            Result { try executor.execute(file: lessons[i].file, cells: lessons[i].cells) }
        }
        for (i, outcome) in zip(runnable, outcomes) {
            switch outcome {
            case .success(let results): course.lessons[i].results = results
            case .failure(let error):
                let line = lessons[i].cells.first(where: { $0.runs })?.fenceLine ?? 1
                course.lessons[i].diagnostics.append(Diagnostic(file: lessons[i].file, line: line,
                                                                message: "running the cells failed: \(error)"))
            }
        }
        return course
    }
}
