// Running the compiler and lesson programs with time limits.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ProcessOutcome {
    enum End { case exited(Int32), signaled(Int32), timedOut }
    var end: End
    var stderr: String
    var seconds: Double
    var pid: Int32 = 0
}

enum Subprocess {
    /// Runs `executable` with `arguments`; stderr (and stdout, merged) captured unless
    /// `stdoutFile`/`stderrFile` are given. Killed with SIGKILL after `timeout` seconds.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                    directory: URL? = nil, stdoutFile: URL? = nil, stderrFile: URL? = nil,
                    timeout: Double) throws -> ProcessOutcome {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let e = environment { p.environment = e }
        if let d = directory { p.currentDirectoryURL = d }
        p.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        let collected = DataBox()
        let readDone = DispatchSemaphore(value: 0)
        if let f = stdoutFile {
            _ = FileManager.default.createFile(atPath: f.path, contents: nil)
            p.standardOutput = try FileHandle(forWritingTo: f)
        } else {
            p.standardOutput = pipe
        }
        if let f = stderrFile {
            _ = FileManager.default.createFile(atPath: f.path, contents: nil)
            p.standardError = try FileHandle(forWritingTo: f)
        } else {
            p.standardError = pipe
        }
        let capturing = stdoutFile == nil || stderrFile == nil
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        let start = Date()
        try p.run()
        if capturing {
            // Drain the pipe concurrently so a chatty compiler cannot block on a full pipe.
            DispatchQueue.global().async {
                collected.data = pipe.fileHandleForReading.readDataToEndOfFile()
                readDone.signal()
            }
        }
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(p.processIdentifier, SIGKILL)
            done.wait()
        }
        if capturing {
            try? pipe.fileHandleForWriting.close()
            _ = readDone.wait(timeout: .now() + 5)
        }
        let seconds = Date().timeIntervalSince(start)
        let text = String(decoding: collected.data, as: UTF8.self)
        let pid = p.processIdentifier
        if timedOut { return ProcessOutcome(end: .timedOut, stderr: text, seconds: seconds, pid: pid) }
        switch p.terminationReason {
        case .uncaughtSignal: return ProcessOutcome(end: .signaled(p.terminationStatus), stderr: text, seconds: seconds, pid: pid)
        default: return ProcessOutcome(end: .exited(p.terminationStatus), stderr: text, seconds: seconds, pid: pid)
        }
    }
}

/// Written by the reader thread before it signals, read after the wait.
final class DataBox: @unchecked Sendable { var data = Data() }
