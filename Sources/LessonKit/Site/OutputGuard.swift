import Foundation

/// The output folder is replaced whole by each build, so it must never be a folder the user
/// keeps anything else in: not the lessons, not the cache, not the working directory or any
/// folder above them, and not a non-empty folder that holds no site of ours.
enum OutputGuard {
    struct Refused: Error, CustomStringConvertible { var description: String }

    static func check(output: URL, lessons: URL, cache: URL?, force: Bool,
                      workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws {
        let out = real(output)
        let shown = SiteBuilder.displayPath(output)
        var protected: [(String, URL)] = [("the lessons folder", lessons), ("the working directory", workingDirectory)]
        if let cache { protected.append(("the cache folder", cache)) }
        for (what, url) in protected {
            let p = real(url)
            if p == out || p.hasPrefix(out == "/" ? "/" : out + "/") {
                throw Refused(description: "refusing to write the site into \(shown): it is or contains \(what) (\(url.path)), which the build would delete; choose another --output")
            }
            if out.hasPrefix(p + "/") && what != "the working directory" {
                throw Refused(description: "refusing to write the site into \(shown): it lies inside \(what) (\(url.path)); choose an --output outside it")
            }
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: out, isDirectory: &isDir) else { return }
        guard isDir.boolValue else {
            throw Refused(description: "refusing to replace \(shown): it is a file, not a site folder; remove it or choose another --output")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        if !names.isEmpty, !names.contains("manifest.json"), !force {
            throw Refused(description: "refusing to replace \(shown): it is not empty and holds no site built by lessons (no manifest.json); remove it, choose another --output, or pass --force")
        }
    }

    /// The path with symlinks resolved, so that a link to the lessons folder is caught too.
    static func real(_ url: URL) -> String { url.resolvingSymlinksInPath().standardizedFileURL.path }
}
