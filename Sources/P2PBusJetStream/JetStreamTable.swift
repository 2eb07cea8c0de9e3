import CNATS
import Foundation
import P2PBus

/// A table on JetStream: one KV bucket.
struct JetStreamTable: BusTable {
    let name: String
    let bucket: KVBucket

    func get(_ key: String) async throws -> TableEntry? {
        try TableSpec.validateKey(key)
        let bucket = self.bucket
        return try await Blocking.run { () throws(BusError) in try bucket.getBlocking(key) }
    }

    func put(_ key: String, _ value: [UInt8]) async throws -> UInt64 {
        try TableSpec.validateKey(key)
        let bucket = self.bucket
        return try await Blocking.run { () throws(BusError) in try bucket.putBlocking(key, value) }
    }

    func create(_ key: String, _ value: [UInt8]) async throws -> UInt64 {
        try TableSpec.validateKey(key)
        let bucket = self.bucket
        return try await Blocking.run { () throws(BusError) in try bucket.createBlocking(key, value) }
    }

    func update(_ key: String, _ value: [UInt8], expectedRevision: UInt64) async throws -> UInt64 {
        try TableSpec.validateKey(key)
        let bucket = self.bucket
        return try await Blocking.run { () throws(BusError) in
            try bucket.conditionalPutBlocking(key, value, expected: expectedRevision)
        }
    }

    func delete(_ key: String) async throws {
        try TableSpec.validateKey(key)
        let bucket = self.bucket
        try await Blocking.run { () throws(BusError) in try bucket.deleteBlocking(key) }
    }

    /// Reads the watcher on a thread of its own (nats.c blocks in `kvWatcher_Next`) and hands
    /// events over through a bounded channel: a slow reader stalls that thread, nothing piles up.
    func watch() async throws -> TableWatch {
        try await watch(keys: ">")
    }

    /// The server filters: subject `$KV.<bucket>.<prefix>.>`.
    func watch(under prefix: String) async throws -> TableWatch {
        try TableSpec.validateKey(prefix)
        return try await watch(keys: prefix + ".>")
    }

    func purgeDeletes(olderThan age: Duration) async throws {
        let bucket = self.bucket
        try await Blocking.run { () throws(BusError) in try bucket.purgeDeletesBlocking(olderThan: age) }
    }

    private func watch(keys: String) async throws -> TableWatch {
        let bucket = self.bucket
        let handle = try await Blocking.run { () throws(BusError) -> KVWatcherHandle in
            var watcher: OpaquePointer?
            let status = kvStore_Watch(&watcher, bucket.store, keys, nil)
            guard status == NATS_OK, let watcher else { throw BusError(.serverError, "watch \(bucket.bucket): \(lastNATSError(status))") }
            return KVWatcherHandle(watcher)
        }
        let channel = BoundedChannel<TableEvent>(capacity: TableWatch.bufferCapacity)
        let thread = Thread {
            while !channel.isFinished {
                var entry: OpaquePointer?
                let status = kvWatcher_Next(&entry, handle.watcher, 250)
                if status == NATS_TIMEOUT { continue }
                guard status == NATS_OK else { break }
                guard let entry else {
                    channel.sendBlocking(.caughtUp)
                    continue
                }
                let operation = kvEntry_Operation(entry)
                let event: TableEvent = operation == kvOp_Put
                    ? .put(KVBucket.tableEntry(entry))
                    : .deleted(key: String(cString: kvEntry_Key(entry)), revision: kvEntry_Revision(entry))
                kvEntry_Destroy(entry)
                channel.sendBlocking(event)
            }
            channel.finish()
        }
        thread.name = "p2p.bus.watch.\(bucket.bucket)"
        thread.start()
        return TableWatch(channel: channel) { handle.stop() }
    }
}
