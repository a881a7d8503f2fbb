// One statement of a parsed query text: its bytes and what the parse tree says it does.

struct ParsedStatement {
    /// What the tree walk found, in the order the words appear in the text.
    enum Item: Equatable {
        /// `name` is the canonical command ("SELECT", "CREATE TABLE"); nil when only the text's first
        /// word can name it. `topLevel`: the statement's own command rather than a nested one.
        case operation(name: String?, topLevel: Bool)
        case collection(QualifiedName)
        /// Named in the summary but not a collection: an index, a sequence.
        case otherTarget(QualifiedName)
        case procedure(QualifiedName)
        case deallocation(Deallocation)
    }

    /// The statement's bytes, from just after the previous `;` (leading whitespace included).
    var range: Range<Int>
    var items: [Item]
}
