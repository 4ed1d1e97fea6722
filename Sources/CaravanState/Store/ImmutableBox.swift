/// An immutable value behind a reference. The persistent tables hold large values this way, so
/// that copying a tree node (which every insert into it does) copies pointers, not structs.
final class ImmutableBox<Value: Sendable>: Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }
}
