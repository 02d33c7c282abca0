import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files and folders a `lessons` process names after its pid: its lesson work folders, the
/// renderer's request files, `check`'s scratch site. A `lessons` killed by SIGKILL runs no
/// cleanup, so the next run removes those whose process is gone.
public enum AbandonedFiles {
    /// Name prefixes of what `lessons` puts in the temporary folder, each followed by its pid.
    public static let renderRequestPrefix = "lessons-render-", checkScratchPrefix = "lessons-check-"

    /// Whether no process `pid` runs (and it is not this one).
    static func ownerIsGone(_ pid: pid_t) -> Bool { pid > 0 && pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH }

    /// Removes the entries of `dir` whose name `pidOf` reads a pid from, once that process is gone.
    static func remove(in dir: URL, pidOf: (String) -> pid_t?) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] {
            if let pid = pidOf(name), ownerIsGone(pid) { try? fm.removeItem(at: dir.appendingPathComponent(name)) }
        }
    }

    /// The pid in a name `prefix` + pid, followed by the end of the name, "-" or ".".
    static func pid(afterPrefix prefix: String) -> (String) -> pid_t? {
        { name in
            guard name.hasPrefix(prefix) else { return nil }
            let digits = name.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
            let rest = name.dropFirst(prefix.count + digits.count)
            guard !digits.isEmpty, rest.isEmpty || rest.hasPrefix("-") || rest.hasPrefix(".") else { return nil }
            return pid_t(digits)
        }
    }

    /// The pid at the end of a name, after its last "-" (the lesson work folders, "name-pid").
    static func pidAtEnd(_ name: String) -> pid_t? {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        return pid_t(name[name.index(after: dash)...])
    }

    /// The temporary folder's entries of `lessons` processes that are gone: the renderer's
    /// request files (`lessons-render-PID-…`) and `check`'s scratch sites (`lessons-check-PID`).
    public static func removeFromTemporaryDirectory() {
        let tmp = FileManager.default.temporaryDirectory
        remove(in: tmp, pidOf: pid(afterPrefix: renderRequestPrefix))
        remove(in: tmp, pidOf: pid(afterPrefix: checkScratchPrefix))
    }
}
