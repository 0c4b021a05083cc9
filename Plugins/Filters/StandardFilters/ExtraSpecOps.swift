import Foundation

/// Nova's extra-spec operators (nova/scheduler/filters/extra_specs_ops.py), shared by
/// ComputeCapabilitiesFilter and AggregateInstanceExtraSpecsFilter.
public enum ExtraSpecOps {
    /// Whether the host/aggregate `value` satisfies the requirement `req` (`>= 4`, `<in> avx`, `<or> a <or> b`…).
    /// A first word that is not an operator means the whole requirement must equal the value.
    public static func match(_ value: String?, _ req: String) -> Bool {
        var words = req.split(whereSeparator: \.isWhitespace).map(String.init)
        let op = words.isEmpty ? nil : words.removeFirst()
        guard let op, op == "<or>" || operators.contains(op) else { return value == req }
        guard let value else { return false }
        if op == "<or>" {
            // <or> v1 <or> v2 …: the value must equal one alternative.
            while !words.isEmpty {
                if words.removeFirst() == value { return true }
                if words.isEmpty { break }
                words.removeFirst()
            }
            return false
        }
        guard let first = words.first else { return false }
        switch op {
        case "=": return numeric(value, first, >=)
        case "==": return numeric(value, first, ==)
        case "!=": return numeric(value, first, !=)
        case ">=": return numeric(value, first, >=)
        case "<=": return numeric(value, first, <=)
        case "<in>": return value.contains(first)
        case "<all-in>": return words.allSatisfy { value.contains($0) }
        case "s==": return value == first
        case "s!=": return value != first
        case "s<": return value < first
        case "s<=": return value <= first
        case "s>": return value > first
        case "s>=": return value >= first
        default: return false
        }
    }

    static let operators: Set<String> = ["=", "<in>", "<all-in>", "==", "!=", ">=", "<=", "s==", "s!=", "s<", "s<=",
                                         "s>", "s>="]

    /// Python's float() comparison; a value that is not a number does not match.
    static func numeric(_ a: String, _ b: String, _ cmp: (Double, Double) -> Bool) -> Bool {
        guard let x = Double(a.trimmingCharacters(in: .whitespaces)), let y = Double(b) else { return false }
        return cmp(x, y)
    }
}
