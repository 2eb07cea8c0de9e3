import Foundation

/// What a ``LoadRun`` measured: each first delivery with its intended send time and arrival (both
/// from the run's start), duplicates, the CPU seconds of every process, and the fault's time.
struct LoadResult: Sendable {
    struct Delivery: Sendable {
        let intended: Duration
        let arrival: Duration
        var latency: Duration { arrival - intended }
    }

    /// The width of the windows recovery is judged on.
    static let window = Duration.milliseconds(500)
    /// How far before the fault the reference rate is taken.
    static let reference = Duration.seconds(2)

    let label: String
    let count: Int
    let rate: Int?
    var deliveries: [Delivery] = []
    /// Copies of a message that reached the application past `ClusterApplication`'s redelivery filter.
    var duplicates = 0
    /// Copies the application's filter dropped: redeliveries of the same `p2p.in` record (its
    /// acknowledgement lost), and records stored twice in `p2p.in`.
    var redeliveriesDropped = 0
    var storedCopiesDropped = 0
    /// Records of the run read back from the receiving cluster's `p2p.in` afterwards (`InboxAudit`).
    var inbox: InboxAudit?
    var receiveErrors = 0
    var sendEnd = Duration.zero
    var faultAt: Duration?
    var faultNote: String?
    var cpu: [String: Double] = [:]

    var delivered: Int { deliveries.count }
    var lost: Int { count - delivered }

    /// Delivered messages per second, from the start to the last arrival.
    var throughput: Double {
        guard let last = deliveries.map(\.arrival).max() else { return 0 }
        return Double(delivered) / max(Self.seconds(last), 0.001)
    }

    /// The latency at quantile `q` (0…1) of the deliveries whose intended send time passes `filter`.
    func latency(_ q: Double, where filter: (Delivery) -> Bool = { _ in true }) -> Duration? {
        let sorted = deliveries.filter(filter).map(\.latency).sorted()
        guard !sorted.isEmpty else { return nil }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }

    /// Deliveries per second in the two seconds before the fault (or since the start when shorter).
    var preFaultRate: Double? {
        guard let faultAt else { return nil }
        let from = max(.zero, faultAt - Self.reference)
        let span = Self.seconds(faultAt - from)
        guard span > 0 else { return nil }
        return Double(deliveries.filter { $0.arrival >= from && $0.arrival < faultAt }.count) / span
    }

    /// From the fault until delivery throughput is back above half the pre-fault rate: the end of
    /// the last `window` (while messages were still being sent) whose rate was below half. Zero when
    /// no window was; nil when the last window before the send ended still was (not recovered in the run).
    var recovery: Duration? {
        guard let faultAt, let reference = preFaultRate else { return nil }
        let windows = Int((Self.seconds(sendEnd - faultAt) / Self.seconds(Self.window)).rounded(.down))
        guard windows > 0 else { return nil }
        var counts = [Int](repeating: 0, count: windows)
        for delivery in deliveries where delivery.arrival >= faultAt {
            let index = Int(Self.seconds(delivery.arrival - faultAt) / Self.seconds(Self.window))
            if index < windows { counts[index] += 1 }
        }
        let threshold = reference / 2 * Self.seconds(Self.window)
        guard let lastLow = counts.lastIndex(where: { Double($0) < threshold }) else { return .zero }
        guard lastLow < windows - 1 else { return nil }
        return Self.window * (lastLow + 1)
    }

    /// p99 latency of the messages due from the fault until recovery (at least one window; until the
    /// send ended when it did not recover).
    var p99DuringFault: Duration? {
        guard let faultAt else { return nil }
        let end = faultAt + max(recovery ?? (sendEnd - faultAt), Self.window)
        return latency(0.99) { $0.intended >= faultAt && $0.intended < end }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func milliseconds(_ duration: Duration?) -> String {
        guard let duration else { return "—" }
        return String(format: "%.1f", seconds(duration) * 1_000)
    }

    /// CPU seconds of the processes whose label starts with `prefix` (`alice-lm-`), joined with `+`.
    func cpu(_ prefix: String) -> String {
        let values = cpu.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }.map { String(format: "%.2f", $0.value) }
        return values.isEmpty ? "—" : values.joined(separator: " + ")
    }
}

/// Rows of strings printed as a Markdown table and a CSV file.
struct ResultsTable: Sendable {
    let columns: [String]
    var rows: [[String]] = []

    var markdown: String {
        let lines = [columns, columns.map { _ in "---" }] + rows
        return lines.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n") + "\n"
    }

    var csv: String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        return ([columns] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// Writes `<name>.md` (with `heading` above the table) and `<name>.csv` into `directory`; returns the Markdown path.
    @discardableResult
    func write(_ name: String, heading: String, to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let markdownPath = (directory as NSString).appendingPathComponent("\(name).md")
        try (heading + "\n\n" + markdown).write(toFile: markdownPath, atomically: true, encoding: .utf8)
        try csv.write(toFile: (directory as NSString).appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
        return markdownPath
    }
}
