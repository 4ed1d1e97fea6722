/// Nomad's patterns for datacenters and ACL namespace rules: `*` matches any run of characters,
/// everything else itself.
public enum Glob {
    public static func matches(_ pattern: String, _ value: String) -> Bool {
        guard pattern.contains("*") else { return pattern == value }
        let p = Array(pattern.utf8)
        let v = Array(value.utf8)
        var pi = 0
        var vi = 0
        var star: Int? = nil
        var resume = 0
        while vi < v.count {
            if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi
                resume = vi
                pi += 1
            } else if pi < p.count, p[pi] == v[vi] {
                pi += 1
                vi += 1
            } else if let star {
                pi = star + 1
                resume += 1
                vi = resume
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
