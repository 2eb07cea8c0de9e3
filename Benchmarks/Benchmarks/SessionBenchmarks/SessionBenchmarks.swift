import Benchmark
import CSodiumBench
import P2PCrypto
import P2PSession

// Session crypto: each figure of ours next to the raw libsodium figure measured in the same run.
// Results and the command are in PERFORMANCE.md, section "Session crypto".

/// The responder's lookup: one hosted identity and one member, keyed by precomputed hashes.
struct BenchmarkDirectory: SessionKeyLookup {
    let hosted: Ed25519.SigningKey
    let hostedHash: [UInt8]
    let member: Ed25519.VerifyingKey
    let memberHash: [UInt8]

    init(hosted: Ed25519.SigningKey, member: Ed25519.VerifyingKey) {
        self.hosted = hosted
        self.member = member
        hostedHash = sessionKeyHash(hosted.verifyingKey)
        memberHash = sessionKeyHash(member)
    }

    func localIdentity(keyHash: [UInt8], groupID: String) -> LocalIdentityLookupResult {
        keyHash == hostedHash ? .found(hosted) : .unknownKeyHash
    }

    func peerIdentity(keyHash: [UInt8], groupID: String) -> Ed25519.VerifyingKey? {
        keyHash == memberHash ? member : nil
    }
}

let initiatorIdentity = Ed25519.SigningKey()
let responderIdentity = Ed25519.SigningKey()
let directory = BenchmarkDirectory(hosted: responderIdentity, member: initiatorIdentity.verifyingKey)
let groupID = "benchmark-group"

/// Both sides of one complete handshake, consumed into transports.
struct Established: ~Copyable {
    var initiator: TransportSession
    var responder: TransportSession
}

func handshake(mode: ProtocolModes = .all) throws -> Established {
    var random = SystemRandomSource()
    var initiator = try SessionInitiator(
        configuration: InitiatorConfiguration(
            identity: initiatorIdentity, responderIdentity: responderIdentity.verifyingKey, groupID: groupID,
            supportedModes: mode, maxMessageSize: 65_536),
        random: &random)
    var responder = try SessionResponder(configuration: ResponderConfiguration(), random: &random)
    let responderHello = try responder.receive(initiator.hello)
    let initiatorHandshake = try initiator.receive(responderHello)
    let responderHandshake = try responder.receive(initiatorHandshake, lookup: directory)
    try initiator.receive(responderHandshake)
    return Established(initiator: try initiator.transportSession(), responder: try responder.transportSession())
}

/// A 40-byte frame header (the associated data the frame codec will pass).
func header(sequenceNumber: UInt64) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 40)
    bytes.withUnsafeMutableBytes { $0.storeBytes(of: sequenceNumber.bigEndian, toByteOffset: 24, as: UInt64.self) }
    return bytes
}

/// `benchmark.scaledIterations` messages of `size` bytes sealed by the initiator and opened by the responder,
/// each with its own 40-byte header carrying the sequence number.
func sealAndOpen(_ benchmark: Benchmark, mode: ProtocolModes, size: Int) throws {
    var pair = try handshake(mode: mode)
    let payload = [UInt8](repeating: 0x42, count: size)
    var sealed = [UInt8](repeating: 0, count: size + 16)
    var opened = [UInt8](repeating: 0, count: size)
    var aad = header(sequenceNumber: 0)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
        let n = pair.initiator.nextSequenceNumber
        aad.withUnsafeMutableBytes { $0.storeBytes(of: n.bigEndian, toByteOffset: 24, as: UInt64.self) }
        try payload.withUnsafeBytes { p in
            try aad.withUnsafeBytes { a in
                try sealed.withUnsafeMutableBytes { s in
                    _ = try pair.initiator.seal(sequenceNumber: n, payload: p, associatedData: a, into: s)
                }
                try sealed.withUnsafeBytes { s in
                    try opened.withUnsafeMutableBytes { o in
                        _ = try pair.responder.open(sequenceNumber: n, sealed: s, associatedData: a, into: o)
                    }
                }
            }
        }
    }
    blackHole(opened)
}

