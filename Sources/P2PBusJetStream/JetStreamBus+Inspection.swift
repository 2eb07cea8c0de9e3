import CNATS
import P2PBus

extension JetStreamBus {
    /// What a topic's stream holds, and which server leads it.
    public struct StreamState: Sendable, Hashable {
        public let stream: String
        public let partitions: Int
        public let records: UInt64
        public let firstOffset: UInt64
        public let lastOffset: UInt64
        /// The server name of the stream's RAFT leader (clustered streams), or `nil`.
        public let leader: String?
    }

    /// A stored record read back by offset, for debugging (`p2p bus dump`).
    public struct StoredRecord: Sendable, Hashable {
        public let partition: Int
        public let offset: UInt64
        public let key: [UInt8]
        public let value: [UInt8]
        public let recordID: String?
    }

    /// Records read by one `records(of:from:limit:)` call, at most.
    public static let maximumDumpRecords = 10_000

    public func state(of topic: String) async throws -> StreamState {
        try checkOpen()
        let nats = self.nats
        let stream = TopicSpec.engineName(for: topic)
        return try await Blocking.run { () throws(BusError) -> StreamState in
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var errorCode = jsErrCode(0)
            let status = js_GetStreamInfo(&info, nats.context, stream, nil, &errorCode)
            defer { jsStreamInfo_Destroy(info) }
            if status == NATS_NOT_FOUND || errorCode == JSStreamNotFoundErr { throw BusError(.unknownTopic, topic) }
            guard status == NATS_OK, let info else { throw BusError(.serverError, "stream info \(stream): \(lastNATSError(status))") }
            let leader = info.pointee.Cluster?.pointee.Leader.map { String(cString: $0) }
            return StreamState(
                stream: stream, partitions: Int(info.pointee.Config?.pointee.SubjectsLen ?? 0), records: info.pointee.State.Msgs,
                firstOffset: info.pointee.State.FirstSeq, lastOffset: info.pointee.State.LastSeq, leader: leader)
        }
    }

    /// Up to `limit` records of `topic` from offset `from` on, in offset order (all partitions).
    public func records(of topic: String, from: UInt64 = 1, limit: Int = 100) async throws -> [StoredRecord] {
        let state = try await state(of: topic)
        let nats = self.nats
        let limit = min(max(limit, 0), Self.maximumDumpRecords)
        let prefix = topic + "."
        return try await Blocking.run { () throws(BusError) -> [StoredRecord] in
            var records: [StoredRecord] = []
            var offset = max(from, state.firstOffset)
            while records.count < limit, offset <= state.lastOffset {
                defer { offset += 1 }
                var message: OpaquePointer?
                var errorCode = jsErrCode(0)
                let status = js_GetMsg(&message, nats.context, state.stream, offset, nil, &errorCode)
                if status == NATS_NOT_FOUND || errorCode == JSNoMessageFoundErr { continue }
                guard status == NATS_OK, let message else { throw BusError(.serverError, "read \(state.stream)@\(offset): \(lastNATSError(status))") }
                defer { natsMsg_Destroy(message) }
                let subject = String(cString: natsMsg_GetSubject(message))
                let partition = subject.hasPrefix(prefix) ? Int(subject.dropFirst(prefix.count)) ?? -1 : -1
                let (key, value, recordID) = NATSMessage.fields(message)
                records.append(StoredRecord(partition: partition, offset: offset, key: key, value: value, recordID: recordID))
            }
            return records
        }
    }
}
