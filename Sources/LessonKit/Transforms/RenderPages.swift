import Foundation

/// Renders the page bodies that the previous site cannot supply: plans reuse, renders every
/// formula and code block those pages need in one node run, then the bodies on all cores. A
/// page whose formulas KaTeX rejects is not written, which changes its neighbours' navigation,
/// so the plan is made again until it is stable (at most once more in practice).
public struct RenderPages: CourseTransform {
    public var name: String { "render pages" }
    public init() {}

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        var course = course
        // a translation's pages are in its folder (`ko/`), and so is its part of the manifest
        let folder = context.outputDirectory.appendingPathComponent(course.sitePrefix)
        let previous = context.previous?.subsite(course.sitePrefix)
        let existing = Self.intactPages(of: previous, in: folder)
        let strings = InterfaceStrings.for(course.language)
        var writable = course.lessons.filter { !$0.hasErrors }
        // pages with parse errors are rendered too (never written), so that their formula errors
        // are reported in the same build as the parse errors, not one fix later
        var extra = course.lessons.filter(\.hasErrors)
        while true {
            let plan = ReusePlan.make(lessons: writable, index: course.index, siteTitle: course.title, tool: context.toolKey,
                                      previous: previous, sameTool: context.sameTool, existingPages: existing)
            course.plan = plan
            var todo = writable.filter { plan.toRender.contains($0.page) && course.pages[$0.page] == nil } + extra
            extra = []
            if let index = course.index, !plan.reuseIndex, course.pages["index.html"] == nil {
                var front = index
                front.slug = "index"
                todo.append(front)
            }
            if todo.isEmpty { break }
            let renderers = todo.map { PageRenderer(lesson: $0, strings: strings) }
            course.rendered.merge(try context.renderer.render(renderers.flatMap(\.requests)), uniquingKeysWith: { a, _ in a })
            let rendered = course.rendered
            let outputs = Parallel.map(renderers) { $0.render(rendered) }
            for (lesson, out) in zip(todo, outputs) { course.pages[lesson.page] = out }
            let broken = Set(zip(todo, outputs).filter { $0.1.diagnostics.contains { $0.severity == .error } }.map(\.0.page))
            if broken.isEmpty || !writable.contains(where: { broken.contains($0.page) }) { continue }
            writable.removeAll { broken.contains($0.page) }
        }
        return course
    }

    /// The previous site's pages whose bytes still hash as its manifest recorded: only these may
    /// be taken over (a page edited by hand or by a cell writing into the site is rendered again).
    static func intactPages(of manifest: Manifest?, in output: URL) -> Set<String> {
        guard let manifest else { return [] }
        var intact = Set<String>()
        for page in manifest.pages + (manifest.index.map { [$0] } ?? []) {
            guard let want = page.pageSHA256,
                  let data = FileManager.default.contents(atPath: output.appendingPathComponent(page.page).path),
                  SHA256.hex([UInt8](data)) == want else { continue }
            intact.insert(page.page)
        }
        return intact
    }
}
