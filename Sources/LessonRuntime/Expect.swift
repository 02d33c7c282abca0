// `expect(...)`: checks that fail `lessons build`/`lessons check` at the cell's Markdown line.
// A failed expectation does not stop the lesson; it is recorded and reported.

/// Checks a condition: `expect(loss < 0.5, "training should converge")`.
public func expect(_ condition: Bool, _ message: @autoclosure () -> String = "",
                   file: StaticString = #filePath, line: UInt = #line, column: UInt = #column) {
    guard !condition else { return }
    let m = message()
    fail(m.isEmpty ? "expectation failed" : m, file: file, line: line, column: column)
}

/// Checks that `value` is within `tolerance` of `target`: `expect(mean, near: 0, tolerance: 0.05)`.
public func expect<T: BinaryFloatingPoint>(_ value: T, near target: T, tolerance: T, _ message: @autoclosure () -> String = "",
                                           file: StaticString = #filePath, line: UInt = #line, column: UInt = #column) {
    let ok = value.isFinite && abs(value - target) <= tolerance
    guard !ok else { return }
    let m = message()
    let detail = "\(value) is not within \(tolerance) of \(target)"
    fail(m.isEmpty ? detail : "\(m): \(detail)", file: file, line: line, column: column)
}

/// Integer overload so `expect(count, near: 10, tolerance: 1)` reads naturally.
public func expect<T: BinaryInteger>(_ value: T, near target: T, tolerance: T, _ message: @autoclosure () -> String = "",
                                     file: StaticString = #filePath, line: UInt = #line, column: UInt = #column) {
    guard (value > target ? value - target : target - value) > tolerance else { return }
    let m = message()
    let detail = "\(value) is not within \(tolerance) of \(target)"
    fail(m.isEmpty ? detail : "\(m): \(detail)", file: file, line: line, column: column)
}

/// Number of failed expectations so far in this run.
public var failedExpectations: Int { _LessonRuntime.lock.withLock { _LessonRuntime.failures } }

extension _LessonRuntime {
    nonisolated(unsafe) static var failures = 0
}

func fail(_ message: String, file: StaticString, line: UInt, column columnOfParen: UInt) {
    // `#column` as a default argument is the column of the call's `(`; point at `expect` instead.
    let column = columnOfParen > 6 ? columnOfParen - 6 : 1
    _LessonRuntime.lock.withLock { _LessonRuntime.failures += 1 }
    let f = "\(file)"
    if _LessonRuntime.runDir == nil {
        print("\(f):\(line):\(column): error: \(message)")
        return
    }
    let cell = _LessonRuntime.lock.withLock { _LessonRuntime.currentCell }
    _LessonRuntime.send(.expectationFailed(cell: cell, offset: _LessonRuntime.stdoutOffset(), file: f,
                                           line: Int(line), column: Int(column), message: message))
}
