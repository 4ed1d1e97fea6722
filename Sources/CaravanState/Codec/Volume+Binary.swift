import CaravanModel

// Binary encodings of volumes and claims (log entry format 3, state snapshot format 3). Field
// order is the format.

extension CSIVolume {
    func encode(to w: inout BinaryWriter) {
        w.string(id)
        w.string(namespace)
        w.string(name)
        w.string(externalID)
        w.string(pluginID)
        w.string(provider)
        w.string(providerVersion)
        w.array(requestedCapabilities) { w, capability in
            w.string(capability.accessMode)
            w.string(capability.attachmentMode)
        }
        w.optional(requestedTopologies) { w, request in
            w.array(request.required) { $0.stringMap($1.segments) }
            w.array(request.preferred) { $0.stringMap($1.segments) }
        }
        w.array(topologies) { $0.stringMap($1.segments) }
        w.string(accessMode)
        w.string(attachmentMode)
        w.optional(mountOptions) { w, options in
            w.string(options.fsType)
            w.strings(options.mountFlags)
        }
        w.stringMap(secrets)
        w.stringMap(parameters)
        w.stringMap(context)
        w.varint(capacity)
        w.varint(requestedCapacityMin)
        w.varint(requestedCapacityMax)
        w.string(cloneID)
        w.string(snapshotID)
        w.map(readClaims) { $1.encode(to: &$0) }
        w.map(writeClaims) { $1.encode(to: &$0) }
        w.map(pastClaims) { $1.encode(to: &$0) }
        w.uvarint(createIndex)
        w.uvarint(modifyIndex)
        w.varint(createTime)
        w.varint(modifyTime)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> CSIVolume {
        func topology(_ r: inout BinaryReader) throws(BinaryDecodingError) -> CSITopology { CSITopology(segments: try r.stringMap()) }
        return CSIVolume(
            id: try r.string(), namespace: try r.string(), name: try r.string(), externalID: try r.string(),
            pluginID: try r.string(), provider: try r.string(), providerVersion: try r.string(),
            requestedCapabilities: try r.array { (r: inout BinaryReader) throws(BinaryDecodingError) in
                CSIVolumeCapability(accessMode: try r.string(), attachmentMode: try r.string())
            },
            requestedTopologies: try r.optional { (r: inout BinaryReader) throws(BinaryDecodingError) in
                CSITopologyRequest(required: try r.array(topology), preferred: try r.array(topology))
            },
            topologies: try r.array(topology), accessMode: try r.string(), attachmentMode: try r.string(),
            mountOptions: try r.optional { (r: inout BinaryReader) throws(BinaryDecodingError) in
                CSIMountOptions(fsType: try r.string(), mountFlags: try r.strings())
            },
            secrets: try r.stringMap(), parameters: try r.stringMap(), context: try r.stringMap(), capacity: try r.varint(),
            requestedCapacityMin: try r.varint(), requestedCapacityMax: try r.varint(), cloneID: try r.string(),
            snapshotID: try r.string(), readClaims: try r.map(CSIVolumeClaim.decode), writeClaims: try r.map(CSIVolumeClaim.decode),
            pastClaims: try r.map(CSIVolumeClaim.decode), createIndex: try r.uvarint(), modifyIndex: try r.uvarint(),
            createTime: try r.varint(), modifyTime: try r.varint()
        )
    }
}

extension CSIVolumeClaim {
    func encode(to w: inout BinaryWriter) {
        w.string(allocationID)
        w.string(nodeID)
        w.string(externalNodeID)
        w.byte(UInt8(mode.rawValue))
        w.string(accessMode)
        w.string(attachmentMode)
        w.byte(UInt8(state.rawValue))
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> CSIVolumeClaim {
        let allocationID = try r.string()
        let nodeID = try r.string()
        let externalNodeID = try r.string()
        let modeOffset = r.offset
        let modeTag = try r.byte()
        guard let mode = CSIVolumeClaimMode(rawValue: Int(modeTag)) else { throw .invalidTag(modeTag, offset: modeOffset, context: "claim mode") }
        let accessMode = try r.string()
        let attachmentMode = try r.string()
        let stateOffset = r.offset
        let stateTag = try r.byte()
        guard let state = CSIVolumeClaimState(rawValue: Int(stateTag)) else {
            throw .invalidTag(stateTag, offset: stateOffset, context: "claim state")
        }
        return CSIVolumeClaim(
            allocationID: allocationID, nodeID: nodeID, externalNodeID: externalNodeID, mode: mode, accessMode: accessMode,
            attachmentMode: attachmentMode, state: state
        )
    }
}
