import Foundation

/// Fills the theme's templates. Everything here is derived from the inputs only (no dates,
/// no absolute paths), so the same inputs give the same bytes.
struct SiteContext {
    var theme: Theme
    var katexVersion: String
    var highlightVersion: String
    var siteTitle: String

    private func link(_ l: Lesson?) -> Any {
        guard let l else { return false }
        return ["href": SitePaths.href(slug: l.slug), "title": l.title]
    }

    private var provenance: String { "lessons \(LessonKitInfo.version) · KaTeX \(katexVersion) · highlight.js \(highlightVersion)" }

    func page(_ lesson: Lesson, _ out: PageRenderer.Output, prev: Lesson?, next: Lesson?) -> String {
        let fm = lesson.frontMatter
        let toc: [[String: Any]] = out.toc.map { ["id": $0.heading.id, "html": $0.html, "level": $0.heading.level, "sub": $0.heading.level > 2] }
        var ctx: [String: Any] = [
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
            "failing_cells": out.failingCells,
            "has_failures": out.failingCells > 0,
            "source_href": Downloads.href(Downloads.markdownPath(lesson)),
            "cells_href": Downloads.hasProgram(lesson) ? Downloads.href(Downloads.swiftPath(lesson)) as Any : false,
            "tags": fm.tags,
            "has_tags": !fm.tags.isEmpty,
        ]
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
        let ctx: [String: Any] = [
            "site_title": siteTitle,
            "title": siteTitle,
            "intro": intro?.body ?? "",
            "lessons": items,
            "provenance": provenance,
        ]
        return theme.index.render(ctx)
    }
}
