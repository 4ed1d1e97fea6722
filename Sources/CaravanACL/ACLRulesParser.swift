import CaravanHCL
import CaravanModel
import Foundation

/// Reads a policy's rules, written in HCL or in JSON (text that starts with `{`), into
/// ``ACLRules``, refusing anything Nomad would refuse: an unknown block or attribute, a bad
/// namespace pattern, an unknown policy level or capability.
///
/// Nomad's `quota`, `host_volume` and `node_pool` blocks, and `variables` inside a namespace,
/// are accepted and ignored: Caravan has nothing they govern.
public enum ACLRulesParser {
    public static func parse(_ text: String) throws(ACLPolicyError) -> ACLRules {
        let blocks: [RuleBlock]
        if text.drop(while: \.isWhitespace).first == "{" {
            blocks = try jsonBlocks(text)
        } else {
            do {
                blocks = try hclBlocks(try HCLParser.parse(text))
            } catch let error as HCLParseError {
                throw ACLPolicyError(error.message, at: error.position)
            } catch let error as ACLPolicyError {
                throw error
            } catch {
                throw ACLPolicyError(String(describing: error))
            }
        }
        return try rules(from: blocks)
    }

    /// One block of rules, from either syntax.
    struct RuleBlock {
        var type: String
        var label: String?
        var policy: String?
        var capabilities: [String]?
        var position: HCLPosition?
    }

    private static let unlabeled: Set<String> = ["plugin", "node", "agent", "operator", "quota"]
    private static let labeled: Set<String> = ["namespace", "host_volume", "node_pool"]
    private static let ignored: Set<String> = ["quota", "host_volume", "node_pool"]

    // MARK: HCL

    private static func hclBlocks(_ body: HCLBody) throws(ACLPolicyError) -> [RuleBlock] {
        var blocks: [RuleBlock] = []
        for item in body.items {
            switch item {
            case .attribute(let attribute):
                throw ACLPolicyError("unexpected attribute \"\(attribute.name)\"; rules are blocks", at: attribute.position)
            case .block(let block):
                blocks.append(try ruleBlock(block))
            }
        }
        return blocks
    }

    private static func ruleBlock(_ block: HCLBlock) throws(ACLPolicyError) -> RuleBlock {
        let wantsLabel = labeled.contains(block.type)
        guard wantsLabel || unlabeled.contains(block.type) else {
            throw ACLPolicyError("unknown block \"\(block.type)\"", at: block.position)
        }
        guard block.labels.count == (wantsLabel ? 1 : 0) else {
            let expected = wantsLabel ? "one label" : "no label"
            throw ACLPolicyError("a \"\(block.type)\" block takes \(expected), got \(block.labels.count)", at: block.position)
        }
        var rule = RuleBlock(type: block.type, label: block.labels.first, position: block.position)
        for item in block.body.items {
            switch item {
            case .attribute(let attribute):
                switch attribute.name {
                case "policy":
                    guard case .string(let value) = attribute.value else {
                        throw ACLPolicyError("policy must be a string", at: attribute.position)
                    }
                    rule.policy = value
                case "capabilities":
                    guard case .list(let values) = attribute.value else {
                        throw ACLPolicyError("capabilities must be a list of strings", at: attribute.position)
                    }
                    var capabilities: [String] = []
                    for value in values {
                        guard case .string(let capability) = value else {
                            throw ACLPolicyError("capabilities must be a list of strings", at: attribute.position)
                        }
                        capabilities.append(capability)
                    }
                    rule.capabilities = capabilities
                default:
                    guard !ignored.contains(block.type) else { continue }
                    throw ACLPolicyError("unknown attribute \"\(attribute.name)\" in a \"\(block.type)\" block", at: attribute.position)
                }
            case .block(let nested):
                guard ignored.contains(block.type) || (block.type == "namespace" && nested.type == "variables") else {
                    throw ACLPolicyError("unknown block \"\(nested.type)\" in a \"\(block.type)\" block", at: nested.position)
                }
            }
        }
        return rule
    }

    // MARK: JSON

