import Foundation

/// What a Jekyll/Chirpy post needs to build as it is:
/// - `media_subpath:` (Chirpy 7) or the older `img_path:` in the front matter prefixes the
///   post's relative image paths (`media_subpath: /assets/img/vae` and `![x](enc.png)` is
///   `assets/img/vae/enc.png` in the lessons folder: a leading `/` means the lessons folder,
///   where a Jekyll site's root would be);
/// - an `_italic line_` right under an image (Chirpy's caption convention) is its caption.
/// (Chirpy's `{: .prompt-tip }` quotes are `Callouts`; a missing image is `CheckLocalImages`.)
public struct BlogPostConventions: CourseTransform {
    public var name: String { "blog posts" }
    public init() {}

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        var course = course
        course.updateEveryLesson { lesson in
            guard lesson.source.containsUTF8("![") else { return }
            let prefix = Self.mediaPrefix(lesson.frontMatter)
            lesson.blocks = lesson.blocks.map { block in
                var b = block.mapInlines(Self.captioned)
                if let prefix {
                    b = [b].rewritingInlines { inline in
                        guard case .image(var img) = inline, SitePaths.isLocal(img.target.url) || img.target.url.hasPrefix("/"),
                              !img.target.url.contains("://") else { return inline }
                        img.target.url = Self.prefixed(img.target.url, prefix)
                        return .image(img)
                    }[0]
                }
                return b
            }
        }
        return course
    }

    /// The folder (relative to the lessons folder, ending in `/`) that relative images live in.
    static func mediaPrefix(_ fm: FrontMatter) -> String? {
        guard var p = (fm.extra["media_subpath"] ?? fm.extra["img_path"])?.trimmingCharacters(in: CharacterSet(charactersIn: " \"'")),
              !p.isEmpty else { return nil }
        while p.hasPrefix("/") { p.removeFirst() }
        if !p.isEmpty && !p.hasSuffix("/") { p += "/" }
        return p
    }

    /// `enc.png` -> `assets/img/vae/enc.png`; `/assets/x.png` (site-absolute) -> `assets/x.png`.
    static func prefixed(_ url: String, _ prefix: String) -> String {
        if url.hasPrefix("/") { return String(url.drop { $0 == "/" }) }
        return prefix + url
    }

    /// `![alt](a.png)` then, on the next line, `_A caption_`: the caption moves into the image.
    static func captioned(_ content: [Inline]) -> [Inline] {
        var c = content
        while let last = c.last, case .text(let t) = last, t.allSatisfy(\.isWhitespace) { c.removeLast() }
        guard c.count == 3, case .image(var img) = c[0], case .softBreak = c[1], case .emphasis(let caption) = c[2] else { return content }
        img.caption = caption
        return [.image(img)]
    }
}
