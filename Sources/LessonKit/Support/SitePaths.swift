import Foundation

/// Where things live in the built site, in one place: a lesson's page, and what a link written
/// in a lesson points at there.
public enum SitePaths {
    /// The page of the lesson whose file is `<slug>.md`.
    public static func page(slug: String) -> String { slug + ".html" }

    /// A page's address relative to the site, percent-encoded (file names may hold spaces or any script).
    public static func href(slug: String) -> String {
        let p = page(slug: slug)
        return p.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? p
    }

    /// A relative URL without a scheme: a file that ships with the lessons.
    public static func isLocal(_ url: String) -> Bool {
        !(url.isEmpty || url.contains("://") || url.hasPrefix("data:") || url.hasPrefix("/") || url.hasPrefix("#") || url.hasPrefix("mailto:"))
    }

    /// Links between lessons are written as the Markdown files (`02-bayes.md#gap`, which also
    /// work on GitHub); on the site they point at the pages (`02-bayes.html#gap`). nil: not such a link.
    public static func pageURL(forLessonLink url: String) -> String? {
        guard isLocal(url) else { return nil }
        let parts = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        guard let path = parts.first, path.hasSuffix(".md"), !path.contains("/") else { return nil }
        return page(slug: String(path.dropLast(3))) + (parts.count > 1 ? "#" + parts[1] : "")
    }

    /// The file a local image or link names, relative to the lessons folder (no fragment, no
    /// percent-encoding).
    public static func filePath(_ url: String) -> String {
        (url.removingPercentEncoding ?? url).split(separator: "#", omittingEmptySubsequences: false).first.map(String.init) ?? url
    }
}
