import Foundation
import NimbusJSON

/// os-getConsoleOutput's request and answer as Nova's console_output.py has them.
extension ComputeAPI {
    /// `length`: an integer or an integer string (`^-?[0-9]+$`), at least -1, or null/absent (everything). It is
    /// passed on as given: the compute cuts as Nova's `_tail_log` does (-1 included).
    static func consoleLength(_ args: JSON) throws -> Int? {
        guard let o = args.object else {
            if args.isNull { throw Fields.invalid("os-getConsoleOutput", args, "None is not of type 'object'") }
            throw Fields.invalid("os-getConsoleOutput", args, "\(args.brief) is not of type 'object'")
        }
        let f = Fields(o, path: "os-getConsoleOutput")
        try f.only(["length"])
        guard let v = o["length"], !v.isNull else { return nil }
        if let s = v.string {
            guard s.range(of: "^-?[0-9]+$", options: .regularExpression) != nil else {
                throw NovaError.badRequest("Invalid input for field/attribute length. Value: \(s). '\(s)' does not match '^-?[0-9]+$'")
            }
        }
        return try f.int("length", min: -1)
    }

    /// Nova strips the control characters XML could not carry (`[\x00-\x08\x0B-\x1F]`) before answering.
    static func consoleText(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars where !(u.value <= 0x08 || (0x0B...0x1F).contains(u.value)) { out.append(u) }
        return String(out)
    }
}
