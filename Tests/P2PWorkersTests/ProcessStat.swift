#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Figures of a running process read from `/proc/<pid>/stat` (proc(5)).
enum ProcessStat {
    /// User + system CPU time (fields 14 and 15, in clock ticks), in seconds; nil when the process is gone.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After the command's closing parenthesis: field 3 (state) is the first, so utime is the 12th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The load averages over 1, 5 and 15 minutes, as `/proc/loadavg` gives them.
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
