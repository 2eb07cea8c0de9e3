import CNATS
import P2PBus

/// One KV bucket handle; the only owner of its `kvStore*`.
final class KVBucket: @unchecked Sendable {
    let store: OpaquePointer
    let nats: NATSConnection
    let bucket: String

    private init(store: OpaquePointer, nats: NATSConnection, bucket: String) {
        self.store = store
        self.nats = nats
        self.bucket = bucket
    }

    deinit { kvStore_Destroy(store) }

    /// Creates the bucket if it does not exist; `true` when created now.
    static func create(nats: NATSConnection, bucket: String, spec: TableSpec) async throws(BusError) -> Bool {
        try await Blocking.run { () throws(BusError) -> Bool in
            var existing: OpaquePointer?
            if js_KeyValue(&existing, nats.context, bucket) == NATS_OK {
                kvStore_Destroy(existing)
                return false
            }
            let arena = CStringArena()
            var config = kvConfig()
            kvConfig_Init(&config)
            config.Bucket = arena.string(bucket)
            config.History = UInt8(spec.history)
            config.Replicas = Int32(spec.replicas)
            config.MaxValueSize = Int32(spec.maxValueBytes)
            config.StorageType = js_FileStorage
            var store: OpaquePointer?
            let status = js_CreateKeyValue(&store, nats.context, &config)
            guard status == NATS_OK else {
                // Another worker may have created it between our lookup and our create (two members of a
                // consumer group starting together): the server then refuses ours, and the bucket is there.
                let error = lastNATSError(status)
                if js_KeyValue(&existing, nats.context, bucket) == NATS_OK {
                    kvStore_Destroy(existing)
                    return false
                }
                throw BusError(.serverError, "create bucket \(bucket): \(error)")
            }
            kvStore_Destroy(store)
            return true
        }
    }

    static func open(nats: NATSConnection, bucket: String) async throws(BusError) -> KVBucket {
        try await Blocking.run { () throws(BusError) -> KVBucket in
            var store: OpaquePointer?
            let status = js_KeyValue(&store, nats.context, bucket)
            guard status == NATS_OK, let store else {
                throw BusError(status == NATS_NOT_FOUND ? .unknownTable : .serverError, "bucket \(bucket): \(lastNATSError(status))")
            }
            return KVBucket(store: store, nats: nats, bucket: bucket)
        }
    }

    // MARK: Blocking operations (call through `Blocking.run`)

    func getBlocking(_ key: String) throws(BusError) -> TableEntry? {
        var entry: OpaquePointer?
        let status = kvStore_Get(&entry, store, key)
        if status == NATS_NOT_FOUND { return nil }
        guard status == NATS_OK, let entry else { throw BusError(.serverError, "get \(bucket)/\(key): \(lastNATSError(status))") }
        defer { kvEntry_Destroy(entry) }
        return Self.tableEntry(entry)
    }

