// Running the compiler and lesson programs contained (issue 17, items 2-5):
//   - each child starts in a session of its own (its processes, and theirs, stay in it: the
//     `Process` class and `posix_spawn` make new groups, not new sessions), with an empty signal
//     mask, default signal actions and only the descriptors it is given (CLessonSpawn);
//   - the runner waits for the child's pid, not for its pipes to close, so a background process
//     a cell started cannot hold the build;
//   - every limit is enforced here, from the parent: the lesson's and each cell's time (armed by
//     the `begin` event), the number of processes and the memory of the session (sampled from
//     /proc); the child cannot disarm them;
//   - when the child ends, hits a limit, or `lessons` gets SIGINT/SIGTERM, every process of its
//     session is killed; if `lessons` dies by SIGKILL, the child's guardian sees its lifeline
//     pipe close, kills the session and removes the work folder (see lesson_spawn.h).

import CLessonSpawn
import Foundation
import LessonProtocol
#if canImport(Glibc)
import Glibc
#endif

struct ProcessOutcome {
    enum End: Equatable { case exited(Int32), signaled(Int32), timedOut }
    var end: End
    /// Merged stdout and stderr when captured (the compiler's diagnostics).
    var stderr: String
    var seconds: Double
    var pid: Int32 = 0
}

/// Why the runner stopped a lesson program.
enum StopReason: Equatable {
    case cellTimedOut(cell: Int, seconds: Double)
    case lessonTimedOut(seconds: Double)
    case processLimit(Int)
    case memoryLimit(bytes: Int)
}

/// Limits the parent enforces on a lesson program's session.
struct ContainmentLimits: Equatable {
    var lessonTimeout: Double
    /// Processes alive at once in the lesson's session (the program counts as one).
    var maxProcesses: Int
    /// Resident memory of the session's processes, summed (a forked should-trap copy shares
    /// pages with its parent and is counted in full: the sum errs on the high side).
    var maxMemoryBytes: Int
    /// RLIMIT_FSIZE of the program: only stops a disk-filling loop; far above the shown limit.
    var fileSizeLimit: Int
    /// Where to make a pids cgroup for the lesson (nil, or not allowed: the sampled count only).
    var cgroupParent: URL? = nil
}

/// What happened to a lesson program.
struct LessonRun {
    var end: ProcessOutcome.End
    var stopped: StopReason?
    var events: [RunnerEvent]
    /// Lines on the event pipe that were not events.
    var malformedEvents: Int
    var seconds: Double
    var pid: Int32
    var peakProcesses: Int
    var peakMemoryBytes: Int
}

