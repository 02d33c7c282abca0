import Foundation

extension SiteRenderer {
    /// Writes one translation into its folder (`ko/`): its pages and index (each rendered, or
    /// copied from the previous site when current), its search index (`assets/search-index.ko.js`),
    /// and its pages in the one manifest (`ko/x.html`, whose source is the catalogue). Images,
    /// downloads and assets are the source's (the pages link `../`).
    func writeTranslation(_ t: Course, of source: Course, writer: SiteWriter,
                          manifestPages: inout [Manifest.Page], report: inout BuildReport) throws {
        guard let plan = t.plan else { return }
        let prefix = t.sitePrefix
        let sourceLessons = Dictionary(source.lessons.map { ($0.file, $0) } + (source.index.map { [($0.file, $0)] } ?? []),
                                       uniquingKeysWith: { a, _ in a })

        // what the translation reports: its own findings (untranslated, outdated, bad catalogue),
        // then what a later stage found in translated text only, moved to the catalogue's line
        func found(_ lesson: Lesson, _ rendered: [Diagnostic]) -> [Diagnostic] {
            let seen = Set((sourceLessons[lesson.file].map { $0.diagnostics + $0.pageErrors } ?? []).map(\.description))
            let info = t.translationInfo[lesson.file]
            let own = lesson.pageErrors
            let later = (lesson.diagnostics + rendered).filter { !seen.contains($0.description) && $0.file == lesson.file }
            return own + later.map { d in
                guard let info, let line = info.catalogueLines[d.line] else { return d }
                return Diagnostic(file: info.catalogue, line: line, severity: d.severity,
                                  message: "in the \(t.language) translation of \(d.file):\(d.line): \(d.message)")
            }
        }
        for lesson in t.lessons {
            let out = t.pages[lesson.page]
            report.diagnostics += found(lesson, out?.diagnostics ?? [])
        }
        if let index = t.index { report.diagnostics += found(index, t.pages["index.html"]?.diagnostics ?? []) }

        var site = SiteContext(theme: context.theme, katexVersion: context.renderer.katexVersion,
                               highlightVersion: context.renderer.highlightVersion, siteTitle: t.title)
        site.language = t.language; site.languages = t.languages; site.strings = .for(t.language)
        let byPage = Dictionary(t.lessons.map { ($0.page, $0) }, uniquingKeysWith: { a, _ in a })
        let written = plan.pages.compactMap { byPage[$0.page] }
        let previous = context.previous?.subsite(prefix)
        let previousPages = Dictionary((previous?.pages ?? []).map { ($0.page, $0) }, uniquingKeysWith: { a, _ in a })
        let (pages, indexHash) = try writePages(of: t, plan: plan, site: site, prefix: prefix, writer: writer,
                                                previousPages: previousPages) { lesson, page in
            let info = t.translationInfo[lesson.file]
            return (info.map { $0.catalogueExists ? $0.catalogue : lesson.file } ?? lesson.file, info?.sourceSHA256 ?? page.sourceSHA256)
        }
        manifestPages += pages
        let indexInfo = t.index.flatMap { t.translationInfo[$0.file] }
        manifestPages.append(Manifest.Page(page: prefix + "index.html",
            source: indexInfo.map { $0.catalogueExists ? $0.catalogue : t.index!.file } ?? "",
            sourceSHA256: indexInfo?.sourceSHA256 ?? "", resultsSHA256: "", inputsSHA256: plan.indexKey, pageSHA256: indexHash))
        try writeSearchIndex(of: t, writer: writer)
        report.translations.append((language: t.language, pages: written.count + 1))
    }
}
