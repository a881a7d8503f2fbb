// Reads libpg_query's JSON parse tree into a flat array of values (see json_tree.h).

#include "json_tree.h"

#include <stdlib.h>
#include <string.h>

// PostgreSQL refuses expressions nested beyond its stack limit long before this depth.
#define JSON_MAX_DEPTH 2000

typedef struct json_reader {
    json_tree *tree;
    const char *p;
    const char *end;
} json_reader;

static void skip_space(json_reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r')) r->p++;
}

static int32_t add_value(json_tree *tree, uint8_t type) {
    if (tree->count == tree->capacity) {
        int32_t capacity = tree->capacity ? tree->capacity * 2 : 256;
        json_value *grown = realloc(tree->values, (size_t)capacity * sizeof(json_value));
        if (!grown) return -1;
        tree->values = grown;
        tree->capacity = capacity;
    }
    json_value *v = &tree->values[tree->count];
    v->type = type;
    v->key_start = v->key_length = 0;
    v->text_start = v->text_length = 0;
    v->first_child = v->next = -1;
    return tree->count++;
}

// Leaves r->p after the closing quote; returns the raw content's bounds.
static int read_string_bounds(json_reader *r, int32_t *start, int32_t *length) {
    if (r->p >= r->end || *r->p != '"') return 0;
    const char *begin = ++r->p;
    while (r->p < r->end && *r->p != '"') {
        if (*r->p == '\\') r->p++;
        r->p++;
    }
    if (r->p >= r->end) return 0;
    *start = (int32_t)(begin - r->tree->text);
    *length = (int32_t)(r->p - begin);
    r->p++;
    return 1;
}

static int32_t read_value(json_reader *r, int depth);

static int32_t read_container(json_reader *r, int depth, int is_object) {
    int32_t self = add_value(r->tree, is_object ? JSON_OBJECT : JSON_ARRAY);
    if (self < 0) return -1;
    r->p++; // '{' or '['
    skip_space(r);
    char close = is_object ? '}' : ']';
    int32_t last = -1;
    if (r->p < r->end && *r->p == close) { r->p++; return self; }
    for (;;) {
        int32_t key_start = 0, key_length = 0;
        if (is_object) {
            skip_space(r);
            if (!read_string_bounds(r, &key_start, &key_length)) return -1;
            skip_space(r);
            if (r->p >= r->end || *r->p != ':') return -1;
            r->p++;
        }
        int32_t child = read_value(r, depth + 1);
        if (child < 0) return -1;
        r->tree->values[child].key_start = key_start;
        r->tree->values[child].key_length = key_length;
        if (last < 0) r->tree->values[self].first_child = child;
        else r->tree->values[last].next = child;
        last = child;
        skip_space(r);
        if (r->p >= r->end) return -1;
        if (*r->p == ',') { r->p++; continue; }
        if (*r->p == close) { r->p++; return self; }
        return -1;
    }
}

static int32_t read_value(json_reader *r, int depth) {
    if (depth > JSON_MAX_DEPTH) return -1;
    skip_space(r);
    if (r->p >= r->end) return -1;
    char c = *r->p;
    if (c == '{') return read_container(r, depth, 1);
    if (c == '[') return read_container(r, depth, 0);
    if (c == '"') {
        int32_t start, length;
        if (!read_string_bounds(r, &start, &length)) return -1;
        int32_t v = add_value(r->tree, JSON_STRING);
        if (v < 0) return -1;
        r->tree->values[v].text_start = start;
        r->tree->values[v].text_length = length;
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        const char *begin = r->p;
        while (r->p < r->end && strchr("+-.eE0123456789", *r->p)) r->p++;
        int32_t v = add_value(r->tree, JSON_NUMBER);
        if (v < 0) return -1;
        r->tree->values[v].text_start = (int32_t)(begin - r->tree->text);
        r->tree->values[v].text_length = (int32_t)(r->p - begin);
        return v;
    }
    static const struct { const char *word; size_t length; uint8_t type; } words[] = {
        {"true", 4, JSON_TRUE}, {"false", 5, JSON_FALSE}, {"null", 4, JSON_NULL},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if ((size_t)(r->end - r->p) >= words[i].length && memcmp(r->p, words[i].word, words[i].length) == 0) {
            r->p += words[i].length;
            return add_value(r->tree, words[i].type);
        }
    }
    return -1;
}

