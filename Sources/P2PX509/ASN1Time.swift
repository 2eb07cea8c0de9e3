import COpenSSL
import Foundation

/// Conversions between `Date` and OpenSSL's `ASN1_TIME`, to whole seconds.
enum ASN1Time {
    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// A new `ASN1_TIME` the caller owns.
    static func make(_ date: Date) throws(X509Error) -> UnsafeMutablePointer<ASN1_TIME> {
        guard let time = ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970.rounded(.down))) else {
            throw X509Error(.invalidValidity, "time out of range")
        }
        return time
    }

    static func set(_ target: UnsafeMutablePointer<ASN1_TIME>?, _ date: Date) throws(X509Error) {
        guard ASN1_TIME_set(target, time_t(date.timeIntervalSince1970.rounded(.down))) != nil else {
            throw X509Error(.invalidValidity, "time out of range")
        }
    }
}