let benchmarks: @Sendable () -> Void = {
    // libsodium picks its fastest implementations (ChaCha20, Curve25519) in sodium_init(); every
    // benchmark runs in its own process, so the raw figures must not skip it.
    precondition(sodium_init() >= 0)
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], maxDuration: .seconds(3))

    // MARK: Handshakes

    Benchmark("Handshake: initiator + responder, 4 messages, to transports") { benchmark in
        for _ in benchmark.scaledIterations {
            let established = try handshake()
            blackHole(established.initiator.parameters)
        }
    }

    Benchmark("Handshake crypto floor (raw libsodium): 4 X25519 + 2 Ed25519 sign + 2 verify") { benchmark in
        // What the two sides of one handshake do in public-key crypto: per side one X25519 key
        // generation, one X25519 agreement, one signature and one verification.
        var secret = [UInt8](repeating: 0, count: 32)
        var publicKey = [UInt8](repeating: 0, count: 32)
        var peer = [UInt8](repeating: 9, count: 32)
        var shared = [UInt8](repeating: 0, count: 32)
        var signKey = [UInt8](repeating: 0, count: 64)
        var verifyKey = [UInt8](repeating: 0, count: 32)
        var signature = [UInt8](repeating: 0, count: 64)
        let message = [UInt8](repeating: 0x20, count: 131)  // context (99 bytes) + transcript hash (32)
        randombytes_buf(&secret, 32)
        crypto_sign_keypair(&verifyKey, &signKey)
        _ = crypto_scalarmult_base(&peer, secret)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for _ in 0..<2 {
                _ = crypto_scalarmult_base(&publicKey, secret)
                _ = crypto_scalarmult(&shared, secret, peer)
                _ = crypto_sign_detached(&signature, nil, message, UInt64(message.count), signKey)
                blackHole(crypto_sign_verify_detached(signature, message, UInt64(message.count), verifyKey))
            }
        }
        blackHole(shared)
        blackHole(publicKey)
    }

    // MARK: Transport against raw AEAD

    for size in [1024, 10 * 1024] {
        let label = size == 1024 ? "1 KB" : "10 KB"

        Benchmark(
            "Transport seal+open \(label) (AUTHENTICATED_ENCRYPTION)",
            configuration: .init(scalingFactor: .kilo)
        ) { benchmark in
            try sealAndOpen(benchmark, mode: .authenticatedEncryption, size: size)
        }

        Benchmark(
            "Raw libsodium ChaCha20-Poly1305-IETF encrypt+decrypt \(label)",
            configuration: .init(scalingFactor: .kilo)
        ) { benchmark in
            var key = [UInt8](repeating: 0, count: 32)
            crypto_aead_chacha20poly1305_ietf_keygen(&key)
            let payload = [UInt8](repeating: 0x42, count: size)
            var sealed = [UInt8](repeating: 0, count: size + 16)
            var opened = [UInt8](repeating: 0, count: size)
            var aad = header(sequenceNumber: 0)
            var nonce = [UInt8](repeating: 0, count: 12)
            var counter: UInt64 = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                counter += 1
                nonce.withUnsafeMutableBytes { $0.storeBytes(of: counter.bigEndian, toByteOffset: 4, as: UInt64.self) }
                aad.withUnsafeMutableBytes { $0.storeBytes(of: counter.bigEndian, toByteOffset: 24, as: UInt64.self) }
                _ = crypto_aead_chacha20poly1305_ietf_encrypt(
                    &sealed, nil, payload, UInt64(size), aad, UInt64(aad.count), nil, nonce, key)
                let result = crypto_aead_chacha20poly1305_ietf_decrypt(
                    &opened, nil, nil, sealed, UInt64(sealed.count), aad, UInt64(aad.count), nonce, key)
                precondition(result == 0)
            }
            blackHole(opened)
        }
    }

    Benchmark(
        "Transport seal+open 1 KB (AUTHENTICATION_ONLY)",
        configuration: .init(scalingFactor: .kilo)
    ) { benchmark in
        try sealAndOpen(benchmark, mode: .authenticationOnly, size: 1024)
    }

    // MARK: Allocations on the steady-state encrypt path

    Benchmark(
        "Transport seal 1 KB into a caller buffer (allocations per message)",
        configuration: .init(metrics: [.mallocCountTotal, .wallClock], scalingFactor: .kilo)
    ) { benchmark in
        var pair = try handshake()
        let payload = [UInt8](repeating: 0x42, count: 1024)
        let aad = header(sequenceNumber: 0)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1024 + 16, alignment: 16)
        defer { output.deallocate() }
        try payload.withUnsafeBytes { p in
            try aad.withUnsafeBytes { a in
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    _ = try pair.initiator.seal(
                        sequenceNumber: pair.initiator.nextSequenceNumber, payload: p, associatedData: a, into: output)
                }
                benchmark.stopMeasurement()
            }
        }
    }
}
