import CaravanModel

/// What one token may do: its policies' rules merged as Nomad merges them. A management ACL
/// allows everything.
///
/// Merging: a namespace pattern's capabilities are the union of every policy's rule for that
/// pattern, unless one of them denies, and then the pattern grants nothing. A `plugin`, `node`,
/// `agent` or `operator` level is the strongest any policy gives, `deny` strongest of all.
public struct ACL: Sendable {
    public let isManagement: Bool
    private var exact: [String: Set<NamespaceCapability>] = [:]
    /// Patterns with a `*`, sorted, so that a tie between equally close patterns always goes to
    /// the same one.
    private var globs: [(pattern: String, capabilities: Set<NamespaceCapability>)] = []
    private var plugin: PolicyLevel?
    private var node: PolicyLevel?
    private var agent: PolicyLevel?
    private var `operator`: PolicyLevel?

    /// The ACL of a management token.
    public static let management = ACL(isManagement: true)

    private init(isManagement: Bool) {
        self.isManagement = isManagement
    }

    /// The ACL of a client token whose policies have `rules`.
    public init(merging rules: [ACLRules]) {
        isManagement = false
        var patterns: [String: Set<NamespaceCapability>] = [:]
        for policy in rules {
            for rule in policy.namespaces {
                patterns[rule.pattern, default: []].formUnion(rule.capabilities)
            }
            plugin = Self.stronger(plugin, policy.plugin)
            node = Self.stronger(node, policy.node)
            agent = Self.stronger(agent, policy.agent)
            `operator` = Self.stronger(`operator`, policy.operator)
        }
        for (pattern, capabilities) in patterns.sorted(by: { $0.key < $1.key }) {
            let granted: Set<NamespaceCapability> = capabilities.contains(.deny) ? [.deny] : capabilities
            if pattern.contains("*") {
                globs.append((pattern, granted))
            } else {
                exact[pattern] = granted
            }
        }
    }

    private static func stronger(_ a: PolicyLevel?, _ b: PolicyLevel?) -> PolicyLevel? {
        guard let a else { return b }
        guard let b else { return a }
        return max(a, b)
    }

    // MARK: Namespaces

    /// Whether `capability` is allowed in `namespace`; for `*`, whether it is allowed in any
    /// namespace a rule names.
    public func allows(_ capability: NamespaceCapability, inNamespace namespace: String) -> Bool {
        if isManagement { return true }
        if namespace == "*" {
            return exact.values.contains { Self.grants($0, capability) } || globs.contains { Self.grants($0.capabilities, capability) }
        }
        return Self.grants(capabilities(in: namespace), capability)
    }

    /// Whether any of `capabilities` is allowed in `namespace`.
    public func allowsAny(of capabilities: [NamespaceCapability], inNamespace namespace: String) -> Bool {
        capabilities.contains { allows($0, inNamespace: namespace) }
    }

    /// Whether the token may do anything at all in `namespace` (see it listed, read it).
    public func allowsNamespace(_ namespace: String) -> Bool {
        if isManagement { return true }
        let granted = capabilities(in: namespace)
        return !granted.isEmpty && !granted.contains(.deny)
    }

    private static func grants(_ capabilities: Set<NamespaceCapability>, _ capability: NamespaceCapability) -> Bool {
        !capabilities.contains(.deny) && capabilities.contains(capability)
    }

    /// The rule that governs `namespace`: its exact name if a rule names it, else the closest
    /// matching pattern, the one that leaves the fewest characters to its wildcards (Nomad's
    /// rule: the namespace's length, minus the pattern's, plus the pattern's `*` count).
    private func capabilities(in namespace: String) -> Set<NamespaceCapability> {
        if let granted = exact[namespace] { return granted }
        var closest: (difference: Int, capabilities: Set<NamespaceCapability>)?
        for glob in globs where Glob.matches(glob.pattern, namespace) {
            let stars = glob.pattern.utf8.count { $0 == UInt8(ascii: "*") }
            let difference = namespace.utf8.count - glob.pattern.utf8.count + stars
            if closest == nil || difference < closest!.difference { closest = (difference, glob.capabilities) }
        }
        return closest?.capabilities ?? []
    }

    // MARK: Global rules

    /// Listing plugins: `list`, `read` or `write`.
    public var allowsPluginList: Bool { isManagement || Self.allows(plugin, atLeast: .list) }

    /// Reading one plugin: `read` or `write`. (Nomad grants nothing for `write`; Caravan treats
    /// it as including `read`, see docs/api.md.)
    public var allowsPluginRead: Bool { isManagement || Self.allows(plugin, atLeast: .read) }

    public var allowsNodeRead: Bool { isManagement || Self.allows(node, atLeast: .read) }
    public var allowsNodeWrite: Bool { isManagement || Self.allows(node, atLeast: .write) }
    public var allowsAgentRead: Bool { isManagement || Self.allows(agent, atLeast: .read) }
    public var allowsAgentWrite: Bool { isManagement || Self.allows(agent, atLeast: .write) }
    public var allowsOperatorRead: Bool { isManagement || Self.allows(`operator`, atLeast: .read) }
    public var allowsOperatorWrite: Bool { isManagement || Self.allows(`operator`, atLeast: .write) }

    private static func allows(_ level: PolicyLevel?, atLeast needed: PolicyLevel) -> Bool {
        guard let level, level != .deny else { return false }
        return level >= needed
    }
}
