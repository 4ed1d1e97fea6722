/// One policy's rules, checked and with every shorthand expanded.
public struct ACLRules: Sendable, Hashable {
    /// Namespace rules in the order they were written. A `deny` rule holds just ``NamespaceCapability/deny``.
    public var namespaces: [NamespaceRule]
    public var plugin: PolicyLevel?
    public var node: PolicyLevel?
    public var agent: PolicyLevel?
    public var `operator`: PolicyLevel?

    public init(
        namespaces: [NamespaceRule] = [], plugin: PolicyLevel? = nil, node: PolicyLevel? = nil, agent: PolicyLevel? = nil,
        operator: PolicyLevel? = nil
    ) {
        self.namespaces = namespaces
        self.plugin = plugin
        self.node = node
        self.agent = agent
        self.operator = `operator`
    }
}

/// What one `namespace "<pattern>" { ... }` block grants.
public struct NamespaceRule: Sendable, Hashable {
    /// A namespace name, or a pattern where `*` matches any run of characters.
    public var pattern: String
    public var capabilities: Set<NamespaceCapability>

    public init(pattern: String, capabilities: Set<NamespaceCapability>) {
        self.pattern = pattern
        self.capabilities = capabilities
    }
}
