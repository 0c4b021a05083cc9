import StandardFilters
import Testing

/// nova/tests/unit/scheduler/filters/test_extra_specs_ops.py, the cases that define each operator.
@Suite struct ExtraSpecOpsTests {
    static let cases: [(String?, String, Bool)] = [
        ("1", "1", true), ("a", "1", false),                       // no operator: exact string
        ("123", "= 123", true), ("124", "= 123", true), ("34", "= 234", false), ("abc", "= 1", false),
        ("12", "== 12", true), ("13", "== 12", false), ("12.0", "== 12", true),
        ("12", "!= 13", true), ("12", "!= 12", false),
        ("12", ">= 12", true), ("11", ">= 12", false), ("12", "<= 12", true), ("13", "<= 12", false),
        ("123", "s== 123", true), ("1234", "s== 123", false), ("123", "s!= 1234", true), ("123", "s!= 123", false),
        ("12", "s< 2", true), ("2", "s< 12", false), ("12", "s<= 12", true), ("2", "s> 12", true),
        ("12", "s> 2", false), ("12", "s>= 12", true),
        ("12311321", "<in> 11", true), ("12310321", "<in> 11", false),
        ("[avx, sse4.2, aes]", "<all-in> aes avx", true), ("[avx, sse4.2]", "<all-in> aes avx", false),
        ("12", "<or> 11 <or> 12", true), ("13", "<or> 11 <or> 12", false), ("12", "<or> 11 <or>", false),
        (nil, "= 1", false), (nil, "<or> a", false),
    ]

    @Test(arguments: cases) func matches(_ value: String?, _ req: String, _ expected: Bool) {
        #expect(ExtraSpecOps.match(value, req) == expected, "\(value ?? "nil") vs '\(req)'")
    }
}
