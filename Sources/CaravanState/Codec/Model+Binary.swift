import CaravanModel

// Binary encodings of the model types that travel inside log entries and snapshots. Field order
// is the format: changing it means a new format version.

extension JSONValue {
    func encode(to w: inout BinaryWriter) {
        switch self {
        case .null: w.byte(0)
        case .bool(let value): w.byte(value ? 2 : 1)
        case .int(let value): w.byte(3); w.varint(value)
        case .double(let value): w.byte(4); w.double(value)
        case .string(let value): w.byte(5); w.string(value)
        case .array(let values): w.byte(6); w.array(values) { $1.encode(to: &$0) }
        case .object(let members): w.byte(7); w.map(members) { $1.encode(to: &$0) }
        }
    }

    static func decode(from r: inout BinaryReader, depth: Int = 0) throws(BinaryDecodingError) -> JSONValue {
        let start = r.offset
        guard depth < 64 else { throw .malformed(offset: start, context: "JSON nesting") }
        switch try r.byte() {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return .int(try r.varint())
        case 4: return .double(try r.double())
        case 5: return .string(try r.string())
        case 6: return .array(try r.array { (r: inout BinaryReader) throws(BinaryDecodingError) in try decode(from: &r, depth: depth + 1) })
        case 7: return .object(try r.map { (r: inout BinaryReader) throws(BinaryDecodingError) in try decode(from: &r, depth: depth + 1) })
        case let tag: throw .invalidTag(tag, offset: start, context: "JSON value")
        }
    }
}

extension BinaryWriter {
    mutating func extra(_ members: [String: JSONValue]) { map(members) { $1.encode(to: &$0) } }
}

extension BinaryReader {
    mutating func extra() throws(BinaryDecodingError) -> [String: JSONValue] {
        try map { (r: inout BinaryReader) throws(BinaryDecodingError) in try JSONValue.decode(from: &r) }
    }
}

