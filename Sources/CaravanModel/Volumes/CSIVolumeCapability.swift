/// An access mode and an attachment mode a volume may be claimed with (one entry of a volume's
/// `RequestedCapabilities`).
public struct CSIVolumeCapability: Sendable, Hashable {
    public var accessMode: String
    public var attachmentMode: String

    public init(accessMode: String, attachmentMode: String) {
        self.accessMode = accessMode
        self.attachmentMode = attachmentMode
    }
}

/// Nomad's `VolumeAccessMode` values. The empty string is "unknown": a volume nobody claims.
public enum CSIAccessMode {
    public static let unknown = ""
    public static let singleNodeReader = "single-node-reader-only"
    public static let singleNodeWriter = "single-node-writer"
    public static let multiNodeReader = "multi-node-reader-only"
    public static let multiNodeSingleWriter = "multi-node-single-writer"
    public static let multiNodeMultiWriter = "multi-node-multi-writer"

    public static let all: Set<String> = [singleNodeReader, singleNodeWriter, multiNodeReader, multiNodeSingleWriter, multiNodeMultiWriter]

    /// Whether a claim in `mode` may write.
    public static func isWriter(_ mode: String) -> Bool {
        mode == singleNodeWriter || mode == multiNodeSingleWriter || mode == multiNodeMultiWriter
    }
}

/// Nomad's `VolumeAttachmentMode` values. The empty string is "unknown".
public enum CSIAttachmentMode {
    public static let unknown = ""
    public static let blockDevice = "block-device"
    public static let fileSystem = "file-system"

    public static let all: Set<String> = [blockDevice, fileSystem]
}

extension CSIVolumeCapability: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(accessMode: try c.optional(String.self, "AccessMode") ?? "", attachmentMode: try c.optional(String.self, "AttachmentMode") ?? "")
    }
}

extension CSIVolumeCapability: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("AccessMode", accessMode)
        json.field("AttachmentMode", attachmentMode)
        json.endObject()
    }
}
