import Foundation
import Yams

/// Writes the HTTP contract's document types (`components.schemas` of openapi.yaml) as Swift structs, at build
/// time (the `ContractTypes` plugin), so that a field is declared in one place, the contract.
///
/// Each object schema becomes an `Encodable` struct in the `Contract` namespace, inline objects becoming nested
/// structs. A required property is always written, as `null` when it has no value (a missing live figure reads
/// as "unknown", not as an absent field); a property the schema does not require is left out when it has none.
/// swift-openapi-generator would leave out every `nil`, which is why the documents are not generated with it.
///
///     cityfeeds-contract-generator openapi.yaml ContractTypes.swift
@main
struct ContractGenerator {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else {
            FileHandle.standardError.write(Data("usage: cityfeeds-contract-generator SPEC OUTPUT\n".utf8))
            exit(64)
        }
        let text = try String(contentsOfFile: arguments[1], encoding: .utf8)
        guard let root = try Yams.load(yaml: text) as? [String: Any],
            let components = root["components"] as? [String: Any],
            let schemas = components["schemas"] as? [String: Any]
        else {
            throw GeneratorError("\(arguments[1]): no components.schemas")
        }
        var output = """
            // Generated from openapi.yaml by ContractGenerator at build time: do not edit. Change the contract.
            import FeedCore

            /// The HTTP contract's documents, as `openapi.yaml` declares them.
            package enum Contract {}

            """
        for name in schemas.keys.sorted() {
            guard let schema = schemas[name] as? [String: Any] else { continue }
            output += try Declaration(name: name, schema: schema, path: name).render()
        }
        let existing = try? String(contentsOfFile: arguments[2], encoding: .utf8)
        if existing != output {
            try output.write(toFile: arguments[2], atomically: true, encoding: .utf8)
        }
    }
}

struct GeneratorError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One struct: its properties, and the structs nested for its inline objects.
struct Declaration {
    struct Property {
        var key: String
        var swiftName: String
        var type: String
        var required: Bool
        var nullable: Bool
        var description: String?
    }

    var name: String
    var description: String?
    var properties: [Property] = []
    var nested: [Declaration] = []

    init(name: String, schema: [String: Any], path: String) throws {
        self.name = name
        description = schema["description"] as? String
        guard (schema["type"] as? String) == "object", let declared = schema["properties"] as? [String: Any] else {
            throw GeneratorError("\(path): only object schemas with properties are documents")
        }
        let required = Set(schema["required"] as? [String] ?? [])
        for key in declared.keys.sorted() {
            guard let property = declared[key] as? [String: Any] else { continue }
            var (type, nullable) = try Self.type(of: property, key: key, path: "\(path).\(key)", nested: &nested)
            if !required.contains(key) || nullable { type += "?" }
            properties.append(
                Property(
                    key: key, swiftName: Self.camelCase(key), type: type, required: required.contains(key),
                    nullable: nullable, description: property["description"] as? String))
        }
    }

    /// The Swift type of a property's schema, and whether it admits `null`.
    static func type(
        of schema: [String: Any], key: String, path: String, nested: inout [Declaration]
    ) throws
        -> (String, Bool)
    {
        if let reference = schema["$ref"] as? String {
            return ("Contract." + (reference.split(separator: "/").last.map(String.init) ?? reference), false)
        }
        var types: [String] = []
        if let single = schema["type"] as? String { types = [single] }
        if let several = schema["type"] as? [String] { types = several }
        let nullable = types.contains("null")
        types.removeAll { $0 == "null" }
        guard types.count == 1, let type = types.first else {
            throw GeneratorError("\(path): give one type (besides null)")
        }
        switch type {
        case "string": return ("String", nullable)
        case "integer": return ("Int", nullable)
        case "number": return ("Double", nullable)
        case "boolean": return ("Bool", nullable)
        case "array":
            guard let items = schema["items"] as? [String: Any] else { throw GeneratorError("\(path): no items") }
            let (element, elementNullable) = try Self.type(
                of: items, key: singular(key), path: "\(path)[]", nested: &nested)
            return ("[\(element)\(elementNullable ? "?" : "")]", nullable)
        case "object":
            if schema["properties"] != nil {
                let declaration = try Declaration(name: upperCamelCase(key), schema: schema, path: path)
                nested.append(declaration)
                return (declaration.name, nullable)
            }
            if let values = schema["additionalProperties"] as? [String: Any] {
                let (value, valueNullable) = try Self.type(
                    of: values, key: key + "Value", path: "\(path){}", nested: &nested)
                return ("[String: \(value)\(valueNullable ? "?" : "")]", nullable)
            }
            return ("JSONValue", nullable)
        default:
            throw GeneratorError("\(path): type \(type) is not supported")
        }
    }

