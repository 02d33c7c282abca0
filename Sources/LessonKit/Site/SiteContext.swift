import Foundation

/// Fills the theme's templates. Everything here is derived from the inputs only (no dates,
/// no absolute paths), so the same inputs give the same bytes.
struct SiteContext {
    var theme: Theme
    var katexVersion: String
    var highlightVersion: String
    var siteTitle: String
    /// The pages' language, the course's languages (the source first) and the labels.
    var language = "en"
    var languages: [String] = []
    var strings = InterfaceStrings.english

    /// The way up from this language's folder to the site's root ("" or "../").
    private var root: String { !languages.isEmpty && language != languages[0] ? "../" : "" }

    /// What every page of this language shows around its body: its language, labels and switcher.
    private func common(page: String) -> [String: Any] {
        let s = strings
        var ctx: [String: Any] = [
            "lang": language, "root": root,
            "t_contents": s.contents, "t_previous": s.previous, "t_next": s.next,
            "t_pager": s.pagerLabel, "t_pager_end": s.pagerEndLabel,
            "t_search": s.search, "t_search_label": s.searchLabel, "t_no_results": s.noResults,
            "t_download": s.download, "t_markdown_source": s.markdownSource, "t_cells_swift": s.cellsAsSwift,
            "t_failed_cells": s.failedCells,
            "search_index": root.isEmpty ? "search-index.js" : "search-index.\(language).js",
            "t_languages": s.languageSwitcherLabel,
        ]
        // the switcher: every language's copy of this page (the same name in each folder)
        let alternates: [[String: Any]] = languages.map { l in
            let folder = l == languages.first ? "" : l + "/"
            let href = (root + folder + page).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? page
            return ["code": l, "name": InterfaceStrings.for(l).languageName, "href": href, "current": l == language]
        }
        ctx["languages"] = alternates.count > 1 ? alternates : []
        ctx["has_languages"] = alternates.count > 1
        return ctx
    }

    private func link(_ l: Lesson?) -> Any {
        guard let l else { return false }
        return ["href": SitePaths.href(slug: l.slug), "title": l.title]
    }

    private var provenance: String { "lessons \(LessonKitInfo.version) · KaTeX \(katexVersion) · highlight.js \(highlightVersion)" }

    func page(_ lesson: Lesson, _ out: PageRenderer.Output, prev: Lesson?, next: Lesson?) -> String {
        let fm = lesson.frontMatter
        let toc: [[String: Any]] = out.toc.map { ["id": $0.heading.id, "html": $0.html, "level": $0.heading.level, "sub": $0.heading.level > 2] }
        var ctx = common(page: lesson.page)
        ctx.merge([
            "site_title": siteTitle,
            "title": lesson.title,
            "body": out.body,
            "toc": toc,
            "has_toc": !toc.isEmpty,
            "prev": link(prev),
            "next": link(next),
            "source": lesson.file,
            "source_sha": String(lesson.sourceSHA256.prefix(12)),
            "provenance": provenance,
            "footer": strings.footer(source: lesson.file, sha: String(SHA256.hex(lesson.source).prefix(12)), provenance: provenance),
            "failing_cells": out.failingCells,
            "has_failures": out.failingCells > 0,
            "source_href": root + Downloads.href(Downloads.markdownPath(lesson)),
            "cells_href": Downloads.hasProgram(lesson) ? root + Downloads.href(Downloads.swiftPath(lesson)) as Any : false,
            "tags": fm.tags,
            "has_tags": !fm.tags.isEmpty,
        ] as [String: Any], uniquingKeysWith: { _, b in b })
        let byline = [fm.date, fm.author].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
        ctx["byline"] = byline
        ctx["has_byline"] = !byline.isEmpty
        if let s = fm.summary { ctx["summary"] = s }
        if let d = fm.date { ctx["date"] = d }
        if let a = fm.author { ctx["author"] = a }
        return theme.page.render(ctx)
    }

    func index(_ lessons: [Lesson], intro: PageRenderer.Output?) -> String {
        let items: [[String: Any]] = lessons.enumerated().map { k, l in
            var d: [String: Any] = ["href": SitePaths.href(slug: l.slug), "title": l.title, "number": k + 1]
            if let s = l.frontMatter.summary { d["summary"] = s }
            return d
        }
        var ctx = common(page: "index.html")
        ctx.merge([
            "site_title": siteTitle,
            "title": siteTitle,
            "intro": intro?.body ?? "",
            "lessons": items,
            "provenance": provenance,
            "footer": strings.footer(source: nil, sha: "", provenance: provenance),
        ] as [String: Any], uniquingKeysWith: { _, b in b })
        return theme.index.render(ctx)
    }
}
