/// A small typed XML tree: every attribute value and text node is escaped when rendered, so user input
/// (instance names, metadata) can never change the document's structure.
struct XMLNode: Sendable {
    var name: String
    var attributes: [(String, String)] = []
    var children: [XMLNode] = []
    var text: String?

    init(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil, _ children: [XMLNode] = []) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }

    func render(indent: String = "") -> String {
        let attrs = attributes.map { " \($0.0)=\"\(Self.escape($0.1))\"" }.joined()
        if children.isEmpty {
            guard let text else { return "\(indent)<\(name)\(attrs)/>" }
            return "\(indent)<\(name)\(attrs)>\(Self.escape(text))</\(name)>"
        }
        let inner = children.map { $0.render(indent: indent + "  ") }.joined(separator: "\n")
        return "\(indent)<\(name)\(attrs)>\n\(inner)\n\(indent)</\(name)>"
    }
}
