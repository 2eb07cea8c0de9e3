/// HKDF-SHA256 (RFC 5869), written on ``HMACSHA256`` because libsodium 1.0.18 has no HKDF.
public enum HKDF {
    /// RFC 5869 §2.3: at most 255 blocks of output.
    public static let maximumOutputCount = 255 * HMACSHA256.byteCount

    /// HKDF-Extract: `PRK = HMAC(salt, IKM)`. An empty salt means 32 zero bytes (RFC 5869 §2.2).
    public static func extract(salt: [UInt8], inputKeyMaterial: SecretBytes) -> SecretBytes {
        let effectiveSalt = salt.isEmpty ? [UInt8](repeating: 0, count: HMACSHA256.byteCount) : salt
        return effectiveSalt.withUnsafeBytes { saltBytes in
            let mac = HMACSHA256(key: saltBytes)
            return SecretBytes(count: HMACSHA256.byteCount) { prk in
                inputKeyMaterial.withUnsafeBytes { ikm in mac.authenticate(ikm, into: prk) }
            }
        }
    }

    /// HKDF-Expand: `count` bytes of `T(1) ‖ T(2) ‖ …` with `T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i)`.
    public static func expand(
        pseudoRandomKey: SecretBytes, info: [UInt8], count: Int
    ) throws(CryptoError) -> SecretBytes {
        guard count >= 0, count <= maximumOutputCount else {
            throw CryptoError(.outputTooLong, "HKDF output of \(count) bytes, at most \(maximumOutputCount)")
        }
        let mac = HMACSHA256(key: pseudoRandomKey)
        return SecretBytes(count: count) { output in
            withUnsafeTemporaryAllocation(byteCount: HMACSHA256.byteCount, alignment: 1) { block in
                var produced = 0
                var counter: UInt8 = 1
                info.withUnsafeBytes { infoBytes in
                    while produced < count {
                        let previous = UnsafeRawBufferPointer(
                            rebasing: block[0..<(counter == 1 ? 0 : HMACSHA256.byteCount)])
                        withUnsafeBytes(of: counter) { counterByte in
                            mac.authenticate(previous, infoBytes, counterByte, into: block)
                        }
                        let take = min(HMACSHA256.byteCount, count - produced)
                        output.baseAddress!.advanced(by: produced).copyMemory(
                            from: block.baseAddress!, byteCount: take)
                        produced += take
                        counter &+= 1
                    }
                }
                block.initializeMemory(as: UInt8.self, repeating: 0)
            }
        }
    }

    /// Extract then expand.
    public static func deriveKey(
        inputKeyMaterial: SecretBytes, salt: [UInt8], info: [UInt8], count: Int
    ) throws(CryptoError) -> SecretBytes {
        try expand(pseudoRandomKey: extract(salt: salt, inputKeyMaterial: inputKeyMaterial), info: info, count: count)
    }
}
