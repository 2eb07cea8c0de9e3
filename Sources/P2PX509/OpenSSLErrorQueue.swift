import COpenSSL

/// The calling thread's OpenSSL error queue: cleared before a call, drained into text after a failure.
package enum OpenSSLErrorQueue {
    /// The most entries read from the queue for one failure; the rest are discarded.
    package static let maximumEntries = 8

    /// Empties the queue. Peeking first avoids `ERR_clear_error`'s walk over every slot (and its `free` calls)
    /// on the hot path, where the queue is almost always empty already.
    package static func clear() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    /// Empties the queue and returns its reasons (library reason strings, never data) joined by "; ".
    package static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            guard reasons.count < maximumEntries else { continue }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.joined(separator: "; ")
    }
}
