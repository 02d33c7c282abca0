// The writer side of the runner protocol (the event type is LessonProtocol.RunnerEvent; the
// reader is LessonKit/Execution/Collector.swift).
//
// The runner starts the program with `ProgramArguments` (an inherited event pipe, the run
// directory, the thread budget) and compiles the lesson into one program that calls
// `_LessonRuntime.begin(cell:timeout:)` before each cell. Per cell:
//   DIR/cell-N.out   the cell's stdout (fd 1 is redirected there)
//   DIR/cell-N.err   the cell's stderr (trap messages land here)
//   event pipe       begin, rich outputs (with the stdout offset they follow, so text and
//                    figures keep their order), failed expects, should-trap outcomes, data
//                    files read, output errors, end.
// The runner decides outcomes from the exit status and signal and enforces every limit (cell
// and lesson time, processes, memory) from outside; this side only reports where it is.
// Without the runner's arguments (a program run by hand) everything is printed as text.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LessonProtocol
import VAE

/// Entry points used by generated lesson programs. Not for lesson authors.
public enum _LessonRuntime {
    nonisolated(unsafe) static var runDir: String? = nil
    nonisolated(unsafe) static var eventsFD: Int32 = -1
    nonisolated(unsafe) static var currentCell = -1
    /// Cores this lesson may use, from the runner (`ProgramArguments.threads`); nil when run by
    /// hand. The generated program hands it to the engine before the first cell.
    public nonisolated(unsafe) private(set) static var threadBudget: Int? = nil
    /// Where trained models are kept (`ProgramArguments.modelCache`); nil when run by hand.
    nonisolated(unsafe) static var modelCacheDirectory: String? = nil
    /// How a should-trap cell is forked; replaceable only so a test can make fork fail.
    public nonisolated(unsafe) static var _fork: () -> pid_t = { fork() }
    static let lock = NSLockish()

    /// Called once, first thing in the program.
    public static func start() {
        guard let args = ProgramArguments.parse(CommandLine.arguments) else { return }
        runDir = args.runDirectory
        threadBudget = args.threads
        modelCacheDirectory = args.modelCache
        if let d = args.dataDirectory { FashionMNIST.directory = d }
        // Take the event pipe: a high descriptor, closed on exec (a program a cell starts does
        // not inherit it), and the inherited number closed, so a cell writing to fd 3 by
        // mistake gets EBADF instead of speaking for the runtime.
        eventsFD = fcntl(args.eventsFD, F_DUPFD_CLOEXEC, 500)
        close(args.eventsFD)
        // Line-buffered so text printed just before a trap is not lost in a stdio buffer.
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    /// Called before each cell: routes stdout/stderr to the cell's files and tells the runner,
    /// which arms the cell's time limit.
    public static func begin(cell: Int, timeout: Double) {
        guard let dir = runDir else { return }
        finishCellOutput()
        redirect(fd: 1, to: "\(dir)/cell-\(cell).out")
        redirect(fd: 2, to: "\(dir)/cell-\(cell).err")
        lock.withLock { currentCell = cell }
        send(.begin(cell: cell, timeout: timeout.isFinite ? max(0, timeout) : 0))
    }

    /// Called after the last cell.
    public static func end() {
        guard runDir != nil else { return }
        finishCellOutput()
        send(.end)
    }

    /// For a `should-trap` cell: forks; returns true in the child, which runs the cell and must
    /// trap. The parent waits, records the outcome and returns false, so the lesson goes on.
    /// The runner's time limit covers the child too: it stops the whole session.
    public static func forkForTrap(cell: Int) -> Bool {
        guard runDir != nil else { return true }
        fflush(stdout); fflush(stderr)
        let pid = _fork()
        if pid == 0 { return true }
        if pid < 0 {
            send(.trapOutcome(cell: cell, outcome: .forkFailed(errno: errno)))
            return false
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let sig = status & 0x7f
        if sig != 0 && sig != 0x7f {
            send(.trapOutcome(cell: cell, outcome: .trapped(signal: sig)))
        } else {
            send(.trapOutcome(cell: cell, outcome: .exited(status: (status >> 8) & 0xff)))
        }
        return false
    }

    /// Reached in a should-trap child when its cell finished without trapping.
    public static func didNotTrap(cell: Int) -> Never {
        finishCellOutput()
        send(.trapOutcome(cell: cell, outcome: .didNotTrap))
        _exit(0)
    }

    // MARK: internals

    /// Flushes the cell's stdout/stderr and reports a write that failed (disk full, the file
    /// size limit): the page must not show a cut output as if it were complete.
    static func finishCellOutput() {
        let outFailed = fflush(stdout) != 0 || ferror(stdout) != 0
        let errFailed = fflush(stderr) != 0 || ferror(stderr) != 0
        let cell = lock.withLock { currentCell }
        if (outFailed || errFailed) && cell >= 0 {
            send(.outputFailed(cell: cell, stream: outFailed ? .stdout : .stderr))
        }
        clearerr(stdout); clearerr(stderr)
    }

    static func redirect(fd: Int32, to path: String) {
        // O_APPEND: a should-trap child and its parent share the file without clobbering.
        let f = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard f >= 0 else { return }
        dup2(f, fd)
        close(f)
    }

    /// Offset in the current cell's stdout file, so the runner can interleave text and rich output.
    static func stdoutOffset() -> Int {
        fflush(stdout)
        return Int(lseek(1, 0, SEEK_CUR))
    }

    /// Writes one event with one write(2) where the pipe allows (lines up to PIPE_BUF are
    /// atomic; longer ones are written under the lock, and a should-trap child runs while its
    /// parent waits, so lines never interleave). A short write that cannot be completed is
    /// left cut: the reader counts the cut line as malformed and says so.
    public static func send(_ e: RunnerEvent) {
        guard eventsFD >= 0 else { return }
        let bytes = EventCodec.encode(e)
        lock.withLock {
            bytes.withUnsafeBytes { buf in
                var off = 0
                while off < buf.count {
                    let n = write(eventsFD, buf.baseAddress! + off, buf.count - off)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    off += n
                }
            }
        }
    }

    /// Emits a rich output, or prints a fallback when not run by the lesson runner.
    static func emit(kind: RichKind, value: String, fallback: @autoclosure () -> String) {
        guard runDir != nil else { print(fallback()); return }
        let cell = lock.withLock { currentCell }
        send(.rich(cell: cell, offset: stdoutOffset(), kind: kind, value: value))
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
