import CaravanModel

// Binary encodings of ACL policies, ACL tokens and namespaces, in log entries and snapshots.
// Field order is the format: changing it means a new format version.

extension ACLPolicy {
    func encode(to w: inout BinaryWriter) {
        w.string(name)
        w.string(description)
        w.string(rules)
        w.uvarint(createIndex)
        w.uvarint(modifyIndex)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> ACLPolicy {
        ACLPolicy(
            name: try r.string(), description: try r.string(), rules: try r.string(), createIndex: try r.uvarint(),
            modifyIndex: try r.uvarint()
        )
    }
}

extension ACLToken {
    func encode(to w: inout BinaryWriter) {
        w.string(accessorID)
        w.string(secretID)
        w.string(name)
        w.string(type)
        w.strings(policies)
        w.bool(global)
        w.varint(createTime)
        w.optional(expirationTime) { $0.varint($1) }
        w.uvarint(createIndex)
        w.uvarint(modifyIndex)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> ACLToken {
        ACLToken(
            accessorID: try r.string(), secretID: try r.string(), name: try r.string(), type: try r.string(),
            policies: try r.strings(), global: try r.bool(), createTime: try r.varint(),
            expirationTime: try r.optional { (r: inout BinaryReader) throws(BinaryDecodingError) in try r.varint() },
            createIndex: try r.uvarint(), modifyIndex: try r.uvarint()
        )
    }
}

extension Namespace {
    func encode(to w: inout BinaryWriter) {
        w.string(name)
        w.string(description)
        w.string(quota)
        w.stringMap(meta)
        w.uvarint(createIndex)
        w.uvarint(modifyIndex)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> Namespace {
        Namespace(
            name: try r.string(), description: try r.string(), quota: try r.string(), meta: try r.stringMap(),
            createIndex: try r.uvarint(), modifyIndex: try r.uvarint()
        )
    }
}
