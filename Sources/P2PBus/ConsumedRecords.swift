/// A consumer's records as an `AsyncSequence`, read one poll batch at a time.
public struct ConsumedRecords: AsyncSequence, Sendable {
    public typealias Element = ConsumedRecord
    let consumer: any BusConsumer
    let batch: Int
    let pollTimeout: Duration

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: any BusConsumer
        let batch: Int
        let pollTimeout: Duration
        var buffered: [ConsumedRecord] = []
        var index = 0

        public mutating func next() async throws -> ConsumedRecord? {
            while index == buffered.count {
                try Task.checkCancellation()
                do {
                    buffered = try await consumer.poll(maxRecords: batch, timeout: pollTimeout)
                } catch let error as BusError where error.code == .closed {
                    return nil
                }
                index = 0
            }
            defer { index += 1 }
            return buffered[index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: consumer, batch: batch, pollTimeout: pollTimeout)
    }
}
