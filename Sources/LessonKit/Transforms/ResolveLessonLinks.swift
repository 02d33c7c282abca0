/// Links to other lessons' Markdown files (`[next](02-x.md#gap)`, which also work on GitHub)
/// point at their pages on the site (`02-x.html#gap`).
public struct ResolveLessonLinks: CourseTransform {
    public var name: String { "links" }
    public init() {}

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        var course = course
        course.updateEveryLesson { lesson in
            lesson.blocks = lesson.blocks.rewritingInlines { inline in
                guard case .link(var target, let content) = inline,
                      let page = SitePaths.pageURL(forLessonLink: target.url) else { return inline }
                target.url = page
                return .link(target, content)
            }
        }
        return course
    }
}