extension Job {
    func encode(to w: inout BinaryWriter) {
        w.string(id)
        w.string(parentID)
        w.string(name)
        w.string(namespace)
        w.string(type)
        w.int(priority)
        w.strings(datacenters)
        w.string(nodePool)
        w.string(region)
        w.bool(stop)
        w.string(status)
        w.string(statusDescription)
        w.bool(stable)
        w.uvarint(version)
        w.varint(submitTime)
        w.array(taskGroups) { $1.encode(to: &$0) }
        w.uvarint(createIndex)
        w.uvarint(modifyIndex)
        w.uvarint(jobModifyIndex)
        w.extra(extra)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> Job {
        Job(
            id: try r.string(), parentID: try r.string(), name: try r.string(), namespace: try r.string(),
            type: try r.string(), priority: try r.int(), datacenters: try r.strings(), nodePool: try r.string(),
            region: try r.string(), stop: try r.bool(), status: try r.string(), statusDescription: try r.string(),
            stable: try r.bool(), version: try r.uvarint(), submitTime: try r.varint(),
            taskGroups: try r.array(TaskGroup.decode), createIndex: try r.uvarint(), modifyIndex: try r.uvarint(),
            jobModifyIndex: try r.uvarint(), extra: try r.extra()
        )
    }
}

extension TaskGroup {
    func encode(to w: inout BinaryWriter) {
        w.string(name)
        w.int(count)
        w.array(tasks) { $1.encode(to: &$0) }
        w.optional(volumes) { w, volumes in w.map(volumes) { $1.encode(to: &$0) } }
        w.extra(extra)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> TaskGroup {
        TaskGroup(
            name: try r.string(), count: try r.int(), tasks: try r.array(JobTask.decode),
            volumes: try r.optional { (r: inout BinaryReader) throws(BinaryDecodingError) in try r.map(VolumeRequest.decode) },
            extra: try r.extra()
        )
    }
}

extension JobTask {
    func encode(to w: inout BinaryWriter) {
        w.string(name)
        w.string(driver)
        w.optional(config) { $0.extra($1) }
        w.optional(csiPluginConfig) { $1.encode(to: &$0) }
        w.extra(extra)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> JobTask {
        JobTask(
            name: try r.string(), driver: try r.string(),
            config: try r.optional { (r: inout BinaryReader) throws(BinaryDecodingError) in try r.extra() },
            csiPluginConfig: try r.optional(TaskCSIPluginConfig.decode), extra: try r.extra()
        )
    }
}

extension TaskCSIPluginConfig {
    func encode(to w: inout BinaryWriter) {
        w.string(id)
        w.string(type)
        w.string(mountDir)
        w.string(stagePublishBaseDir)
        w.varint(healthTimeout)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> TaskCSIPluginConfig {
        TaskCSIPluginConfig(
            id: try r.string(), type: try r.string(), mountDir: try r.string(), stagePublishBaseDir: try r.string(),
            healthTimeout: try r.varint()
        )
    }
}

extension VolumeRequest {
    func encode(to w: inout BinaryWriter) {
        w.string(name)
        w.string(type)
        w.string(source)
        w.bool(readOnly)
        w.string(accessMode)
        w.string(attachmentMode)
        w.bool(perAlloc)
        w.extra(extra)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> VolumeRequest {
        VolumeRequest(
            name: try r.string(), type: try r.string(), source: try r.string(), readOnly: try r.bool(),
            accessMode: try r.string(), attachmentMode: try r.string(), perAlloc: try r.bool(), extra: try r.extra()
        )
    }
}

extension Node {
    func encode(to w: inout BinaryWriter) {
        w.string(id)
        w.string(secretID)
        w.string(name)
        w.string(datacenter)
        w.string(nodePool)
        w.string(nodeClass)
        w.string(httpAddr)
        w.string(status)
        w.string(statusDescription)
        w.varint(statusUpdatedAt)
        w.string(schedulingEligibility)
        w.stringMap(attributes)
        w.stringMap(meta)
        w.map(drivers) { $1.encode(to: &$0) }
        w.map(csiControllerPlugins) { $1.encode(to: &$0) }
        w.map(csiNodePlugins) { $1.encode(to: &$0) }
        w.uvarint(createIndex)
        w.uvarint(modifyIndex)
        w.extra(extra)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> Node {
        Node(
            id: try r.string(), secretID: try r.string(), name: try r.string(), datacenter: try r.string(),
            nodePool: try r.string(), nodeClass: try r.string(), httpAddr: try r.string(), status: try r.string(),
            statusDescription: try r.string(), statusUpdatedAt: try r.varint(), schedulingEligibility: try r.string(),
            attributes: try r.stringMap(), meta: try r.stringMap(), drivers: try r.map(DriverInfo.decode),
            csiControllerPlugins: try r.map(CSIInfo.decode), csiNodePlugins: try r.map(CSIInfo.decode),
            createIndex: try r.uvarint(), modifyIndex: try r.uvarint(), extra: try r.extra()
        )
    }
}

extension DriverInfo {
    func encode(to w: inout BinaryWriter) {
        w.stringMap(attributes)
        w.bool(detected)
        w.bool(healthy)
        w.string(healthDescription)
        w.string(updateTime)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> DriverInfo {
        DriverInfo(
            attributes: try r.stringMap(), detected: try r.bool(), healthy: try r.bool(),
            healthDescription: try r.string(), updateTime: try r.string()
        )
    }
}

extension CSIInfo {
    func encode(to w: inout BinaryWriter) {
        w.string(pluginID)
        w.string(allocID)
        w.bool(healthy)
        w.string(healthDescription)
        w.string(updateTime)
        w.string(provider)
        w.string(providerVersion)
        w.bool(requiresControllerPlugin)
        w.bool(requiresTopologies)
        w.optional(controllerInfo) { w, info in
            var bits: UInt64 = 0
            for (i, flag) in info.flags.enumerated() where flag { bits |= 1 << UInt64(i) }
            w.uvarint(bits)
        }
        w.optional(nodeInfo) { $1.encode(to: &$0) }
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> CSIInfo {
        CSIInfo(
            pluginID: try r.string(), allocID: try r.string(), healthy: try r.bool(), healthDescription: try r.string(),
            updateTime: try r.string(), provider: try r.string(), providerVersion: try r.string(),
            requiresControllerPlugin: try r.bool(), requiresTopologies: try r.bool(),
            controllerInfo: try r.optional { (r: inout BinaryReader) throws(BinaryDecodingError) in
                let bits = try r.uvarint()
                return CSIControllerInfo(flags: (0..<12).map { bits & (1 << UInt64($0)) != 0 })
            },
            nodeInfo: try r.optional(CSINodeInfo.decode)
        )
    }
}

extension CSINodeInfo {
    func encode(to w: inout BinaryWriter) {
        w.string(id)
        w.varint(maxVolumes)
        w.optional(accessibleTopology) { $0.stringMap($1.segments) }
        w.bool(requiresNodeStageVolume)
        w.bool(supportsStats)
        w.bool(supportsExpand)
        w.bool(supportsCondition)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> CSINodeInfo {
        CSINodeInfo(
            id: try r.string(), maxVolumes: try r.varint(),
            accessibleTopology: try r.optional { (r: inout BinaryReader) throws(BinaryDecodingError) in
                CSITopology(segments: try r.stringMap())
            },
            requiresNodeStageVolume: try r.bool(), supportsStats: try r.bool(), supportsExpand: try r.bool(),
            supportsCondition: try r.bool()
        )
    }
}

extension JobSummary {
    func encode(to w: inout BinaryWriter) {
        w.string(jobID)
        w.string(namespace)
        w.map(summary) { $1.encode(to: &$0) }
        children.encode(to: &w)
        w.uvarint(createIndex)
        w.uvarint(modifyIndex)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> JobSummary {
        JobSummary(
            jobID: try r.string(), namespace: try r.string(), summary: try r.map(TaskGroupSummary.decode),
            children: try JobChildrenSummary.decode(from: &r), createIndex: try r.uvarint(), modifyIndex: try r.uvarint()
        )
    }
}

extension TaskGroupSummary {
    func encode(to w: inout BinaryWriter) {
        w.int(queued)
        w.int(complete)
        w.int(failed)
        w.int(running)
        w.int(starting)
        w.int(lost)
        w.int(unknown)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> TaskGroupSummary {
        TaskGroupSummary(
            queued: try r.int(), complete: try r.int(), failed: try r.int(), running: try r.int(), starting: try r.int(),
            lost: try r.int(), unknown: try r.int()
        )
    }
}

extension JobChildrenSummary {
    func encode(to w: inout BinaryWriter) {
        w.int(pending)
        w.int(running)
        w.int(dead)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> JobChildrenSummary {
        JobChildrenSummary(pending: try r.int(), running: try r.int(), dead: try r.int())
    }
}
