/// What an ID or name may hold. Nomad refuses a NUL in a job's ID and name ("Job ID contains a
/// null character"); Caravan refuses every C0 control character and DEL in the IDs and names of
/// jobs, nodes, volumes and plugins, which travel in paths, headers, logs and the CLI's tables,
/// where such a byte can forge a line or end a string early.
enum IdentifierRules {
    /// The problem with `value` as `label` (e.g. "Job ID"), in Nomad's words for a NUL, or nil.
    static func problem(_ label: String, _ value: String) -> String? {
        for scalar in value.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F {
            return scalar.value == 0 ? "\(label) contains a null character" : "\(label) contains a control character"
        }
        return nil
    }

    /// Throws the first problem among `fields` (label, value) as a validation error.
    static func check(_ fields: [(String, String)]) throws(AdmissionError) {
        for (label, value) in fields {
            if let problem = problem(label, value) { throw .invalid(problem) }
        }
    }
}
