// The protocol between a generated lesson program and the cell runner (LessonKit/Execution).
//
// The runner sets LESSONS_RUN_DIR to a fresh directory and compiles the lesson into one
// program that calls `_LessonRuntime.begin(cell:timeout:)` before each cell. Per cell:
//   DIR/cell-N.out   the cell's stdout (fd 1 is redirected there)
//   DIR/cell-N.err   the cell's stderr (trap messages land here)
//   DIR/events.jsonl one JSON object a line: begin, rich outputs (with the stdout offset
//                    they follow, so text and figures keep their order), failed expects,
//                    timeouts, should-trap outcomes, data files read, end.
// Rich outputs go through the side channel, never stdout, so a cell cannot forge them.
// Without LESSONS_RUN_DIR (a program run by hand) everything is printed as text.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Entry points used by generated lesson programs. Not for lesson authors.
public enum _LessonRuntime {
    nonisolated(unsafe) static var runDir: String? = nil
    nonisolated(unsafe) static var eventsFD: Int32 = -1
    nonisolated(unsafe) static var currentCell = -1
    nonisolated(unsafe) static var trapChild: pid_t = 0            // a should-trap cell's forked child
    // The timeout event is formatted before the cell starts, so the SIGALRM handler only calls
    // async-signal-safe functions (write, kill, _exit); no watchdog thread either, which would
    // get in the way of the crash backtracer.
    nonisolated(unsafe) static let timeoutEvent = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
    nonisolated(unsafe) static var timeoutEventLength = 0
    static let lock = NSLockish()

    /// Called once, first thing in the program.
    public static func start() {
        let env = getenv("LESSONS_RUN_DIR").map { String(cString: $0) }
        guard let dir = env, !dir.isEmpty else { return }
        runDir = dir
        eventsFD = open(dir + "/events.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        // A runaway print loop must not fill the disk: cap file sizes and make writes past the
        // cap fail quietly (EFBIG) instead of killing the process with SIGXFSZ.
        if let capText = getenv("LESSONS_FILE_SIZE_LIMIT"), let cap = UInt64(String(cString: capText)) {
            var lim = rlimit(rlim_cur: rlim_t(cap), rlim_max: rlim_t(cap))
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &lim)
            signal(SIGXFSZ, SIG_IGN)
        }
        // Line-buffered so text printed just before a trap is not lost in a stdio buffer.
        setvbuf(stdout, nil, _IOLBF, 0)
        // The parent may have spawned us with signals blocked (Foundation's Process does).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGALRM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGALRM) { _ in
            if _LessonRuntime.trapChild != 0 { kill(_LessonRuntime.trapChild, SIGKILL) }
            _ = write(_LessonRuntime.eventsFD, _LessonRuntime.timeoutEvent, _LessonRuntime.timeoutEventLength)
            _exit(124)
        }
    }

    /// Called before each cell: routes stdout/stderr to the cell's files and arms its time limit.
    public static func begin(cell: Int, timeout: Double) {
        guard let dir = runDir else { return }
        fflush(stdout); fflush(stderr)
        redirect(fd: 1, to: "\(dir)/cell-\(cell).out")
        redirect(fd: 2, to: "\(dir)/cell-\(cell).err")
        lock.withLock { currentCell = cell }
        arm(timeout: 0)
        let te = Array("{\"c\":\(cell),\"k\":\"timeout\"}\n".utf8.prefix(64))
        for (i, b) in te.enumerated() { timeoutEvent[i] = b }
        timeoutEventLength = te.count
        event(["k": .s("begin"), "c": .i(cell)])
        arm(timeout: timeout)
    }

    /// Called after the last cell.
    public static func end() {
        guard runDir != nil else { return }
        fflush(stdout); fflush(stderr)
        arm(timeout: 0)
        event(["k": .s("end")])
    }

    /// For a `should-trap` cell: forks; returns true in the child, which runs the cell and must
    /// trap. The parent waits, records the outcome and returns false, so the lesson goes on.
    public static func forkForTrap(cell: Int) -> Bool {
        guard runDir != nil else { return true }
        fflush(stdout); fflush(stderr)
        var remaining = itimerval()
        getitimer(__itimer_which_t(ITIMER_REAL.rawValue), &remaining)
        let pid = fork()
        if pid == 0 {
            // Timers are not inherited. Normally the parent's alarm kills this child; give the
            // child its own, a second later, so it cannot outlive a parent killed by the runner.
            if remaining.it_value.tv_sec != 0 || remaining.it_value.tv_usec != 0 {
                remaining.it_value.tv_sec += 1
                setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &remaining, nil)
            }
            return true
        }
        if pid < 0 { event(["k": .s("error"), "c": .i(cell), "m": .s("fork failed")]); return false }
        trapChild = pid
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        trapChild = 0
        let signaled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        if signaled {
            event(["k": .s("trapped"), "c": .i(cell), "sig": .i(Int(status & 0x7f))])
        } else {
            event(["k": .s("exited"), "c": .i(cell), "code": .i(Int((status >> 8) & 0xff))])
        }
        return false
    }

    /// Reached in a should-trap child when its cell finished without trapping.
    public static func didNotTrap(cell: Int) -> Never {
        fflush(stdout); fflush(stderr)
        event(["k": .s("notrap"), "c": .i(cell)])
        _exit(0)
    }

    // MARK: internals

    static func redirect(fd: Int32, to path: String) {
        // O_APPEND: a should-trap child and its parent share the file without clobbering.
        let f = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard f >= 0 else { return }
        dup2(f, fd)
        close(f)
    }

    /// Arms (or with 0, disarms) the cell's wall-clock limit.
    static func arm(timeout: Double) {
        let t = max(0, timeout)
        var it = itimerval()
        it.it_value.tv_sec = Int(t)
        it.it_value.tv_usec = Int((t - t.rounded(.down)) * 1e6)
        setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &it, nil)
    }

    /// Offset in the current cell's stdout file, so the runner can interleave text and rich output.
    static func stdoutOffset() -> Int {
        fflush(stdout)
        return Int(lseek(1, 0, SEEK_CUR))
    }

    enum J { case s(String), i(Int), d(Double) }

    static func event(_ fields: [String: J]) {
        guard eventsFD >= 0 else { return }
        var out = "{"
        for (n, (k, v)) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
            if n > 0 { out += "," }
            out += jsonString(k) + ":"
            switch v {
            case .s(let s): out += jsonString(s)
            case .i(let i): out += String(i)
            case .d(let d): out += d.isFinite ? String(d) : "null"
            }
        }
        out += "}\n"
        var bytes = Array(out.utf8)
        // One write(2) per event with O_APPEND keeps lines whole even across a fork.
        bytes.withUnsafeMutableBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(eventsFD, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if errno == EINTR { continue }; break }
                off += n
            }
        }
    }

    static func jsonString(_ s: String) -> String {
        var r = "\""
        r.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            default:
                if u.value < 0x20 { r += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) }
                else { r.unicodeScalars.append(u) }
            }
        }
        return r + "\""
    }

    /// Emits a rich output, or prints a fallback when not run by the lesson runner.
    static func emit(kind: String, value: String, fallback: @autoclosure () -> String) {
        guard runDir != nil else { print(fallback()); return }
        let (cell) = lock.withLock { currentCell }
        event(["k": .s(kind), "c": .i(cell), "o": .i(stdoutOffset()), "v": .s(value)])
    }
}

/// A tiny mutex (pthread) so the runtime does not need Foundation.
final class NSLockish: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&m); defer { pthread_mutex_unlock(&m) }
        return body()
    }
}
