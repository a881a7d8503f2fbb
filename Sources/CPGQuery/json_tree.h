// A read-only tree over the JSON text libpg_query prints for a parse tree: just enough JSON to walk
// objects by key, with strings decoded on demand. Not a general JSON library.

#ifndef CPGQUERY_JSON_TREE_H
#define CPGQUERY_JSON_TREE_H

#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/// One value. Members of objects and elements of arrays are linked through `next`.
typedef struct json_value {
    uint8_t type;
    int32_t key_start, key_length;   // member key, raw (libpg_query keys never need unescaping)
    int32_t text_start, text_length; // strings: raw content between the quotes; numbers: digits
    int32_t first_child;             // -1 when empty
    int32_t next;                    // -1 when last
} json_value;

typedef struct json_tree {
    const char *text;
    json_value *values;
    int32_t count;
    int32_t capacity;
} json_tree;

/// Builds the tree for `text`; returns the root index, or -1 when the text is not JSON this reader
/// understands (or nests deeper than it follows).
int32_t json_tree_build(json_tree *tree, const char *text);
void json_tree_release(json_tree *tree);

/// The member of object `object` named `key`, or -1.
int32_t json_member(const json_tree *tree, int32_t object, const char *key);
/// Whether the member key of `value` equals `key`.
int json_key_is(const json_tree *tree, int32_t value, const char *key);
/// The integer value of `value` (a number), or `fallback` when it is missing or not a number.
int32_t json_int(const json_tree *tree, int32_t value, int32_t fallback);
/// Whether `value` is a string equal to `literal` (compared raw: enum names need no unescaping).
int json_string_is(const json_tree *tree, int32_t value, const char *literal);
/// Decodes string `value` into `out` (capacity `size`, NUL-terminated); returns the decoded length,
/// or -1 when it is not a string. Callers size `out` as text_length + 1: decoding never grows text.
int32_t json_decode_string(const json_tree *tree, int32_t value, char *out, size_t size);

#endif