enum Subprocess {
    /// Runs the compiler (or another tool): merged stdout and stderr captured, killed with its
    /// whole session after `timeout` seconds.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String],
                    directory: URL? = nil, cleanup: URL? = nil, timeout: Double) throws -> ProcessOutcome {
        let output = try Pipes.make()
        defer { output.closeBoth() }
        let start = Date()
        let (pid, lifeline) = try spawn(executable, arguments, environment: environment, directory: directory,
                                        stdout: output.write, stderr: output.write, inherit: [], cleanup: cleanup, cgroup: nil, fileSizeLimit: 0)
        defer { lifeline.closeBoth() }
        output.closeWrite()
        var captured: [UInt8] = []
        var timedOut = false
        let status = Supervisor.supervise(pid: pid.guardian, readers: [output.read], deadline: { start.addingTimeInterval(timeout) },
                                          onData: { _, bytes in captured += bytes }, onTick: { expired in
            if expired { timedOut = true; return true }
            return false
        })
        let seconds = Date().timeIntervalSince(start)
        let text = String(decoding: captured, as: UTF8.self)
        if timedOut { return ProcessOutcome(end: .timedOut, stderr: text, seconds: seconds, pid: pid.program) }
        return ProcessOutcome(end: status, stderr: text, seconds: seconds, pid: pid.program)
    }

    /// Runs a lesson program: `ProgramArguments` after `arguments`, stdout/stderr to the given
    /// files (the runtime moves them to each cell's files), events read as they come so the
    /// cell's time limit is armed when the cell begins.
    static func runLesson(_ executable: URL, environment: [String: String], directory: URL, runDirectory: URL,
                          workDirectory: URL?, threads: Int?, modelCache: URL? = nil, dataDirectory: URL? = nil, cellTimeout: @escaping (Int, Double) -> Double,
                          limits: ContainmentLimits) throws -> LessonRun {
        let events = try Pipes.make()
        defer { events.closeBoth() }
        let out = try openForWriting(runDirectory.appendingPathComponent("prelude.out"))
        let err = try openForWriting(runDirectory.appendingPathComponent("prelude.err"))
        defer { close(out); close(err) }
        let args = ProgramArguments(eventsFD: 3, runDirectory: runDirectory.path, threads: threads, modelCache: modelCache?.path,
                                    dataDirectory: dataDirectory?.path)
        // The limit counts the guardian, which is in the cgroup too.
        let cgroup = limits.cgroupParent.flatMap { ProcessCgroup.make(parent: $0, limit: limits.maxProcesses + 1) }
        defer { cgroup?.remove() }
        let start = Date()
        let (ids, lifeline) = try spawn(executable, args.arguments, environment: environment, directory: directory,
                                        stdout: out, stderr: err, inherit: [events.write], cleanup: workDirectory,
                                        cgroup: cgroup?.directory, fileSizeLimit: limits.fileSizeLimit)
        defer { lifeline.closeBoth() }
        let pid = ids.guardian
        // Only the child holds the event pipe's write end now: its end of file means every
        // process that inherited it is gone.
        events.closeWrite()

        var reader = EventLineReader()
        var received: [RunnerEvent] = []
        var cellDeadline: (cell: Int, at: Date, seconds: Double)?
        var stopped: StopReason?
        var peakProcesses = 1, peakMemory = 0
        var nextSample = Date().addingTimeInterval(0.1)
        let lessonDeadline = start.addingTimeInterval(limits.lessonTimeout)
        let status = Supervisor.supervise(pid: pid, readers: [events.read], deadline: {
            min(lessonDeadline, cellDeadline?.at ?? .distantFuture)
        }, onData: { _, bytes in
            for e in reader.feed(bytes) {
                received.append(e)
                if case .begin(let cell, let t) = e {
                    let secs = cellTimeout(cell, t)
                    cellDeadline = (cell, Date().addingTimeInterval(secs), secs)
                }
                if case .end = e { cellDeadline = nil }
            }
        }, onTick: { expired in
            guard stopped == nil else { return true }
            if expired {
                if let c = cellDeadline, c.at <= Date() { stopped = .cellTimedOut(cell: c.cell, seconds: c.seconds) }
                else { stopped = .lessonTimedOut(seconds: limits.lessonTimeout) }
                return true
            }
            // Processes and memory twice a second: a scan of /proc costs ~8 ms here (see
            // Session.members), 1.5% of a core a running lesson at this rate.
            guard Date() >= nextSample else { return false }
            nextSample = Date().addingTimeInterval(0.5)
            // The guardian (the session's leader, a copy of lessons) is not the lesson's.
            let members = Session.members(of: pid).filter { !$0.zombie && $0.pid != pid }
            let memory = members.reduce(0) { $0 + $1.residentBytes }
            peakProcesses = max(peakProcesses, members.count)
            peakMemory = max(peakMemory, memory)
            if members.count > limits.maxProcesses || (cgroup?.refusedForks ?? 0) > 0 {
                stopped = .processLimit(limits.maxProcesses)
                return true
            }
            if memory > limits.maxMemoryBytes { stopped = .memoryLimit(bytes: limits.maxMemoryBytes); return true }
            return false
        })
        reader.finish()
        return LessonRun(end: status, stopped: stopped, events: received, malformedEvents: reader.malformed,
                         seconds: Date().timeIntervalSince(start), pid: ids.program, peakProcesses: peakProcesses, peakMemoryBytes: peakMemory)
    }

    static func openForWriting(_ url: URL) throws -> Int32 {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExecutionSetupError("cannot create \(url.path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Starts `executable` under a guardian in a session of its own (see lesson_spawn.h) and
    /// registers the session, so SIGINT or SIGTERM of `lessons` stops it (see `ChildSessions`).
    /// Returns the guardian's pid (the session id; wait for it) and the program's, and the
    /// lifeline pipe: close it once the guardian has been waited for.
    static func spawn(_ executable: URL, _ arguments: [String], environment: [String: String], directory: URL?,
                      stdout: Int32, stderr: Int32, inherit: [Int32], cleanup: URL?, cgroup: URL?, fileSizeLimit: Int) throws
        -> ((guardian: pid_t, program: pid_t), Pipes) {
        ChildSessions.shared.installTerminationHandlers()
        let lifeline = try Pipes.make()
        let argv = CStrings([executable.path] + arguments)
        let envp = CStrings(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        defer { argv.free(); envp.free(); lifeline.closeRead() }
        var guardian: pid_t = 0, program: pid_t = 0
        let err: Int32 = executable.path.withCString { path in
            (directory?.path ?? "").withCString { dir in
                (cleanup?.path ?? "").withCString { clean in
                  (cgroup?.path ?? "").withCString { group in
                    inherit.withUnsafeBufferPointer { fds in
                        var r = lk_spawn_request(path: path, argv: argv.pointer, envp: envp.pointer,
                                                 directory: directory == nil ? nil : dir,
                                                 stdin_fd: -1, stdout_fd: stdout, stderr_fd: stderr,
                                                 inherit_fds: fds.baseAddress, inherit_count: Int32(fds.count),
                                                 lifeline_fd: lifeline.read, cleanup_path: cleanup == nil ? nil : clean,
                                                 cgroup_dir: cgroup == nil ? nil : group,
                                                 file_size_limit: Int64(fileSizeLimit))
                        return ChildSessions.shared.spawning { let e = lk_spawn(&r, &guardian, &program); return (e, guardian) }
                    }
                  }
                }
            }
        }
        guard err == 0 else {
            lifeline.closeBoth()
            throw ExecutionSetupError("cannot start \(executable.path): \(String(cString: strerror(err)))")
        }
        return ((guardian, program), lifeline)
    }
}

/// Waits for one child: reads its pipes as data comes, checks limits a few times a second,
/// and when the child is gone (or a limit says stop) kills its whole session.
enum Supervisor {
    /// `onTick(expired)` returns true to stop the child (it is told whether `deadline` passed).
    /// Returns how the child ended; after a stop, that is the SIGKILL it got.
    static func supervise(pid: pid_t, readers: [Int32], deadline: () -> Date,
                          onData: (Int32, [UInt8]) -> Void, onTick: (Bool) -> Bool) -> ProcessOutcome.End {
        // The pid is waited for on its own thread; a byte on `wake` says it is done.
        let wake = try! Pipes.make()
        defer { wake.closeBoth() }
        let statusBox = StatusBox()
        let waiter = Thread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            statusBox.status = status
            var b: UInt8 = 1
            _ = write(wake.write, &b, 1)
        }
        waiter.start()
        var open = Set(readers)
        var exited = false
        var killed = false
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var drainUntil: Date?
        while true {
            if exited {
                if !killed { Session.killAll(pid); killed = true }
                // The child is gone and its session killed: what is left in the pipes comes
                // quickly; a process that left the session on purpose cannot hold us long.
                if open.isEmpty { break }
                if drainUntil == nil { drainUntil = Date().addingTimeInterval(2) }
                if Date() > drainUntil! { break }
            }
            var fds = ([wake.read] + open.sorted()).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let tick = 100
            let n = poll(&fds, nfds_t(fds.count), Int32(tick))
            if n < 0 && errno != EINTR { break }
            for p in fds where p.revents != 0 {
                if p.fd == wake.read {
                    exited = true
                    continue
                }
                let got = buf.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if got > 0 { onData(p.fd, Array(buf[0..<got])) } else if got == 0 || (errno != EINTR && errno != EAGAIN) { open.remove(p.fd) }
            }
            if !exited && !killed && onTick(Date() >= deadline()) {
                Session.killAll(pid)
                killed = true
            }
        }
        while !exited {  // only after a poll error: wait for the waiter anyway
            var b: UInt8 = 0
            if read(wake.read, &b, 1) == 1 { exited = true }
        }
        ChildSessions.shared.finished(pid)
        let status = statusBox.status
        let sig = status & 0x7f
        if sig != 0 && sig != 0x7f { return .signaled(sig) }
        return .exited((status >> 8) & 0xff)
    }
}

/// Written by the waiter thread before it signals, read after.
final class StatusBox: @unchecked Sendable { var status: Int32 = 0 }

/// A pipe, both ends close-on-exec (a child gets only what it is explicitly given).
final class Pipes: @unchecked Sendable {
    private(set) var read: Int32
    private(set) var write: Int32
    init(read: Int32, write: Int32) { self.read = read; self.write = write }

    static func make() throws -> Pipes {
        var fds: [Int32] = [0, 0]
        guard lk_pipe_cloexec(&fds) == 0 else { throw ExecutionSetupError("cannot create a pipe: \(String(cString: strerror(errno)))") }
        return Pipes(read: fds[0], write: fds[1])
    }
    func closeRead() { if read >= 0 { close(read); read = -1 } }
    func closeWrite() { if write >= 0 { close(write); write = -1 } }
    func closeBoth() { closeRead(); closeWrite() }
}

/// A NULL-terminated C array of C strings.
struct CStrings {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int
    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: strings.count + 1)
        for (i, s) in strings.enumerated() { pointer[i] = strdup(s) }
        pointer[strings.count] = nil
    }
    func free() {
        for i in 0..<count { Glibc.free(pointer[i]) }
        pointer.deallocate()
    }
}

