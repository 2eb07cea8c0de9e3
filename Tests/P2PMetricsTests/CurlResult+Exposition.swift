import P2PTestSupport

extension CurlResult {
    /// The value of the series `name{member="member"}` in an exposition body, if present.
    func value(of name: String, member: String) -> Double? {
        let prefix = "\(name){member=\"\(member)\"} "
        for line in body.split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.dropFirst(prefix.count))
        }
        return nil
    }
}
