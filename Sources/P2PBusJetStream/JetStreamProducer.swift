import CNATS
import P2PBus
import Synchronization

/// Routes nats.c's asynchronous PubAcks (delivered on nats.c's own thread) to the waiting receipts.
///
/// Each in-flight message is keyed by its `natsMsg*` address, registered before the message is
/// handed to nats.c and removed when its ack or final error arrives, so each promise completes
/// exactly once and each window permit is returned exactly once.
final class PublishRouter: Sendable {
    struct Pending: Sendable {
        let promise: PublishPromise
        let topic: String
        let partition: Int
        var attempts: Int
    }

    static let maximumRetryBackoff: Duration = .seconds(2)

    let window: InFlightWindow
    let maxAttempts: Int
    let retryBackoff: Duration
    /// Set once the producer's context exists; used to resend.
    let resend = Mutex<(@Sendable (UInt) -> natsStatus)?>(nil)
    private let pending = Mutex<[UInt: Pending]>([:])

    init(window: InFlightWindow, maxAttempts: Int, retryBackoff: Duration) {
        self.window = window
        self.maxAttempts = maxAttempts
        self.retryBackoff = retryBackoff
    }

    func register(_ message: OpaquePointer, _ entry: Pending) {
        pending.withLock { $0[UInt(bitPattern: message)] = entry }
    }

    func unregister(_ message: OpaquePointer) -> Pending? {
        pending.withLock { $0.removeValue(forKey: UInt(bitPattern: message)) }
    }

    func complete(_ entry: Pending, _ result: Result<PublishAck, BusError>) {
        entry.promise.complete(result)
        window.release()
    }

    /// Called on a nats.c thread for every PubAck or publish error.
    func handle(message: OpaquePointer, ack: UnsafeMutablePointer<jsPubAck>?, error: UnsafeMutablePointer<jsPubAckErr>?) {
        guard var entry = unregister(message) else {
            natsMsg_Destroy(message)
            return
        }
        if let ack {
            let result = PublishAck(topic: entry.topic, partition: entry.partition, offset: ack.pointee.Sequence, duplicate: ack.pointee.Duplicate)
            natsMsg_Destroy(message)
            complete(entry, .success(result))
            return
        }
        let status = error?.pointee.Err ?? NATS_ERR
        let code = error?.pointee.ErrCode ?? jsErrCode(0)
        let text = error?.pointee.ErrText.map { String(cString: $0) } ?? String(cString: natsStatus_GetText(status))
        if code == JSStreamMessageExceedsMaximumErr || status == NATS_MAX_PAYLOAD {
            natsMsg_Destroy(message)
            complete(entry, .failure(BusError(.recordTooLarge, "\(entry.topic): \(text)")))
            return
        }
        // Anything but a definite refusal may be a leader election or a reconnect: resend (bounded).
        let transient = status != NATS_CONNECTION_CLOSED && status != NATS_INVALID_ARG
            && code != JSStreamWrongLastSequenceErr && code != JSStreamNotFoundErr
        entry.attempts += 1
        guard transient, entry.attempts < maxAttempts else {
            natsMsg_Destroy(message)
            complete(entry, .failure(BusError(.publishFailed, "\(entry.topic) after \(entry.attempts) attempt(s): \(text)")))
            return
        }
        scheduleResend(message, entry, reason: text)
    }

    /// Resends later with the same `Nats-Msg-Id` (the stream's de-duplication drops a copy that did
    /// land); a resend nats.c refuses at once (e.g. while reconnecting) counts as an attempt too.
    private func scheduleResend(_ message: OpaquePointer, _ entry: Pending, reason: String) {
        let address = UInt(bitPattern: message)
        register(message, entry)
        // Doubling from `retryBackoff`, at most `maximumRetryBackoff`: a RAFT election takes seconds.
        let backoff = min(retryBackoff * (1 << min(entry.attempts, 8)), Self.maximumRetryBackoff)
        Task {
            try? await Task.sleep(for: backoff)
            // Under the lock, so that the producer's deinit cannot free the context meanwhile.
            let status = self.resend.withLock { $0?(address) } ?? NATS_CONNECTION_CLOSED
            guard status != NATS_OK, let message = OpaquePointer(bitPattern: address), var entry = self.unregister(message) else { return }
            entry.attempts += 1
            let text = "\(reason); resend: \(String(cString: natsStatus_GetText(status)))"
            if entry.attempts < self.maxAttempts, status != NATS_CONNECTION_CLOSED {
                self.scheduleResend(message, entry, reason: text)
            } else {
                natsMsg_Destroy(message)
                self.complete(entry, .failure(BusError(.publishFailed, "\(entry.topic) after \(entry.attempts) attempt(s): \(text)")))
            }
        }
    }
}