    private static func jsonBlocks(_ text: String) throws(ACLPolicyError) -> [RuleBlock] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw ACLPolicyError("invalid JSON rules")
        }
        guard let top = object as? [String: Any] else { throw ACLPolicyError("JSON rules must be an object") }
        var blocks: [RuleBlock] = []
        for type in top.keys.sorted() {
            guard labeled.contains(type) || unlabeled.contains(type) else { throw ACLPolicyError("unknown block \"\(type)\"") }
            for member in try objects(top[type], type) {
                if labeled.contains(type) {
                    for label in member.keys.sorted() {
                        guard let body = member[label] as? [String: Any] else {
                            throw ACLPolicyError("\"\(type)\" \"\(label)\" must be an object")
                        }
                        blocks.append(try jsonBlock(type: type, label: label, body))
                    }
                } else {
                    blocks.append(try jsonBlock(type: type, label: nil, member))
                }
            }
        }
        return blocks
    }

    /// A JSON block's value: one object, or a list of objects (both are valid HCL JSON).
    private static func objects(_ value: Any?, _ type: String) throws(ACLPolicyError) -> [[String: Any]] {
        if let object = value as? [String: Any] { return [object] }
        if let list = value as? [Any], let objects = list as? [[String: Any]] { return objects }
        throw ACLPolicyError("\"\(type)\" must be an object")
    }

    private static func jsonBlock(type: String, label: String?, _ body: [String: Any]) throws(ACLPolicyError) -> RuleBlock {
        var rule = RuleBlock(type: type, label: label)
        for key in body.keys.sorted() {
            switch key {
            case "policy":
                guard let policy = body[key] as? String else { throw ACLPolicyError("policy must be a string") }
                rule.policy = policy
            case "capabilities":
                guard let capabilities = body[key] as? [String] else { throw ACLPolicyError("capabilities must be a list of strings") }
                rule.capabilities = capabilities
            case "variables" where type == "namespace":
                continue
            default:
                guard !ignored.contains(type) else { continue }
                throw ACLPolicyError("unknown attribute \"\(key)\" in a \"\(type)\" block")
            }
        }
        return rule
    }

    // MARK: Checks

    private static func rules(from blocks: [RuleBlock]) throws(ACLPolicyError) -> ACLRules {
        var rules = ACLRules()
        for block in blocks where !ignored.contains(block.type) {
            if block.type == "namespace" {
                let rule = try namespaceRule(block)
                if let existing = rules.namespaces.firstIndex(where: { $0.pattern == rule.pattern }) {
                    rules.namespaces[existing].capabilities.formUnion(rule.capabilities)
                } else {
                    rules.namespaces.append(rule)
                }
                continue
            }
            if block.capabilities != nil {
                throw ACLPolicyError("a \"\(block.type)\" block takes a policy, not capabilities", at: block.position)
            }
            guard let text = block.policy else { throw ACLPolicyError("a \"\(block.type)\" block needs a policy", at: block.position) }
            guard let level = PolicyLevel(text), level != .list || block.type == "plugin" else {
                throw ACLPolicyError("invalid \(block.type) policy \"\(text)\"", at: block.position)
            }
            switch block.type {
            case "plugin": rules.plugin = max(rules.plugin ?? level, level)
            case "node": rules.node = max(rules.node ?? level, level)
            case "agent": rules.agent = max(rules.agent ?? level, level)
            default: rules.operator = max(rules.operator ?? level, level)
            }
        }
        return rules
    }

    private static func namespaceRule(_ block: RuleBlock) throws(ACLPolicyError) -> NamespaceRule {
        let pattern = block.label ?? ""
        guard isValidPattern(pattern) else { throw ACLPolicyError("invalid namespace name \"\(pattern)\"", at: block.position) }
        var capabilities: Set<NamespaceCapability> = []
        if let policy = block.policy, !policy.isEmpty {
            guard let expanded = NamespaceCapability.expanding(policy: policy) else {
                throw ACLPolicyError("invalid namespace policy \"\(policy)\"", at: block.position)
            }
            capabilities = expanded
        }
        for name in block.capabilities ?? [] {
            guard let capability = NamespaceCapability(rawValue: name) else {
                throw ACLPolicyError("invalid namespace capability \"\(name)\"", at: block.position)
            }
            capabilities.insert(capability)
        }
        return NamespaceRule(pattern: pattern, capabilities: capabilities)
    }

    /// Nomad's `^[a-zA-Z0-9-*]{1,128}$`.
    private static func isValidPattern(_ pattern: String) -> Bool {
        Namespace.isValidName(pattern.replacingOccurrences(of: "*", with: "x"))
    }
}
