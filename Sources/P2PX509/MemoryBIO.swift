import COpenSSL

/// Owns one OpenSSL memory `BIO`, used to move PEM and DER bytes in and out of OpenSSL.
final class MemoryBIO {
    let pointer: OpaquePointer

    /// An empty BIO that OpenSSL writes into.
    init() throws(X509Error) {
        guard let bio = BIO_new(BIO_s_mem()) else { throw X509Error(.encodingFailed, "BIO_new") }
        pointer = bio
    }

    /// A BIO holding a copy of `bytes`, for OpenSSL to read.
    convenience init(_ bytes: some Collection<UInt8>) throws(X509Error) {
        guard bytes.count <= X509Limits.maximumEncodedSize else {
            throw X509Error(.inputTooLarge, "\(bytes.count) bytes")
        }
        try self.init()
        let array = Array(bytes)
        let written = array.withUnsafeBytes { BIO_write(pointer, $0.baseAddress, Int32($0.count)) }
        guard written == array.count || array.isEmpty else { throw X509Error(.encodingFailed, "BIO_write") }
    }

    deinit { BIO_free(pointer) }

    /// Everything written into the BIO so far.
    var bytes: [UInt8] {
        var data: UnsafeMutablePointer<CChar>?
        let length = COpenSSL_BIO_get_mem_data(pointer, &data)
        guard length > 0, let data else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// Sizes the toolkit accepts, checked before anything is parsed.
public enum X509Limits {
    /// The largest PEM or DER input read: certificates, keys, requests and revocation lists.
    public static let maximumEncodedSize = 1 << 20
    /// The most subject alternative names put in one certificate or request.
    public static let maximumAlternativeNames = 100
    /// The longest DNS name accepted in a subject alternative name.
    public static let maximumDNSNameLength = 253
    /// The longest serial number, in bytes (RFC 5280 §4.1.2.2).
    public static let maximumSerialNumberLength = 20
}

/// Reads DER through OpenSSL's `d2i_*` functions with a bounded input.
func decodeDER<T>(
    _ der: some Collection<UInt8>, _ what: String,
    _ decode: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> T?
) throws(X509Error) -> T {
    guard der.count <= X509Limits.maximumEncodedSize else { throw X509Error(.inputTooLarge, "\(der.count) bytes") }
    let array = Array(der)
    OpenSSLErrorQueue.clear()
    let result: T? = array.withUnsafeBufferPointer { buffer in
        var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
        return decode(&cursor, buffer.count)
    }
    guard let result else { throw X509Error(.invalidDER, "\(what): \(OpenSSLErrorQueue.drain())") }
    return result
}

/// Writes DER through OpenSSL's `i2d_*` functions (called once for the size, once to write).
func encodeDER(_ what: String, _ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) -> [UInt8] {
    let size = encode(nil)
    precondition(size > 0, "i2d of a valid \(what) failed")
    var bytes = [UInt8](repeating: 0, count: Int(size))
    bytes.withUnsafeMutableBufferPointer { buffer in
        var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
        _ = encode(&cursor)
    }
    return bytes
}