    /// The struct at the top level of the file, in an extension of `Contract`.
    func render() -> String {
        "\nextension Contract {\n" + renderStruct(indent: "    ") + "}\n"
    }

    func renderStruct(indent: String) -> String {
        let members = indent + "    "
        var text = ""
        if let description { text += Self.comment(description, indent: indent) }
        text += "\(indent)package struct \(name): Encodable, Sendable {\n"
        for property in properties {
            if let description = property.description { text += Self.comment(description, indent: members) }
            text += "\(members)package var \(Self.escaped(property.swiftName)): \(property.type)\n"
        }
        // Every property, in the schema's order: a required one has no default, so a filler cannot forget it.
        let parameters = properties.map { property in
            "\(Self.escaped(property.swiftName)): \(property.type)" + (property.required ? "" : " = nil")
        }
        text += "\n\(members)/// Every property; one the contract does not require may be left out.\n"
        text += "\(members)package init(\n\(members)    \(parameters.joined(separator: ",\n\(members)    "))\n"
        text += "\(members)) {\n"
        for property in properties {
            let swiftName = Self.escaped(property.swiftName)
            text += "\(members)    self.\(swiftName) = \(swiftName)\n"
        }
        text += "\(members)}\n\n"
        text += "\(members)enum CodingKeys: String, CodingKey {\n"
        for property in properties {
            text += "\(members)    case \(Self.escaped(property.swiftName)) = \"\(property.key)\"\n"
        }
        text += "\(members)}\n\n"
        text +=
            "\(members)/// A required property is written even without a value (as `null`); another only with one.\n"
        text += "\(members)package func encode(to encoder: any Encoder) throws {\n"
        text += "\(members)    var container = encoder.container(keyedBy: CodingKeys.self)\n"
        for property in properties {
            let swiftName = Self.escaped(property.swiftName)
            let call = property.required ? "encode" : "encodeIfPresent"
            text += "\(members)    try container.\(call)(\(swiftName), forKey: .\(swiftName))\n"
        }
        text += "\(members)}\n"
        for declaration in nested {
            text += "\n" + declaration.renderStruct(indent: members)
        }
        text += "\(indent)}\n"
        return text
    }

    static func comment(_ text: String, indent: String) -> String {
        text.split(separator: "\n").map { "\(indent)/// \($0)\n" }.joined()
    }

    static let keywords: Set<String> = [
        "class", "default", "enum", "extension", "func", "import", "in", "init", "internal", "is", "let", "operator",
        "private", "protocol", "public", "repeat", "return", "self", "static", "struct", "subscript", "super",
        "switch", "throw", "throws", "true", "false", "try", "var", "where", "while", "case", "catch", "for", "if",
        "guard", "do", "else", "as", "nil", "Type", "package",
    ]

    static func escaped(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    static func camelCase(_ key: String) -> String {
        let parts = key.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." })
        guard let first = parts.first else { return key }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func upperCamelCase(_ key: String) -> String {
        let camel = camelCase(key)
        return camel.prefix(1).uppercased() + camel.dropFirst()
    }

    /// `outfalls` → `outfall`: the name of one item of a list.
    static func singular(_ key: String) -> String {
        if key.hasSuffix("ies") { return String(key.dropLast(3)) + "y" }
        if key.hasSuffix("s") && !key.hasSuffix("ss") { return String(key.dropLast()) }
        return key + "Item"
    }
}
