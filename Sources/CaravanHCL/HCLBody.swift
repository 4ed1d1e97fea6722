/// An attribute `name = value` of a body.
public struct HCLAttribute: Sendable, Hashable {
    /// The attribute name.
    public var name: String
    /// The value after `=`.
    public var value: HCLValue
    /// The position of the name.
    public var position: HCLPosition

    /// Creates an attribute.
    public init(name: String, value: HCLValue, position: HCLPosition) {
        self.name = name
        self.value = value
        self.position = position
    }
}

/// A block `type label1 "label2" { body }`: its type, labels and nested body.
public struct HCLBlock: Sendable, Hashable {
    /// The block type, for example `namespace`.
    public var type: String
    /// The labels in source order; bare identifiers as written, quoted labels with escapes decoded.
    public var labels: [String]
    /// The content between the braces.
    public var body: HCLBody
    /// The position of the block type.
    public var position: HCLPosition

    /// Creates a block.
    public init(type: String, labels: [String] = [], body: HCLBody, position: HCLPosition) {
        self.type = type
        self.labels = labels
        self.body = body
        self.position = position
    }
}

/// One entry of a body: an attribute or a block.
public enum HCLBodyItem: Sendable, Hashable {
    /// A `name = value` attribute.
    case attribute(HCLAttribute)
    /// A nested block.
    case block(HCLBlock)
}

/// The content of a file or of a block: its attributes and blocks in source order.
///
/// Attribute names are unique within one body (the parser rejects redefinitions); block types
/// may repeat.
public struct HCLBody: Sendable, Hashable {
    /// Every attribute and block, in source order.
    public var items: [HCLBodyItem]

    /// Creates a body from its items.
    public init(items: [HCLBodyItem] = []) {
        self.items = items
    }

    /// The attributes, in source order.
    public var attributes: [HCLAttribute] {
        items.compactMap { item in
            if case .attribute(let attribute) = item { return attribute }
            return nil
        }
    }

    /// The blocks, in source order.
    public var blocks: [HCLBlock] {
        items.compactMap { item in
            if case .block(let block) = item { return block }
            return nil
        }
    }

    /// The blocks whose type is `type`, in source order.
    public func blocks(ofType type: String) -> [HCLBlock] {
        blocks.filter { $0.type == type }
    }

    /// The attribute called `name`, if the body has one.
    public func attribute(_ name: String) -> HCLAttribute? {
        attributes.first { $0.name == name }
    }
}
