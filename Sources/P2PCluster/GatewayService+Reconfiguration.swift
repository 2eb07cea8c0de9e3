import Logging
public import P2PGateway
public import P2PMembership
import P2PTLS
import Synchronization

extension GatewayService {
    /// Puts `new` in force without a restart (`docs/gateway.md` §10): new TLS contexts and a new
    /// listener first (the fallible steps), then the request size limit and the pools' settings.
    /// Open connections and requests in flight are not cut: an old listener's connections (or, after a
    /// TLS change, the connections accepted under the old contexts) answer what they already received,
    /// then close, within `GatewayServer.drainTimeout`. Calls are applied one at a time, in order.
    ///
    /// Throws `listenerUnavailable` (721) or `tlsContextsUnavailable` (722) when `new` cannot be put
    /// in force: then nothing changed, the error is logged and counted, and the last good
    /// configuration stays in force. Throws `shutDown` after `stop`.
    public func apply(_ new: GatewayConfiguration) async throws(GatewayError) {
        let step = live.withLock { live in
            let previous = live.lastApply
            let step = Task { () -> Result<Void, GatewayError> in
                await previous?.value
                return await self.applyInOrder(new)
            }
            live.lastApply = Task { _ = await step.value }
            return step
        }
        try await step.value.get()
    }

    /// Follows `reader` for the service's lifetime: every later valid configuration is applied (the
    /// newest wins when several arrive during one change), every rejected one is logged with its code
    /// and field and counted. `adjust` rewrites each configuration before it is applied (a worker's
    /// per-instance listen address and port). `stop()` stops the reader.
    public func follow(
        _ reader: ConfigurationReader<GatewayConfiguration>,
        adjust: @escaping @Sendable (GatewayConfiguration) -> GatewayConfiguration = { $0 }
    ) throws(MembershipError) {
        let (changes, continuation) = AsyncStream.makeStream(
            of: GatewayConfiguration.self, bufferingPolicy: .bufferingNewest(1))
        try reader.subscribe { continuation.yield($0) }
        let (logger, counters) = (self.logger, self.counters)
        try reader.onRejected { error in
            counters.counters.withLock { $0.configurationsRejected += 1 }
            logger.error(
                "gateway configuration rejected, the last good one stays in force",
                metadata: ["code": "\(error.code.rawValue)", "field": "\(error.field ?? "-")", "error": "\(error)"])
        }
        let task = Task {
            for await configuration in changes { try? await self.apply(adjust(configuration)) }
        }
        live.withLock { $0.following = Following(reader: reader, changes: continuation, task: task) }
        // A change published between the caller's first read and the subscription.
        if let current = reader.current { continuation.yield(current) }
    }

    private func applyInOrder(_ new: GatewayConfiguration) async -> Result<Void, GatewayError> {
        let (current, stopped) = live.withLock { ($0.configuration, $0.stopped) }
        guard !stopped else { return .failure(GatewayError(.shutDown)) }
        let actions = GatewayReconfiguration.plan(from: current, to: new)
        guard !actions.isEmpty else { return .success(()) }
        let previousTLS = tls.tls
        var replacedServer: GatewayServer?
        do throws(GatewayError) {
            for action in actions {
                switch action {
                case .rebuildTLSContexts:
                    do {
                        tls.replace(
                            with: try ClusterTLS(
                                directory: directory, configuration: new, revocationSource: revocationSource,
                                logger: logger))
                    } catch {
                        throw GatewayError(.tlsContextsUnavailable, "\(error)")
                    }
                case .rebindListener(let host, let port):
                    replacedServer = try await rebind(host: host, port: port)
                case .updateRequestLimit, .updatePools:
                    break
                }
            }
        } catch {
            tls.replace(with: previousTLS)
            counters.counters.withLock { $0.configurationsFailed += 1 }
            live.withLock { $0.lastError = error }
            logger.error(
                "gateway configuration not applied, the last good one stays in force",
                metadata: ["code": "\(error.code.rawValue)", "error": "\(error)"])
            return .failure(error)
        }
        for action in actions {
            switch action {
            case .updateRequestLimit(let bytes):
                handlerConfiguration.requestSizeLimit.set(bytes)
            case .updatePools(let connection):
                await outbound.update(
                    timing: ConnectionPoolStateMachine.Timing(connection),
                    maximumDestinations: connection.maxClientConnections)
            case .rebuildTLSContexts, .rebindListener:
                break
            }
        }
        live.withLock { live in
            live.configuration = new
            live.lastError = nil
        }
        if let replacedServer {
            drainInBackground(replacedServer, closingListener: true)
        } else if GatewayReconfiguration.drainsInboundConnections(actions) {
            drainInBackground(server, closingListener: false)  // the connections accepted under the old TLS contexts
        }
        counters.counters.withLock {
            $0.configurationsApplied += 1
            if replacedServer != nil { $0.listenersReplaced += 1 }
        }
        logger.info("gateway configuration applied", metadata: ["changes": "\(actions.map(Self.summary))"])
        return .success(())
    }

    /// Binds the new listener, makes it the one in force and returns the old one (which has stopped
    /// accepting). The new one is bound first; only when that fails on the old one's own port (the
    /// host changed, e.g. `0.0.0.0` ↔ `127.0.0.1`) is the old one closed first, and bound again if the
    /// new address still fails.
    private func rebind(host: String, port: Int) async throws(GatewayError) -> GatewayServer {
        let old = server
        let oldAddress = configuration.hostAddress
        do {
            let new = try await listen(host: host, port: port)
            live.withLock { $0.server = new }
            await old.stopAccepting()
            return old
        } catch {
            guard port == old.port else { throw error }
            await old.stopAccepting()
            do {
                let new = try await listen(host: host, port: port)
                live.withLock { $0.server = new }
                return old
            } catch {
                guard let restored = try? await listen(host: oldAddress, port: old.port) else {
                    logger.critical(
                        "gateway not listening: neither the new nor the old address could be bound",
                        metadata: ["code": "\(error.code.rawValue)", "error": "\(error)"])
                    throw error
                }
                live.withLock { $0.server = restored }
                drainInBackground(old, closingListener: true)
                throw error
            }
        }
    }

    /// Lets `server`'s open connections finish and close (`GatewayServer.drain`), tracked so that
    /// `stop()` can close them at once.
    private func drainInBackground(_ server: GatewayServer, closingListener: Bool) {
        live.withLock { live in
            let key = live.nextDrain
            live.nextDrain += 1
            let task = Task {
                if closingListener { await server.drain() } else { await server.drainConnections() }
                self.live.withLock { _ = $0.draining.removeValue(forKey: key) }
            }
            live.draining[key] = (server, task)
        }
    }

    private func listen(host: String, port: Int) async throws(GatewayError) -> GatewayServer {
        do {
            return try await GatewayServer.start(
                host: host, port: port, group: group, configuration: handlerConfiguration, publisher: publisher,
                sessions: sessions, prepare: tls.serverPreparation)
        } catch {
            throw GatewayError(.listenerUnavailable, "\(host):\(port): \(error)")
        }
    }

    private static func summary(_ action: GatewayReconfiguration.Action) -> String {
        switch action {
        case .rebuildTLSContexts(let type, let revocation): "TLS \(type.rawValue), revocation \(revocation.rawValue)"
        case .rebindListener(let host, let port): "listener \(host):\(port)"
        case .updateRequestLimit(let bytes): "maxRequestSizeBytes \(bytes)"
        case .updatePools: "connection settings"
        }
    }
}
