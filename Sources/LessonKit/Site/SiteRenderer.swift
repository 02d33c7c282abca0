import Foundation

/// The last stage: writes the course as a static site (pages, front page, theme, KaTeX assets,
/// images, manifest) into a fresh folder and swaps it in for the output folder.
struct SiteRenderer {
    let context: BuildContext

    /// Writes the site and returns the build's report (without timings).
    func write(_ course: Course) throws -> BuildReport {
        guard let plan = course.plan else { throw RenderError(description: "internal error: the site has no reuse plan") }
        var report = BuildReport()
        report.lessonsFound = course.lessons.count
        report.outputDirectory = SiteBuilder.displayPath(context.outputDirectory)
        let previousPages = Dictionary((context.previous?.pages ?? []).map { ($0.page, $0) }, uniquingKeysWith: { a, _ in a })
        let planned = Set(plan.pages.map(\.page))

        // what each lesson reports, in reading order
        for lesson in course.lessons {
            report.diagnostics += lesson.diagnostics + lesson.pageErrors
            let out = course.pages[lesson.page]
            if lesson.hasErrors {
                report.diagnostics += (out?.diagnostics ?? []).filter { !lesson.diagnostics.contains($0) }
                report.skipped.append(lesson.file)
            } else if !planned.contains(lesson.page) {
                report.diagnostics += (out?.diagnostics ?? []) + (out?.cellDiagnostics ?? [])
                report.failingCells += out?.failingCells ?? 0
                report.skipped.append(lesson.file)
            } else if let out {
                report.diagnostics += out.diagnostics + out.cellDiagnostics
                report.failingCells += out.failingCells
            } else {
                report.diagnostics += previousPages[lesson.page]?.cellDiagnostics ?? []
                report.failingCells += previousPages[lesson.page]?.failingCells ?? 0
            }
        }
        let indexOut = course.pages["index.html"]
        if let index = course.index {
            report.diagnostics += index.diagnostics + index.pageErrors
            report.diagnostics += plan.reuseIndex ? context.previous?.index?.cellDiagnostics ?? [] : indexOut?.diagnostics ?? []
        }

        var site = SiteContext(theme: context.theme, katexVersion: context.renderer.katexVersion,
                               highlightVersion: context.renderer.highlightVersion, siteTitle: course.title)
        site.language = course.language; site.languages = course.languages; site.strings = .for(course.language)
        let byPage = Dictionary(course.lessons.map { ($0.page, $0) }, uniquingKeysWith: { a, _ in a })
        let written = plan.pages.compactMap { byPage[$0.page] }
        let writer = try SiteWriter(outputDirectory: context.outputDirectory)
        do {
            var (manifestPages, indexHash) = try writePages(of: course, plan: plan, site: site, prefix: "", writer: writer,
                                                            previousPages: previousPages) { _, page in (page.file, page.sourceSHA256) }
            for lesson in written {
                for image in lesson.images where SitePaths.isLocal(image.target.url) && !image.missing {
                    try writer.copyImage(SitePaths.filePath(image.target.url), from: context.lessonsDirectory)
                }
            }
            try writer.write(context.theme.css, to: "assets/style.css")
            try writer.write(context.theme.searchScript, to: "assets/search.js")
            try writeSearchIndex(of: course, writer: writer)
            // downloads: every written page's Markdown and cells (reused pages too: the folder is new).
            // A reused page's source is unchanged (it is part of the page's key): its files are
            // taken over like the page itself.
            for lesson in written {
                let md = Downloads.markdownPath(lesson), swift = Downloads.swiftPath(lesson)
                let reused = course.pages[lesson.page] == nil
                func old(_ path: String) -> URL? {
                    let u = context.outputDirectory.appendingPathComponent(path)
                    return reused && FileManager.default.fileExists(atPath: u.path) ? u : nil
                }
                if let u = old(md) { try writer.reuse(u, as: md) } else { try writer.write(lesson.source, to: md) }
                guard Downloads.hasProgram(lesson) else { continue }
                if let u = old(swift) { try writer.reuse(u, as: swift) }
                else if let program = Downloads.swiftProgram(lesson) { try writer.write(program, to: swift) }
            }
            // each other language in its folder (`ko/`), with its own index and search index
            for t in course.translations {
                try writeTranslation(t, of: course, writer: writer, manifestPages: &manifestPages, report: &report)
            }
            try writer.copyKaTeXAssets(from: context.renderer.katexDirectory)
            let manifest = Manifest(generator: context.toolKey.generator, katex: context.toolKey.katex,
                highlight: context.toolKey.highlight, themeSHA256: context.toolKey.theme,
                index: Manifest.Page(page: "index.html", source: course.index?.file ?? "",
                                     sourceSHA256: course.index.map(\.sourceSHA256) ?? "",
                                     resultsSHA256: "", inputsSHA256: plan.indexKey,
                                     cellDiagnostics: plan.reuseIndex ? context.previous?.index?.cellDiagnostics
                                         : (indexOut?.diagnostics ?? []).isEmpty ? nil : indexOut?.diagnostics,
                                     pageSHA256: indexHash),
                pages: manifestPages)
            try writer.write(manifest.json(), to: "manifest.json")
            try writer.commit()
        } catch {
            writer.abandon()
            throw error
        }
        report.pagesWritten = written.count
        report.pagesReused = written.filter { course.pages[$0.page] == nil }.count
        report.freshlyRendered = context.renderer.rendered
        report.sourceLanguage = course.language
        return report
    }

