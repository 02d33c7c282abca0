import Foundation
import Mustache

/// The page and index templates and the stylesheet. Embedded in LessonKit's resources; a
/// `theme/` folder beside the lessons folder overrides any of them file by file.
public struct Theme {
    public static let files = ["page.mustache", "index.mustache", "style.css", "search.js"]
    public var page: MustacheTemplate
    public var index: MustacheTemplate
    public var css: String
    /// The search box's script (`assets/search.js`).
    public var searchScript: String
    /// Hash of the theme's text, part of every page's provenance in the manifest.
    public var hash: String

    public init(overrideDirectory: URL?, resources: Resources) throws {
        var texts: [String: String] = [:]
        for name in Self.files {
            if let dir = overrideDirectory, let s = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) {
                texts[name] = s
            } else if let url = resources.url("theme/" + name), let s = try? String(contentsOf: url, encoding: .utf8) {
                texts[name] = s
            } else {
                throw RenderError(description: "theme file \(name) not found in LessonKit's resources")
            }
        }
        func template(_ name: String) throws -> MustacheTemplate {
            do { return try MustacheTemplate(string: texts[name]!) } catch {
                throw RenderError(description: "\(overrideDirectory.map { $0.appendingPathComponent(name).path } ?? name): bad template: \(error)")
            }
        }
        page = try template("page.mustache")
        index = try template("index.mustache")
        css = texts["style.css"]!
        searchScript = texts["search.js"]!
        hash = SHA256.hex(Self.files.map { texts[$0]! }.joined(separator: "\u{0}"))
    }
}
