import Foundation

extension Course {
    /// A translation: not the course's source language.
    public var isTranslation: Bool { !languages.isEmpty && language != languages[0] }

    /// The folder of this language's pages in the site: "" for the source, "ko/" for Korean.
    public var sitePrefix: String { isTranslation ? language + "/" : "" }

    /// This translation with the source's cell results (the same cells, run once). A lesson
    /// the source could not run has none here either.
    func sharingResults(of source: Course) -> Course {
        var t = self
        let byFile = Dictionary(source.lessons.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
        for i in t.lessons.indices {
            guard let s = byFile[t.lessons[i].file] else { continue }
            t.lessons[i].results = s.results
            // "running the cells failed" and the like are the source's diagnostics, reported there
            let own = Set(t.lessons[i].diagnostics)
            t.lessons[i].diagnostics += s.diagnostics.filter { !own.contains($0) && $0.message.hasPrefix("running the cells failed") }
        }
        return t
    }

    /// The path of a page of `language` relative to a page of this course ("ko/x.html" from the
    /// source, "../x.html" from Korean back to English).
    func href(page: String, in language: String) -> String {
        let root = isTranslation ? "../" : ""
        let folder = language == languages.first ? "" : language + "/"
        let p = root + folder + page
        return p.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? p
    }
}

extension Manifest {
    /// The part of the manifest about one language's folder (`ko/`), with the folder taken off
    /// the page names, as `ReusePlan` expects of a site.
    func subsite(_ prefix: String) -> Manifest {
        guard !prefix.isEmpty else { return self }
        var m = self
        var pages: [Page] = []
        m.index = nil
        for var p in self.pages where p.page.hasPrefix(prefix) {
            p.page = String(p.page.dropFirst(prefix.count))
            if p.page == "index.html" { m.index = p } else { pages.append(p) }
        }
        m.pages = pages
        return m
    }
}