int32_t json_tree_build(json_tree *tree, const char *text) {
    tree->text = text;
    tree->values = NULL;
    tree->count = tree->capacity = 0;
    json_reader r = { tree, text, text + strlen(text) };
    return read_value(&r, 0);
}

void json_tree_release(json_tree *tree) {
    free(tree->values);
    tree->values = NULL;
    tree->count = tree->capacity = 0;
}

int json_key_is(const json_tree *tree, int32_t value, const char *key) {
    const json_value *v = &tree->values[value];
    size_t length = strlen(key);
    return (size_t)v->key_length == length && memcmp(tree->text + v->key_start, key, length) == 0;
}

int32_t json_member(const json_tree *tree, int32_t object, const char *key) {
    if (object < 0 || tree->values[object].type != JSON_OBJECT) return -1;
    for (int32_t c = tree->values[object].first_child; c >= 0; c = tree->values[c].next) {
        if (json_key_is(tree, c, key)) return c;
    }
    return -1;
}

int32_t json_int(const json_tree *tree, int32_t value, int32_t fallback) {
    if (value < 0 || tree->values[value].type != JSON_NUMBER) return fallback;
    const char *p = tree->text + tree->values[value].text_start;
    const char *end = p + tree->values[value].text_length;
    int negative = 0;
    if (p < end && *p == '-') { negative = 1; p++; }
    int64_t n = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (*p - '0');
        if (n > INT32_MAX) return fallback;
    }
    return (int32_t)(negative ? -n : n);
}

int json_string_is(const json_tree *tree, int32_t value, const char *literal) {
    if (value < 0 || tree->values[value].type != JSON_STRING) return 0;
    size_t length = strlen(literal);
    return (size_t)tree->values[value].text_length == length
        && memcmp(tree->text + tree->values[value].text_start, literal, length) == 0;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static uint32_t read_hex4(const char *p) {
    uint32_t code = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(p[i]);
        if (d < 0) return 0xFFFD;
        code = code * 16 + (uint32_t)d;
    }
    return code;
}

// Writes the UTF-8 form of `code`; \uXXXX (6 bytes of input) never needs more than 4 bytes.
static size_t put_utf8(char *out, uint32_t code) {
    if (code < 0x80) { out[0] = (char)code; return 1; }
    if (code < 0x800) { out[0] = (char)(0xC0 | (code >> 6)); out[1] = (char)(0x80 | (code & 0x3F)); return 2; }
    if (code < 0x10000) {
        out[0] = (char)(0xE0 | (code >> 12)); out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
        out[2] = (char)(0x80 | (code & 0x3F)); return 3;
    }
    out[0] = (char)(0xF0 | (code >> 18)); out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((code >> 6) & 0x3F)); out[3] = (char)(0x80 | (code & 0x3F)); return 4;
}

int32_t json_decode_string(const json_tree *tree, int32_t value, char *out, size_t size) {
    if (value < 0 || tree->values[value].type != JSON_STRING || size == 0) return -1;
    const char *p = tree->text + tree->values[value].text_start;
    const char *end = p + tree->values[value].text_length;
    size_t n = 0;
    // Output never outruns input (every escape is longer than what it stands for), so a buffer of
    // text_length + 1 bytes always holds the result.
    if ((size_t)tree->values[value].text_length + 1 > size) return -1;
    while (p < end) {
        if (*p != '\\') { out[n++] = *p++; continue; }
        p++;
        if (p >= end) break;
        char e = *p++;
        switch (e) {
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            if (end - p < 4) { p = end; break; }
            uint32_t code = read_hex4(p);
            p += 4;
            // A surrogate pair is 12 bytes of input for 4 bytes of output.
            if (code >= 0xD800 && code < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                uint32_t low = read_hex4(p + 2);
                if (low >= 0xDC00 && low < 0xE000) {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    p += 6;
                }
            }
            if (code >= 0xD800 && code < 0xE000) code = 0xFFFD;
            n += put_utf8(out + n, code);
            break;
        }
        default: out[n++] = e; break; // \" \\ \/
        }
    }
    out[n] = '\0';
    return (int32_t)n;
}
