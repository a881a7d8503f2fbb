// The C surface of PostgreSQL's own parser (libpg_query, Debian libpg-query-dev) that QueryText uses:
// a parse reduced to the operations and names a span needs, and the literal ranges of a scan.
//
// Thread safety: libpg_query keeps its memory contexts in thread-local storage and sets them up on
// first use in each thread, so these calls may run on several threads at once; each result belongs to
// the caller and must be released with its matching cpgq_*_free call on any thread.

#ifndef CPGQUERY_H
#define CPGQUERY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What one item of a parse result describes. Items come in the order their words appear in the text.
typedef enum cpgq_item_kind {
    /// A statement begins: `location` is its first byte (after the previous `;`), `length` its
    /// length in bytes (0 = to the end of the text).
    CPGQ_ITEM_STATEMENT = 1,
    /// An operation: `name` is its canonical command words ("SELECT", "CREATE TABLE"), or NULL when
    /// the statement kind has no entry in the walker's table (then the caller uses the first word).
    /// `top_level` is 1 for the command of the statement itself, 0 for nested ones (CTEs, subqueries).
    CPGQ_ITEM_OPERATION = 2,
    /// A table (or view, index, sequence) the current operation reads or writes.
    CPGQ_ITEM_COLLECTION = 3,
    /// The procedure a CALL invokes.
    CPGQ_ITEM_PROCEDURE = 4,
    /// The statement forgets prepared statements: `name` is the one it forgets, NULL for all of them.
    CPGQ_ITEM_DEALLOCATE = 5,
    /// Another object the operation names, such as an index or sequence: part of the summary, not a
    /// collection. Named like CPGQ_ITEM_COLLECTION.
    CPGQ_ITEM_OTHER_TARGET = 6,
} cpgq_item_kind;

typedef struct cpgq_item {
    int32_t kind;
    /// Byte offset of the item's first word in the text, -1 when the parse tree does not record it.
    int32_t location;
    int32_t length;
    int32_t top_level;
    /// Collections and procedures: the last name component, unquoted and case-folded as PostgreSQL
    /// resolves it. Operations and deallocations: see cpgq_item_kind.
    const char *name;
    /// The components before `name` in a qualified name (`catalog.schema.name`), or NULL.
    const char *schema;
    const char *catalog;
} cpgq_item;

typedef struct cpgq_parse_result {
    cpgq_item *items;
    int32_t item_count;
    int32_t statement_count;
    /// 0 when PostgreSQL's grammar accepted the whole text; then error_cursor is 0.
    int32_t error;
    /// 1-based character position PostgreSQL reported for a syntax error, 0 when unknown.
    int32_t error_cursor;
} cpgq_parse_result;

/// Parses `text` (NUL-terminated) with PostgreSQL's grammar. Never returns NULL.
cpgq_parse_result *cpgq_parse(const char *text);
void cpgq_parse_result_free(cpgq_parse_result *result);

/// A half-open byte range [start, end) of the text.
typedef struct cpgq_range {
    int32_t start;
    int32_t end;
} cpgq_range;

typedef struct cpgq_scan_result {
    /// Tokens of kind SCONST, USCONST, ICONST, FCONST, BCONST and XCONST, in order.
    cpgq_range *literals;
    int32_t literal_count;
    /// Parameter markers ($1) and comments, in order; the tests compare them with the Swift lexer.
    cpgq_range *others;
    int32_t other_count;
    /// 0 when PostgreSQL's scanner read the whole text (an unterminated literal is an error).
    int32_t error;
} cpgq_scan_result;

/// Runs PostgreSQL's scanner over `text` (NUL-terminated). Never returns NULL.
cpgq_scan_result *cpgq_scan(const char *text);
void cpgq_scan_result_free(cpgq_scan_result *result);

#ifdef __cplusplus
}
#endif

#endif
