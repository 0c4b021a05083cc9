extension JSON {
    /// The key of the first string or key holding a NUL (`path` when it is this value itself), nil when none
    /// does. SQLite (through GRDB) binds text as C strings, so every service refuses such bodies: `"admin\u0000x"`
    /// would be stored and looked up as `"admin"`.
    public func nulField(_ path: String = "body") -> String? {
        switch self {
        case .string(let s): return s.utf8.contains(0) ? path : nil
        case .array(let a):
            for e in a { if let f = e.nulField(path) { return f } }
            return nil
        case .object(let o):
            for (k, e) in o {
                if k.utf8.contains(0) { return path }
                if let f = e.nulField(k) { return f }
            }
            return nil
        default: return nil
        }
    }
}
