import Figures
// Placeholder; the cell runtime lives here.
public enum LessonRuntimeInfo { public static let version = "0.0.0" }
