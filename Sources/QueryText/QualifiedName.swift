// A possibly schema-qualified name from the parse tree, as PostgreSQL resolved it.

/// `catalog.schema.name` with 1 to 3 components, each unquoted and case-folded by PostgreSQL.
struct QualifiedName: Equatable {
    /// From the most general component to the name itself.
    var components: [String]
    /// Byte offset of the name's first component in the text, nil when the tree does not say.
    var location: Int?
}
