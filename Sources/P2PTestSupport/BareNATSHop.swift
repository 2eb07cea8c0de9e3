import CNATS

/// The baseline for the JetStream bus benchmarks: the same one hop (async publish with a window,
/// pull fetch, explicit ack per record) done with nats.c directly, without the bus.
/// The only owner of its connection, JetStream context and subscription.
public final class BareNATSHop: @unchecked Sendable {
    let connection: OpaquePointer
    let context: OpaquePointer
    let subscription: OpaquePointer
    let subject: String

    /// Connects, creates stream `stream` (subject `<stream>.0`, file storage) and a durable pull consumer.
    public init(url: String, stream: String, window: Int = 1024) throws {
        var connection: OpaquePointer?
        guard natsConnection_ConnectTo(&connection, url) == NATS_OK, let connection else { throw FixtureError("connect \(url)") }
        var options = jsOptions()
        jsOptions_Init(&options)
        options.PublishAsync.MaxPending = Int64(window)
        var context: OpaquePointer?
        guard natsConnection_JetStream(&context, connection, &options) == NATS_OK, let context else {
            natsConnection_Destroy(connection)
            throw FixtureError("JetStream context")
        }
        let subject = "\(stream).0"
        let status: natsStatus = stream.withCString { name in
            subject.withCString { subjectPointer in
                var subjects: [UnsafePointer<CChar>?] = [subjectPointer]
                return subjects.withUnsafeMutableBufferPointer { buffer in
                    var config = jsStreamConfig()
                    jsStreamConfig_Init(&config)
                    config.Name = name
                    config.Subjects = buffer.baseAddress
                    config.SubjectsLen = 1
                    config.Storage = js_FileStorage
                    var info: UnsafeMutablePointer<jsStreamInfo>?
                    let status = js_AddStream(&info, context, &config, nil, nil)
                    jsStreamInfo_Destroy(info)
                    return status
                }
            }
        }
        var subscription: OpaquePointer?
        var subscriptionStatus = NATS_ERR
        if status == NATS_OK {
            var subscriptionOptions = jsSubOptions()
            jsSubOptions_Init(&subscriptionOptions)
            subscriptionOptions.ManualAck = true
            subscriptionStatus = js_PullSubscribe(&subscription, context, subject, "bare", nil, &subscriptionOptions, nil)
        }
        guard status == NATS_OK, subscriptionStatus == NATS_OK, let subscription else {
            jsCtx_Destroy(context)
            natsConnection_Destroy(connection)
            throw FixtureError("stream or consumer for \(stream)")
        }
        self.connection = connection
        self.context = context
        self.subscription = subscription
        self.subject = subject
    }

    deinit {
        natsSubscription_Destroy(subscription)
        jsCtx_Destroy(context)
        natsConnection_Destroy(connection)
    }

    /// Publishes `count` copies of `payload` asynchronously and waits for every PubAck.
    public func publish(count: Int, payload: [UInt8]) throws {
        for _ in 0..<count {
            let status = payload.withUnsafeBytes { js_PublishAsync(context, subject, $0.baseAddress, Int32($0.count), nil) }
            guard status == NATS_OK else { throw FixtureError("publish: \(String(cString: natsStatus_GetText(status)))") }
        }
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        options.MaxWait = 30_000
        guard js_PublishAsyncComplete(context, &options) == NATS_OK else { throw FixtureError("publish acks") }
    }

    /// Fetches (batches of up to 500) and acks `count` records; returns how many arrived.
    public func consume(count: Int, maxFetches: Int = 10_000) -> Int {
        var received = 0
        for _ in 0..<maxFetches where received < count {
            var list = natsMsgList()
            guard natsSubscription_Fetch(&list, subscription, Int32(min(500, count - received)), 1000, nil) == NATS_OK else { continue }
            for index in 0..<Int(list.Count) { natsMsg_Ack(list.Msgs[index], nil) }
            received += Int(list.Count)
            natsMsgList_Destroy(&list)
        }
        return received
    }
}
