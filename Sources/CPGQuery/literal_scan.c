// cpgq_scan: PostgreSQL's own scanner (pg_query_scan), reduced to the byte ranges of its literal
// tokens. QueryText redacts these on top of its own lexer's findings, so a literal either of them
// sees never reaches db.query.text.

#include "cpgquery.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>
#include <stdlib.h>

static int is_literal(PgQuery__Token token) {
    switch (token) {
    case PG_QUERY__TOKEN__SCONST:
    case PG_QUERY__TOKEN__USCONST:
    case PG_QUERY__TOKEN__ICONST:
    case PG_QUERY__TOKEN__FCONST:
    case PG_QUERY__TOKEN__BCONST:
    case PG_QUERY__TOKEN__XCONST:
        return 1;
    default:
        return 0;
    }
}

static int is_other_reported(PgQuery__Token token) {
    return token == PG_QUERY__TOKEN__PARAM || token == PG_QUERY__TOKEN__SQL_COMMENT || token == PG_QUERY__TOKEN__C_COMMENT;
}

cpgq_scan_result *cpgq_scan(const char *text) {
    cpgq_scan_result *result = calloc(1, sizeof *result);
    if (!result) abort();
    PgQueryScanResult scanned = pg_query_scan(text);
    if (scanned.error) {
        result->error = 1;
        pg_query_free_scan_result(scanned);
        return result;
    }
    PgQuery__ScanResult *tokens = pg_query__scan_result__unpack(NULL, scanned.pbuf.len, (const uint8_t *)scanned.pbuf.data);
    if (!tokens) {
        result->error = 2;
        pg_query_free_scan_result(scanned);
        return result;
    }
    if (tokens->n_tokens > 0) {
        result->literals = malloc(tokens->n_tokens * sizeof(cpgq_range));
        result->others = malloc(tokens->n_tokens * sizeof(cpgq_range));
        if (!result->literals || !result->others) abort();
    }
    for (size_t i = 0; i < tokens->n_tokens; i++) {
        PgQuery__ScanToken *t = tokens->tokens[i];
        cpgq_range range = { t->start, t->end };
        if (is_literal(t->token)) result->literals[result->literal_count++] = range;
        else if (is_other_reported(t->token)) result->others[result->other_count++] = range;
    }
    pg_query__scan_result__free_unpacked(tokens, NULL);
    pg_query_free_scan_result(scanned);
    return result;
}

void cpgq_scan_result_free(cpgq_scan_result *result) {
    if (!result) return;
    free(result->literals);
    free(result->others);
    free(result);
}