/// The C callback: recovers the router from the context pointer and hands over.
private let ackHandler: jsPubAckHandler = { _, message, ack, error, closure in
    guard let closure, let message else { return }
    Unmanaged<PublishRouter>.fromOpaque(closure).takeUnretainedValue().handle(message: message, ack: ack, error: error)
}

/// A producer: its own JetStream context whose async-publish acks feed a `PublishRouter`.
/// The only owner of that `jsCtx*`.
final class JetStreamProducer: BusProducer, @unchecked Sendable {
    let bus: JetStreamBus
    let context: OpaquePointer
    let router: PublishRouter
    let routerReference: Unmanaged<PublishRouter>
    let publishTimeout: Int64
    private let closed = Atomic<Bool>(false)

    private init(bus: JetStreamBus, context: OpaquePointer, router: PublishRouter, reference: Unmanaged<PublishRouter>) {
        self.bus = bus
        self.context = context
        self.router = router
        self.routerReference = reference
        self.publishTimeout = bus.nats.configuration.publishTimeout.milliseconds
    }

    deinit {
        router.resend.withLock { $0 = nil }
        jsCtx_Destroy(context)
        // nats.c may still call back for records in flight: then the router stays alive (a small
        // leak) rather than be freed under a callback.
        if router.window.inFlight == 0 { routerReference.release() }
    }

    static func make(bus: JetStreamBus, options: ProducerOptions) async throws(BusError) -> JetStreamProducer {
        let configuration = bus.nats.configuration
        let router = PublishRouter(
            window: InFlightWindow(capacity: options.maxInFlight), maxAttempts: configuration.maxPublishAttempts,
            retryBackoff: configuration.publishRetryBackoff)
        let reference = Unmanaged.passRetained(router)
        var jsOptions = jsOptions()
        jsOptions_Init(&jsOptions)
        jsOptions.Wait = configuration.requestTimeout.milliseconds
        // Our own window bounds what is in flight; nats.c's must never stall a Swift thread.
        jsOptions.PublishAsync.MaxPending = Int64(ProducerOptions.maximumInFlightLimit) * 2
        jsOptions.PublishAsync.AckHandler = ackHandler
        jsOptions.PublishAsync.AckHandlerClosure = reference.toOpaque()
        var context: OpaquePointer?
        let status = natsConnection_JetStream(&context, bus.nats.connection, &jsOptions)
        guard status == NATS_OK, let context else {
            reference.release()
            throw BusError(.serverError, "JetStream context: \(lastNATSError(status))")
        }
        let producer = JetStreamProducer(bus: bus, context: context, router: router, reference: reference)
        let timeout = producer.publishTimeout
        let contextAddress = UInt(bitPattern: context)
        router.resend.withLock {
            $0 = { address in
                var message = OpaquePointer(bitPattern: address)
                let context = OpaquePointer(bitPattern: contextAddress)
                var options = jsPubOptions()
                jsPubOptions_Init(&options)
                options.MaxWait = timeout
                return js_PublishMsgAsync(context, &message, &options)
            }
        }
        return producer
    }

    var inFlight: Int { router.window.inFlight }

    func send(_ record: BusRecord) async throws -> PublishReceipt {
        if closed.load(ordering: .relaxed) { throw BusError(.closed, "producer") }
        let info = try await bus.topicInfo(record.topic, required: true)!
        guard record.value.count <= info.maxRecordBytes else {
            throw BusError(.recordTooLarge, "\(record.value.count) bytes > \(info.maxRecordBytes) in \(record.topic)")
        }
        let partition = try record.resolvedPartition(partitions: info.partitions)
        await router.window.acquire()
        let promise = PublishPromise()
        var message: OpaquePointer?
        var status = RecordFrame.withFrame(key: record.key, value: record.value) { frame in
            natsMsg_Create(&message, info.subjects[partition], nil, frame.baseAddress, Int32(frame.count))
        }
        if status == NATS_OK, let id = record.recordID { status = natsMsgHeader_Set(message, "Nats-Msg-Id", id) }
        guard status == NATS_OK, let created = message else {
            natsMsg_Destroy(message)
            router.window.release()
            throw BusError(.publishFailed, lastNATSError(status))
        }
        router.register(created, .init(promise: promise, topic: record.topic, partition: partition, attempts: 0))
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        options.MaxWait = publishTimeout
        status = js_PublishMsgAsync(context, &message, &options)
        if status != NATS_OK {
            // nats.c did not take the message: no callback will come for it.
            let code: BusError.Code = status == NATS_MAX_PAYLOAD ? .recordTooLarge : .publishFailed
            if let entry = router.unregister(created) { router.complete(entry, .failure(BusError(code, lastNATSError(status)))) }
            natsMsg_Destroy(message)
            _ = try await PublishReceipt(promise).accepted()
        }
        return PublishReceipt(promise)
    }

    func flush() async throws {
        await router.window.waitUntilEmpty()
    }

    func close() async {
        closed.store(true, ordering: .relaxed)
        await router.window.waitUntilEmpty()
    }
}
