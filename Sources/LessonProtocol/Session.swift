// The processes of one lesson program: it starts in a session of its own, and everything it
// starts stays in that session (Foundation's `Process` and `posix_spawn` make new process
// groups, not new sessions). Both sides use this: the runner to count, measure and stop a
// lesson's processes, the lesson program to stop itself and its children when the runner is gone.

#if canImport(Glibc)
import Glibc
#endif

public enum Session {
    public struct Member: Equatable, Sendable {
        public var pid: pid_t
        public var parent: pid_t
        public var group: pid_t
        /// Resident memory in bytes.
        public var residentBytes: Int
    }

    /// Processes whose session id is `sid`, from /proc (field 6 of /proc/PID/stat).
    public static func members(of sid: pid_t) -> [Member] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var out: [Member] = []
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = pid_t(name), let stat = readSmallFile("/proc/\(name)/stat") else { continue }
            // "pid (comm) state ppid pgrp session tty_nr tpgid flags ... rss(24)": comm may hold
            // spaces and parentheses, so fields are counted after the last ')'.
            guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { continue }
            let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
            func field(_ n: Int) -> Int? { n - 3 < fields.count ? Int(String(decoding: fields[n - 3], as: UTF8.self)) : nil }
            // Field numbers as in proc(5): 3 state, 4 ppid, 5 pgrp, 6 session, 24 rss.
            guard let s = field(6), s == Int(sid), let ppid = field(4), let pgrp = field(5) else { continue }
            // A zombie (state Z) holds no memory and can do nothing; it still counts as a process.
            out.append(Member(pid: pid, parent: pid_t(ppid), group: pid_t(pgrp), residentBytes: (field(24) ?? 0) * page))
        }
        return out
    }

    /// Sends SIGKILL to every process of the session but `except`, until none is left (a fork
    /// bomb keeps forking while it is being killed). Returns how many rounds it took.
    @discardableResult
    public static func killAll(_ sid: pid_t, except: pid_t = -1) -> Int {
        var rounds = 0
        while rounds < 1000 {
            rounds += 1
            // The session leader's group in one call (the kernel signals a whole group at once),
            // unless the caller is in it.
            if except < 0 { kill(-sid, SIGKILL) }
            let left = members(of: sid).filter { $0.pid != except && !isZombie($0.pid) }
            if left.isEmpty { break }
            for m in left { kill(m.pid, SIGKILL) }
            if rounds > 1 { usleep(1000) }
        }
        return rounds
    }

    public static func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = readSmallFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: UInt8(ascii: ")")),
              close + 2 < stat.count else { return true }
        return stat[close + 2] == UInt8(ascii: "Z") || stat[close + 2] == UInt8(ascii: "X")
    }

    static func readSmallFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 1024)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buf.prefix(n)) : nil
    }
}
