import Foundation

/// A coding key for any field name, used to list and name the fields of an object.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }
    init(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

extension Decoder {
    /// Throws (naming the first unknown field) when the object at this position holds a field that
    /// `Keys` does not list. Operators' typos (`responseTimout`) must not be ignored silently.
    public func rejectUnknownFields<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try container(keyedBy: AnyCodingKey.self)
        let known = Set(Keys.allCases.map(\.stringValue))
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath + [AnyCodingKey(stringValue: unknown)], debugDescription: StrictJSON.unknownFieldMarker))
        }
    }
}

/// JSON in and out: deterministic output (sorted keys), bounded input, errors that name the field.
public enum StrictJSON {
    static let unknownFieldMarker = "unknown field"

    /// The JSON path of a coding path: `membersToAdd[0].endpoints[1]`.
    public static func path(_ codingPath: [any CodingKey], prefix: String = "") -> String {
        var text = prefix
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "(top level)" : text
    }

    /// Decodes `T`, refusing more than `maximumBytes`; every failure is a `MembershipError` naming the field.
    public static func decode<T: Decodable>(
        _ type: T.Type, from bytes: [UInt8], maximumBytes: Int, fieldPrefix: String = ""
    ) throws(MembershipError) -> T {
        guard bytes.count <= maximumBytes else {
            throw MembershipError(.inputTooLarge, field: fieldPrefix.isEmpty ? nil : fieldPrefix, "\(bytes.count) bytes, more than \(maximumBytes)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as MembershipError {
            throw error
        } catch let error as DecodingError {
            throw describe(error, prefix: fieldPrefix)
        } catch {
            throw MembershipError(.malformedRecord, field: fieldPrefix.isEmpty ? nil : fieldPrefix, "not JSON")
        }
    }

    /// Deterministic JSON (sorted keys, no insignificant white space): equal values give equal bytes.
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Our records hold strings, numbers, arrays and objects only: encoding cannot fail.
        return [UInt8](try! encoder.encode(value))
    }

    static func describe(_ error: DecodingError, prefix: String) -> MembershipError {
        switch error {
        case .typeMismatch(let type, let context):
            return MembershipError(.invalidField, field: path(context.codingPath, prefix: prefix), "expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return MembershipError(.missingField, field: path(context.codingPath, prefix: prefix), "expected \(typeName(type)), found null")
        case .keyNotFound(let key, let context):
            return MembershipError(.missingField, field: path(context.codingPath + [key], prefix: prefix), "required field missing")
        case .dataCorrupted(let context):
            if context.debugDescription == unknownFieldMarker {
                return MembershipError(.unknownField, field: path(context.codingPath, prefix: prefix), "not a known field")
            }
            if context.codingPath.isEmpty {
                return MembershipError(.malformedRecord, field: prefix.isEmpty ? nil : prefix, "not valid JSON")
            }
            return MembershipError(.invalidField, field: path(context.codingPath, prefix: prefix), context.debugDescription)
        @unknown default:
            return MembershipError(.malformedRecord, "malformed")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is UInt64.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