/// Sessions of running children and folders to remove, for SIGINT/SIGTERM of `lessons`: the
/// handler kills every session, removes the folders and ends the process with the signal.
public final class ChildSessions: @unchecked Sendable {
    public static let shared = ChildSessions()
    private let lock = NSLock()
    private var sessions = Set<pid_t>()
    private var folders = Set<String>()
    private var installed = false
    private var termination: Pipes?

    /// Runs `start` (which returns an error code and a pid) with the registry locked, so a
    /// signal handler never misses a child that has just started.
    func spawning(_ start: () -> (Int32, pid_t)) -> Int32 {
        lock.withLock {
            let (err, pid) = start()
            if err == 0 { sessions.insert(pid) }
            return err
        }
    }

    func finished(_ pid: pid_t) { _ = lock.withLock { sessions.remove(pid) } }

    /// A folder or file removed if `lessons` is interrupted (work folders, temporary files).
    public func removeOnInterrupt(_ url: URL) { _ = lock.withLock { folders.insert(url.path) } }
    public func forget(_ url: URL) { _ = lock.withLock { folders.remove(url.path) } }

    var running: Set<pid_t> { lock.withLock { sessions } }

    /// Installs the SIGINT/SIGTERM/SIGHUP handling once: a C handler writes the signal to a
    /// pipe (see lk_catch_termination_signals), and a thread reading it does the cleanup
    /// outside signal context (it may scan /proc and remove folders).
    public func installTerminationHandlers() {
        lock.withLock {
            guard !installed else { return }
            installed = true
            guard let pipe = try? Pipes.make(), lk_catch_termination_signals(pipe.write) == 0 else { return }
            let reader = Thread { [unowned self] in
                var b: UInt8 = 0
                while true {
                    let n = read(pipe.read, &b, 1)
                    if n == 1 { self.terminate(signal: Int32(b)) }
                    if n == 0 || (n < 0 && errno != EINTR) { return }
                }
            }
            reader.start()
            termination = pipe
        }
    }

