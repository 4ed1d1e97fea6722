import CaravanModel

/// The checks a job must pass before it is proposed. All problems are reported together.
enum JobValidation {
    /// The largest task group `Count` accepted. Nomad sets no bound of its own; Caravan keeps
    /// counts within a 32-bit integer, which every Nomad client decodes.
    static let maxGroupCount = Int(Int32.max)
    /// The most datacenters (names or globs) a job may name, and the longest name or glob. Nomad
    /// sets no bound; the state machine matches every system job's globs against every ready
    /// node's datacenter, at a cost of pattern length times name length, on every replica.
    static let maxDatacenters = 64
    static let maxDatacenterLength = 128

    static func validate(_ job: Job) throws(AdmissionError) {
        var problems: [String] = []
        if !Job.types.contains(job.type) { problems.append("Invalid job type: \"\(job.type)\"") }
        if job.priority < 1 || job.priority > 100 { problems.append("Job priority must be between [1, 100]") }
        if job.id.contains(" ") { problems.append("Job ID contains a space") }
        if let problem = IdentifierRules.problem("Job ID", job.id) { problems.append(problem) }
        if let problem = IdentifierRules.problem("Job Name", job.name) { problems.append(problem) }
        if job.taskGroups.isEmpty { problems.append("Missing job task groups") }
        if job.datacenters.count > maxDatacenters { problems.append("Job names more than \(maxDatacenters) datacenters") }
        if job.datacenters.contains(where: { $0.utf8.count > maxDatacenterLength }) {
            problems.append("Job datacenter longer than \(maxDatacenterLength) bytes")
        }
        var groupNames: Set<String> = []
        for (position, group) in job.taskGroups.enumerated() {
            let label = group.name.isEmpty ? "group \(position + 1)" : "Task group \(group.name)"
            if group.name.isEmpty { problems.append("Job task group \(position + 1) missing name") }
            if !groupNames.insert(group.name).inserted, !group.name.isEmpty {
                problems.append("Job task group \(position + 1) redefines '\(group.name)' from group \(position)")
            }
            if group.count < 0 { problems.append("\(label): Task group count can't be negative") }
            if group.count > maxGroupCount { problems.append("\(label): Task group count can't be greater than \(maxGroupCount)") }
            if group.tasks.isEmpty { problems.append("\(label): Missing tasks for task group") }
            for task in group.tasks {
                if task.name.isEmpty { problems.append("\(label): Task missing name") }
                guard let plugin = task.csiPluginConfig else { continue }
                if let problem = IdentifierRules.problem("\(label): CSIPluginConfig PluginID", plugin.id) { problems.append(problem) }
                if plugin.id.isEmpty { problems.append("\(label): CSIPluginConfig must have a non-empty PluginID") }
                if !TaskCSIPluginConfig.types.contains(plugin.type) {
                    problems.append(
                        "\(label): CSIPluginConfig PluginType must be one of 'node', 'controller', or 'monolith', got: \"\(plugin.type)\""
                    )
                }
            }
        }
        guard problems.isEmpty else {
            throw .invalid("Job validation failed: " + problems.joined(separator: "; "))
        }
    }
}