    static func tableEntry(_ entry: OpaquePointer) -> TableEntry {
        let length = Int(kvEntry_ValueLen(entry))
        var value = [UInt8](repeating: 0, count: length)
        if length > 0, let data = kvEntry_Value(entry) {
            value.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: data, count: length)) }
        }
        return TableEntry(key: String(cString: kvEntry_Key(entry)), value: value, revision: kvEntry_Revision(entry))
    }

    func putBlocking(_ key: String, _ value: [UInt8]) throws(BusError) -> UInt64 {
        var revision: UInt64 = 0
        let status = value.withUnsafeBytes { kvStore_Put(&revision, store, key, $0.baseAddress, Int32($0.count)) }
        guard status == NATS_OK else { throw mapWriteError(status, key) }
        return revision
    }

    func deleteBlocking(_ key: String) throws(BusError) {
        let status = kvStore_Delete(store, key)
        guard status == NATS_OK else { throw mapWriteError(status, key) }
    }

    /// Purges every key whose latest entry is a tombstone written at least `age` ago (`.zero`: all).
    /// Unlike `kvStore_PurgeDeletes`, the scan reads headers only (the values of live keys stay on
    /// the server), and each purge removes the key's entries up to its tombstone only, so a value
    /// written after the scan survives. At most `maximumPurgedPerCall` keys per call.
    func purgeDeletesBlocking(olderThan age: Duration) throws(BusError) {
        var options = kvWatchOptions()
        kvWatchOptions_Init(&options)
        options.MetaOnly = true
        var watcher: OpaquePointer?
        var status = kvStore_WatchAll(&watcher, store, &options)
        guard status == NATS_OK, let watcher else { throw BusError(.serverError, "purge deletes \(bucket): \(lastNATSError(status))") }
        func nanoseconds(_ duration: Duration) -> Int64 {
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        }
        // Entry times are nanoseconds since the epoch; `.zero` takes every tombstone.
        let limit = age <= .zero ? Int64.max : nanoseconds(WallBusClock().now()) - nanoseconds(age)
        var tombstones: [(key: String, revision: UInt64)] = []
        while tombstones.count < Self.maximumPurgedPerCall {
            var entry: OpaquePointer?
            status = kvWatcher_Next(&entry, watcher, Self.purgeScanTimeoutMillis)
            guard status == NATS_OK, let entry else { break }
            let operation = kvEntry_Operation(entry)
            if operation == kvOp_Delete || operation == kvOp_Purge, kvEntry_Created(entry) <= limit {
                tombstones.append((String(cString: kvEntry_Key(entry)), kvEntry_Revision(entry)))
            }
            kvEntry_Destroy(entry)
        }
        kvWatcher_Destroy(watcher)
        guard status == NATS_OK else { throw BusError(.serverError, "purge deletes \(bucket): \(lastNATSError(status))") }
        for tombstone in tombstones {
            let arena = CStringArena()
            var purge = jsOptions()
            jsOptions_Init(&purge)
            purge.Stream.Purge.Subject = arena.string("$KV.\(bucket).\(tombstone.key)")
            purge.Stream.Purge.Sequence = tombstone.revision + 1
            var errorCode = jsErrCode(0)
            status = js_PurgeStream(nats.context, "KV_\(bucket)", &purge, &errorCode)
            guard status == NATS_OK else { throw BusError(.serverError, "purge \(bucket)/\(tombstone.key): \(lastNATSError(status))") }
        }
    }

    /// Tombstones purged per ``purgeDeletesBlocking(olderThan:)`` call; a later call takes the rest.
    static let maximumPurgedPerCall = 100_000
    /// The scan waits this long for the next entry before giving up.
    static let purgeScanTimeoutMillis: Int64 = 5_000

    /// Publishes `value` to the key's subject only if the key's last revision is `expected`
    /// (`nil`: the key has never been written).
    func conditionalPutBlocking(_ key: String, _ value: [UInt8], expected: UInt64?) throws(BusError) -> UInt64 {
        var message: OpaquePointer?
        let subject = "$KV.\(bucket).\(key)"
        var status = value.withUnsafeBytes { natsMsg_Create(&message, subject, nil, $0.baseAddress, Int32($0.count)) }
        guard status == NATS_OK else { throw BusError(.serverError, lastNATSError(status)) }
        defer { natsMsg_Destroy(message) }
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        if let expected { options.ExpectLastSubjectSeq = expected } else { options.ExpectNoMessage = true }
        var ack: UnsafeMutablePointer<jsPubAck>?
        var errorCode = jsErrCode(0)
        status = js_PublishMsg(&ack, nats.context, message, &options, &errorCode)
        defer { jsPubAck_Destroy(ack) }
        if errorCode == JSStreamWrongLastSequenceErr {
            throw BusError(.revisionMismatch, "\(bucket)/\(key) is not at revision \(expected ?? 0)")
        }
        guard status == NATS_OK, let ack else { throw mapWriteError(status, key) }
        return ack.pointee.Sequence
    }

    /// The revision of the key's latest entry, a tombstone included; `nil` if never written.
    func lastRevisionBlocking(_ key: String) throws(BusError) -> (revision: UInt64, deleted: Bool)? {
        var message: OpaquePointer?
        var errorCode = jsErrCode(0)
        let status = js_GetLastMsg(&message, nats.context, "KV_\(bucket)", "$KV.\(bucket).\(key)", nil, &errorCode)
        if status == NATS_NOT_FOUND || errorCode == JSNoMessageFoundErr { return nil }
        guard status == NATS_OK, let message else { throw BusError(.serverError, "last \(bucket)/\(key): \(lastNATSError(status))") }
        defer { natsMsg_Destroy(message) }
        var operation: UnsafePointer<CChar>?
        let deleted = natsMsgHeader_Get(message, "KV-Operation", &operation) == NATS_OK
        return (natsMsg_GetSequence(message), deleted)
    }

    /// Stores only if the key is absent or its latest entry is a tombstone.
    func createBlocking(_ key: String, _ value: [UInt8]) throws(BusError) -> UInt64 {
        do {
            return try conditionalPutBlocking(key, value, expected: nil)
        } catch where error.code == .revisionMismatch {
            guard let last = try lastRevisionBlocking(key), last.deleted else {
                throw BusError(.revisionMismatch, "\(bucket)/\(key) exists")
            }
            return try conditionalPutBlocking(key, value, expected: last.revision)
        }
    }

    private func mapWriteError(_ status: natsStatus, _ key: String) -> BusError {
        let text = lastNATSError(status)
        if text.contains("maximum") { return BusError(.valueTooLarge, "\(bucket)/\(key): \(text)") }
        return BusError(.serverError, "write \(bucket)/\(key): \(text)")
    }
}

/// A watch's `kvWatcher*`; the only owner, destroyed in deinit once the reading thread is done.
final class KVWatcherHandle: @unchecked Sendable {
    let watcher: OpaquePointer
    init(_ watcher: OpaquePointer) { self.watcher = watcher }
    deinit { kvWatcher_Destroy(watcher) }
    func stop() { kvWatcher_Stop(watcher) }
}