    func terminate(signal sig: Int32) {
        // Locked for good: no new child may start while the build is going down.
        lock.lock()
        for sid in sessions { Session.killAll(sid) }
        for f in folders { try? FileManager.default.removeItem(atPath: f) }
        Glibc.signal(sig, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, sig)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        kill(getpid(), sig)
        // If the signal did not end the process (it is blocked on some thread), exit anyway.
        _exit(128 + sig)
    }
}

/// A pids cgroup for one lesson program, where the machine lets us make one (root with the
/// cgroup v1 `pids` hierarchy, as here): the kernel then refuses the fork past the limit, so
/// even a fork bomb cannot outrun the runner's sampling. Elsewhere the sampled count alone
/// enforces the limit (a loop starting processes is stopped within half a second).
struct ProcessCgroup {
    let directory: URL
    nonisolated(unsafe) private static var counter = 0
    private static let lock = NSLock()

    /// Names are `lessons-<pid of lessons>-<n>`, so a later run can remove those of a dead one.
    static func make(parent: URL, limit: Int) -> ProcessCgroup? {
        let n = lock.withLock { () -> Int in counter += 1; return counter }
        let dir = parent.appendingPathComponent("lessons-\(getpid())-\(n)")
        guard mkdir(dir.path, 0o755) == 0 else { return nil }
        let g = ProcessCgroup(directory: dir)
        guard (try? "\(limit)\n".write(to: dir.appendingPathComponent("pids.max"), atomically: false, encoding: .utf8)) != nil else {
            g.remove()
            return nil
        }
        return g
    }

    /// Forks the kernel refused because of the limit (`max N` in pids.events).
    var refusedForks: Int {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("pids.events"), encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("max ") { return Int(line.dropFirst(4)) ?? 0 }
        return 0
    }

    /// Removes the cgroup once its processes are gone (killed ones may take a moment to be reaped).
    func remove() {
        for _ in 0..<100 {
            if rmdir(directory.path) == 0 || errno == ENOENT { return }
            usleep(10_000)
        }
    }

    /// Cgroups of a `lessons` that is gone (killed before its guardians could remove them).
    static func removeAbandoned(in parent: URL) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix("lessons-") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, let pid = pid_t(parts[1]), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = rmdir(parent.appendingPathComponent(name).path)
        }
    }
}
