/// Where the sink's PostgreSQL is (`--db-host --db-port --db-user --db-password --db-name`).
public struct DatabaseOptions: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var name: String

    public init(host: String = "127.0.0.1", port: Int = 5432, user: String = "simulator", password: String? = nil, name: String = "simulator") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.name = name
    }
}
