/// What a blocking query watches: a whole table (lists) or one object (detail reads).
public enum WatchKey: Sendable, Hashable {
    case table(Table)
    case job(JobKey)
    case node(String)
    case plugin(String)
    case volume(VolumeKey)
}