    /// One language's pages and front page, in its folder (`prefix`, "" or "ko/"): each page
    /// rendered in this build is written, each current one copied from the previous site. Returns
    /// their manifest entries, each with the hash of its bytes (what lets the next build verify a
    /// page before taking it over), and the front page's hash. `source` names a page's source
    /// file and its hash (a translation's is its catalogue).
    func writePages(of course: Course, plan: ReusePlan, site: SiteContext, prefix: String, writer: SiteWriter,
                    previousPages: [String: Manifest.Page],
                    source: (Lesson, ReusePlan.Page) -> (file: String, sha: String)) throws -> ([Manifest.Page], String) {
        let folder = context.outputDirectory.appendingPathComponent(prefix)
        let byPage = Dictionary(course.lessons.map { ($0.page, $0) }, uniquingKeysWith: { a, _ in a })
        let written = plan.pages.compactMap { byPage[$0.page] }
        var entries: [Manifest.Page] = []
        for (k, page) in plan.pages.enumerated() {
            let lesson = written[k]
            var cellDiagnostics: [Diagnostic]?, failing: Int?
            let bytesHash: String
            if let out = course.pages[page.page] {
                bytesHash = try writer.write(site.page(lesson, out, prev: k > 0 ? written[k - 1] : nil,
                                                       next: k + 1 < written.count ? written[k + 1] : nil), to: prefix + page.page)
                cellDiagnostics = out.cellDiagnostics; failing = out.failingCells
            } else {
                bytesHash = try writer.reuse(folder.appendingPathComponent(page.page), as: prefix + page.page)
                cellDiagnostics = previousPages[page.page]?.cellDiagnostics; failing = previousPages[page.page]?.failingCells
            }
            let (file, sha) = source(lesson, page)
            entries.append(Manifest.Page(page: prefix + page.page, source: file,
                sourceSHA256: sha, resultsSHA256: page.resultsSHA256, inputsSHA256: page.key,
                previous: page.previous.map { prefix + $0 }, next: page.next.map { prefix + $0 },
                failingCells: (failing ?? 0) > 0 ? failing : nil,
                cellDiagnostics: (cellDiagnostics ?? []).isEmpty ? nil : cellDiagnostics, pageSHA256: bytesHash))
        }
        let indexHash = plan.reuseIndex
            ? try writer.reuse(folder.appendingPathComponent("index.html"), as: prefix + "index.html")
            : try writer.write(site.index(written, intro: course.pages["index.html"]), to: prefix + "index.html")
        return (entries, indexHash)
    }

    /// A course's search index in its language's file: made in this build, or taken over from
    /// the previous site when made from the same pages (see BuildSearchIndex).
    func writeSearchIndex(of course: Course, writer: SiteWriter) throws {
        let file = BuildSearchIndex.file(for: course)
        if let index = course.searchIndex {
            try writer.write(index, to: file)
        } else if course.searchIndexKey != nil {
            try writer.reuse(context.outputDirectory.appendingPathComponent(file), as: file)
        } else {
            try writer.write("window.LESSONS_SEARCH={\"docs\":[],\"words\":[],\"postings\":[]};\n", to: file)
        }
    }
}
