// cpgq_parse: runs pg_query_parse and walks the JSON parse tree it prints, emitting the operations
// and names of each statement in the order they appear in the text (see cpgquery.h).
//
// Why JSON: on PostgreSQL 15's libpg_query, printing JSON and reading it here costs about a fifth of
// pg_query_parse_protobuf followed by protobuf-c's unpack, and the tree is the same.
//
// Only names (identifiers) and fixed words ever leave this file: literal values in the tree
// (A_Const) are never read.

#include "cpgquery.h"
#include "json_tree.h"

#include <pg_query.h>
#include <stdlib.h>
#include <string.h>

#define WALK_MAX_DEPTH 1000
#define CTE_SCOPE_LIMIT 256

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    char bytes[];
} arena_block;

typedef struct parse_storage {
    cpgq_parse_result result; // first, so a cpgq_parse_result * is a parse_storage *
    int32_t item_capacity;
    arena_block *blocks;
} parse_storage;

typedef struct walker {
    parse_storage *storage;
    json_tree tree;
    const char *cte_names[CTE_SCOPE_LIMIT];
    int cte_count;
    int depth;
} walker;

static char *arena_alloc(parse_storage *s, size_t size) {
    arena_block *b = s->blocks;
    if (!b || b->size - b->used < size) {
        size_t block_size = size > 4000 ? size : 4000;
        b = malloc(sizeof(arena_block) + block_size);
        if (!b) return NULL;
        b->next = s->blocks;
        b->used = 0;
        b->size = block_size;
        s->blocks = b;
    }
    char *p = b->bytes + b->used;
    b->used += size;
    return p;
}

static cpgq_item *add_item(walker *w, int32_t kind) {
    parse_storage *s = w->storage;
    if (s->result.item_count == s->item_capacity) {
        int32_t capacity = s->item_capacity ? s->item_capacity * 2 : 32;
        cpgq_item *grown = realloc(s->result.items, (size_t)capacity * sizeof(cpgq_item));
        if (!grown) return NULL;
        s->result.items = grown;
        s->item_capacity = capacity;
    }
    cpgq_item *item = &s->result.items[s->result.item_count++];
    memset(item, 0, sizeof *item);
    item->kind = kind;
    item->location = -1;
    return item;
}

// ---- reading the tree ----

static const json_value *value_at(walker *w, int32_t v) { return &w->tree.values[v]; }

static int32_t member(walker *w, int32_t object, const char *key) { return json_member(&w->tree, object, key); }

static const char *decoded(walker *w, int32_t v) {
    if (v < 0 || value_at(w, v)->type != JSON_STRING) return NULL;
    size_t size = (size_t)value_at(w, v)->text_length + 1;
    char *out = arena_alloc(w->storage, size);
    if (!out || json_decode_string(&w->tree, v, out, size) < 0) return NULL;
    return out;
}

static int is_true(walker *w, int32_t object, const char *key) {
    int32_t v = member(w, object, key);
    return v >= 0 && value_at(w, v)->type == JSON_TRUE;
}

static int string_member_is(walker *w, int32_t object, const char *key, const char *literal) {
    return json_string_is(&w->tree, member(w, object, key), literal);
}

// A Node prints as {"TypeName": {...fields}}; returns the fields and sets *type, else -1.
static int32_t unwrap_node(walker *w, int32_t v, int32_t *type_key) {
    if (v < 0 || value_at(w, v)->type != JSON_OBJECT) return -1;
    int32_t only = value_at(w, v)->first_child;
    if (only < 0 || value_at(w, only)->next >= 0) return -1;
    char first = w->tree.text[value_at(w, only)->key_start];
    if (first < 'A' || first > 'Z') return -1;
    *type_key = only;
    return only;
}

static int node_is(walker *w, int32_t type_key, const char *type) { return json_key_is(&w->tree, type_key, type); }

// ---- emitting ----

static void emit_operation(walker *w, const char *name, int top_level) {
    cpgq_item *item = add_item(w, CPGQ_ITEM_OPERATION);
    if (!item) return;
    item->name = name;
    item->top_level = top_level;
}

static int in_cte_scope(walker *w, const char *name) {
    for (int i = w->cte_count - 1; i >= 0; i--) {
        if (w->cte_names[i] && strcmp(w->cte_names[i], name) == 0) return 1;
    }
    return 0;
}

// A RangeVar's fields: relname, schemaname, catalogname, location.
static void emit_range_var_as(walker *w, int32_t fields, int32_t kind) {
    const char *relname = decoded(w, member(w, fields, "relname"));
    if (!relname) return;
    const char *schema = decoded(w, member(w, fields, "schemaname"));
    const char *catalog = decoded(w, member(w, fields, "catalogname"));
    // An unqualified name that a WITH clause in scope defines is that query, not a table.
    if (!schema && !catalog && in_cte_scope(w, relname)) return;
    cpgq_item *item = add_item(w, kind);
    if (!item) return;
    item->name = relname;
    item->schema = schema;
    item->catalog = catalog;
    item->location = json_int(&w->tree, member(w, fields, "location"), -1);
}

static void emit_range_var(walker *w, int32_t fields) { emit_range_var_as(w, fields, CPGQ_ITEM_COLLECTION); }

// A qualified name printed as a list of String nodes ([{"String":{"sval":"s"}}, ...]).
static void emit_name_list(walker *w, int32_t kind, int32_t list, int32_t location) {
    if (list < 0 || value_at(w, list)->type != JSON_ARRAY) return;
    const char *parts[3] = { NULL, NULL, NULL };
    int count = 0;
    for (int32_t e = value_at(w, list)->first_child; e >= 0; e = value_at(w, e)->next) {
        int32_t type;
        int32_t fields = unwrap_node(w, e, &type);
        if (fields < 0 || !node_is(w, type, "String")) return;
        if (count == 3) return; // more components than PostgreSQL accepts for a relation
        parts[count++] = decoded(w, member(w, fields, "sval"));
    }
    if (count == 0 || !parts[count - 1]) return;
    cpgq_item *item = add_item(w, kind);
    if (!item) return;
    item->name = parts[count - 1];
    item->schema = count >= 2 ? parts[count - 2] : NULL;
    item->catalog = count == 3 ? parts[0] : NULL;
    item->location = location;
}

// ---- walking ----

static void visit(walker *w, int32_t v);
static void visit_select(walker *w, int32_t fields, int top_level);
static void visit_dml(walker *w, int32_t type_key, int32_t fields, int top_level);

static void visit_member(walker *w, int32_t object, const char *key) {
    int32_t v = member(w, object, key);
    if (v >= 0) visit(w, v);
}

// Fields of a struct printed without a Node wrapper: every member, in printed order.
static void visit_fields(walker *w, int32_t fields) {
    for (int32_t m = value_at(w, fields)->first_child; m >= 0; m = value_at(w, m)->next) {
        // FOR UPDATE OF names tables the FROM clause already listed.
        if (json_key_is(&w->tree, m, "lockingClause")) continue;
        // RangeVar-typed fields print unwrapped: InsertStmt.relation, IntoClause.rel and the like.
        if ((json_key_is(&w->tree, m, "relation") || json_key_is(&w->tree, m, "rel"))
            && value_at(w, m)->type == JSON_OBJECT && member(w, m, "relname") >= 0) {
            emit_range_var(w, m);
            continue;
        }
        visit(w, m);
    }
}

static void visit(walker *w, int32_t v) {
    if (v < 0 || w->depth > WALK_MAX_DEPTH) return;
    w->depth++;
    const json_value *value = value_at(w, v);
    if (value->type == JSON_ARRAY) {
        for (int32_t e = value->first_child; e >= 0; e = value_at(w, e)->next) visit(w, e);
    } else if (value->type == JSON_OBJECT) {
        int32_t type;
        int32_t fields = unwrap_node(w, v, &type);
        if (fields < 0) {
            visit_fields(w, v);
        } else if (node_is(w, type, "RangeVar")) {
            emit_range_var(w, fields);
        } else if (node_is(w, type, "SelectStmt") || node_is(w, type, "InsertStmt") || node_is(w, type, "UpdateStmt")
                   || node_is(w, type, "DeleteStmt") || node_is(w, type, "MergeStmt")) {
            visit_dml(w, type, fields, 0);
        } else if (node_is(w, type, "A_Const")) {
            // A literal: nothing to learn, and its value must not travel.
        } else if (value_at(w, fields)->type == JSON_OBJECT) {
            visit_fields(w, fields);
        }
    }
    w->depth--;
}

// WITH: a recursive query may name itself, so its names enter scope before its queries are read;
// otherwise each name enters scope after its own query (which may read a table of the same name).
static void visit_with(walker *w, int32_t with_clause) {
    if (with_clause < 0) return;
    int recursive = is_true(w, with_clause, "recursive");
    int32_t ctes = member(w, with_clause, "ctes");
    if (ctes < 0 || value_at(w, ctes)->type != JSON_ARRAY) return;
    if (recursive) {
        for (int32_t e = value_at(w, ctes)->first_child; e >= 0; e = value_at(w, e)->next) {
            int32_t type;
            int32_t cte = unwrap_node(w, e, &type);
            if (cte >= 0 && w->cte_count < CTE_SCOPE_LIMIT) w->cte_names[w->cte_count++] = decoded(w, member(w, cte, "ctename"));
        }
    }
    for (int32_t e = value_at(w, ctes)->first_child; e >= 0; e = value_at(w, e)->next) {
        int32_t type;
        int32_t cte = unwrap_node(w, e, &type);
        if (cte < 0) continue;
        visit_member(w, cte, "ctequery");
        if (!recursive && w->cte_count < CTE_SCOPE_LIMIT) w->cte_names[w->cte_count++] = decoded(w, member(w, cte, "ctename"));
    }
}

static void visit_relation(walker *w, int32_t fields, const char *key) {
    int32_t relation = member(w, fields, key);
    if (relation >= 0 && value_at(w, relation)->type == JSON_OBJECT) emit_range_var(w, relation);
}

// Fields of a SelectStmt, in the order their clauses are written. Each arm of a UNION is a
// SelectStmt of its own and may carry its own WITH.
static void visit_select_clauses(walker *w, int32_t fields, int top_level);

static void visit_select(walker *w, int32_t fields, int top_level) {
    int scope = w->cte_count;
    visit_with(w, member(w, fields, "withClause"));
    visit_select_clauses(w, fields, top_level);
    w->cte_count = scope;
}

static void visit_select_clauses(walker *w, int32_t fields, int top_level) {
    if (!string_member_is(w, fields, "op", "SETOP_NONE") && member(w, fields, "larg") >= 0) {
        // UNION / INTERSECT / EXCEPT: the statement's command is its first SELECT.
        int32_t larg = member(w, fields, "larg");
        int32_t rarg = member(w, fields, "rarg");
        if (larg >= 0) visit_select(w, larg, top_level);
        if (rarg >= 0) visit_select(w, rarg, 0);
        visit_member(w, fields, "sortClause");
        visit_member(w, fields, "limitOffset");
        visit_member(w, fields, "limitCount");
        return;
    }
    if (member(w, fields, "valuesLists") >= 0 && member(w, fields, "targetList") < 0) {
        // A VALUES list is an operation only when it is the whole statement.
        if (top_level) emit_operation(w, "VALUES", 1);
        visit_member(w, fields, "valuesLists");
        visit_member(w, fields, "sortClause");
        visit_member(w, fields, "limitOffset");
        visit_member(w, fields, "limitCount");
        return;
    }
    emit_operation(w, "SELECT", top_level);
    static const char *const clauses[] = {
        "distinctClause", "targetList", "intoClause", "fromClause", "whereClause", "groupClause",
        "havingClause", "windowClause", "sortClause", "limitOffset", "limitCount",
    };
    for (size_t i = 0; i < sizeof clauses / sizeof clauses[0]; i++) visit_member(w, fields, clauses[i]);
}

static void visit_dml(walker *w, int32_t type_key, int32_t fields, int top_level) {
    if (node_is(w, type_key, "SelectStmt")) {
        visit_select(w, fields, top_level);
        return;
    }
    int scope = w->cte_count;
    visit_with(w, member(w, fields, "withClause"));
    if (node_is(w, type_key, "InsertStmt")) {
        emit_operation(w, "INSERT", top_level);
        visit_relation(w, fields, "relation");
        int32_t type;
        int32_t source = unwrap_node(w, member(w, fields, "selectStmt"), &type);
        if (source >= 0 && node_is(w, type, "SelectStmt") && member(w, source, "valuesLists") >= 0
            && member(w, source, "targetList") < 0 && member(w, source, "withClause") < 0) {
            // INSERT … VALUES: the rows are data, not a second operation.
            visit_member(w, source, "valuesLists");
        } else {
            visit_member(w, fields, "selectStmt");
        }
        visit_member(w, fields, "onConflictClause");
        visit_member(w, fields, "returningList");
    } else if (node_is(w, type_key, "UpdateStmt")) {
        emit_operation(w, "UPDATE", top_level);
        visit_relation(w, fields, "relation");
        visit_member(w, fields, "targetList");
        visit_member(w, fields, "fromClause");
        visit_member(w, fields, "whereClause");
        visit_member(w, fields, "returningList");
    } else if (node_is(w, type_key, "DeleteStmt")) {
        emit_operation(w, "DELETE", top_level);
        visit_relation(w, fields, "relation");
        visit_member(w, fields, "usingClause");
        visit_member(w, fields, "whereClause");
        visit_member(w, fields, "returningList");
    } else if (node_is(w, type_key, "MergeStmt")) {
        emit_operation(w, "MERGE", top_level);
        visit_relation(w, fields, "relation");
        visit_member(w, fields, "sourceRelation");
        visit_member(w, fields, "joinCondition");
        visit_member(w, fields, "mergeWhenClauses");
    }
    w->cte_count = scope;
}

// ---- utility statements ----

// The words PostgreSQL writes for an ObjectType enum value ("OBJECT_MATVIEW" → "MATERIALIZED VIEW").
static const char *object_words(walker *w, int32_t v) {
    static const struct { const char *name; const char *words; } table[] = {
        {"OBJECT_TABLE", "TABLE"}, {"OBJECT_INDEX", "INDEX"}, {"OBJECT_SEQUENCE", "SEQUENCE"},
        {"OBJECT_VIEW", "VIEW"}, {"OBJECT_MATVIEW", "MATERIALIZED VIEW"}, {"OBJECT_FOREIGN_TABLE", "FOREIGN TABLE"},
        {"OBJECT_SCHEMA", "SCHEMA"}, {"OBJECT_FUNCTION", "FUNCTION"}, {"OBJECT_PROCEDURE", "PROCEDURE"},
        {"OBJECT_ROUTINE", "ROUTINE"}, {"OBJECT_AGGREGATE", "AGGREGATE"}, {"OBJECT_TYPE", "TYPE"},
        {"OBJECT_DOMAIN", "DOMAIN"}, {"OBJECT_TRIGGER", "TRIGGER"}, {"OBJECT_EXTENSION", "EXTENSION"},
        {"OBJECT_DATABASE", "DATABASE"}, {"OBJECT_ROLE", "ROLE"}, {"OBJECT_POLICY", "POLICY"},
        {"OBJECT_RULE", "RULE"}, {"OBJECT_OPERATOR", "OPERATOR"}, {"OBJECT_COLLATION", "COLLATION"},
        {"OBJECT_CONVERSION", "CONVERSION"}, {"OBJECT_TABLESPACE", "TABLESPACE"},
        {"OBJECT_PUBLICATION", "PUBLICATION"}, {"OBJECT_SUBSCRIPTION", "SUBSCRIPTION"},
        {"OBJECT_STATISTIC_EXT", "STATISTICS"}, {"OBJECT_EVENT_TRIGGER", "EVENT TRIGGER"},
        {"OBJECT_FDW", "FOREIGN DATA WRAPPER"}, {"OBJECT_FOREIGN_SERVER", "SERVER"},
        {"OBJECT_LANGUAGE", "LANGUAGE"}, {"OBJECT_CAST", "CAST"}, {"OBJECT_ACCESS_METHOD", "ACCESS METHOD"},
        {"OBJECT_OPCLASS", "OPERATOR CLASS"},
        {"OBJECT_OPFAMILY", "OPERATOR FAMILY"}, {"OBJECT_TRANSFORM", "TRANSFORM"},
        {"OBJECT_LARGEOBJECT", "LARGE OBJECT"}, {"OBJECT_TSCONFIGURATION", "TEXT SEARCH CONFIGURATION"},
        {"OBJECT_TSDICTIONARY", "TEXT SEARCH DICTIONARY"}, {"OBJECT_TSPARSER", "TEXT SEARCH PARSER"},
        {"OBJECT_TSTEMPLATE", "TEXT SEARCH TEMPLATE"}, {"OBJECT_COLUMN", "COLUMN"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (json_string_is(&w->tree, v, table[i].name)) return table[i].words;
    }
    return NULL;
}

// "ALTER " / "DROP " / "CREATE " followed by an object's words, built once per distinct result.
static const char *prefixed(walker *w, const char *prefix, const char *words) {
    if (!words) return NULL;
    size_t a = strlen(prefix), b = strlen(words);
    char *out = arena_alloc(w->storage, a + b + 1);
    if (!out) return NULL;
    memcpy(out, prefix, a);
    memcpy(out + a, words, b + 1);
    return out;
}

// What a relation of ObjectType `v` is to a span: a collection (tables and things queried like
// them), another target (indexes, sequences), or 0 when the statement's names are not relations.
static int32_t relation_item_kind(walker *w, int32_t v) {
    if (json_string_is(&w->tree, v, "OBJECT_TABLE") || json_string_is(&w->tree, v, "OBJECT_VIEW")
        || json_string_is(&w->tree, v, "OBJECT_MATVIEW") || json_string_is(&w->tree, v, "OBJECT_FOREIGN_TABLE"))
        return CPGQ_ITEM_COLLECTION;
    if (json_string_is(&w->tree, v, "OBJECT_INDEX") || json_string_is(&w->tree, v, "OBJECT_SEQUENCE"))
        return CPGQ_ITEM_OTHER_TARGET;
    return 0;
}

static void visit_relation_as(walker *w, int32_t fields, const char *key, int32_t kind) {
    int32_t relation = member(w, fields, key);
    if (kind && relation >= 0 && value_at(w, relation)->type == JSON_OBJECT) emit_range_var_as(w, relation, kind);
}

static void visit_range_var_list(walker *w, int32_t fields, const char *key) {
    int32_t list = member(w, fields, key);
    if (list < 0 || value_at(w, list)->type != JSON_ARRAY) return;
    for (int32_t e = value_at(w, list)->first_child; e >= 0; e = value_at(w, e)->next) {
        int32_t type;
        int32_t rv = unwrap_node(w, e, &type);
        if (rv >= 0 && node_is(w, type, "RangeVar")) emit_range_var(w, rv);
        // VACUUM prints VacuumRelation nodes around its RangeVars.
        else if (rv >= 0 && node_is(w, type, "VacuumRelation")) visit_relation(w, rv, "relation");
    }
}

static const char *transaction_words(walker *w, int32_t fields) {
    static const struct { const char *kind; const char *words; } table[] = {
        {"TRANS_STMT_BEGIN", "BEGIN"}, {"TRANS_STMT_START", "START TRANSACTION"},
        {"TRANS_STMT_COMMIT", "COMMIT"}, {"TRANS_STMT_ROLLBACK", "ROLLBACK"},
        {"TRANS_STMT_SAVEPOINT", "SAVEPOINT"}, {"TRANS_STMT_RELEASE", "RELEASE"},
        {"TRANS_STMT_ROLLBACK_TO", "ROLLBACK"}, {"TRANS_STMT_PREPARE", "PREPARE TRANSACTION"},
        {"TRANS_STMT_COMMIT_PREPARED", "COMMIT PREPARED"}, {"TRANS_STMT_ROLLBACK_PREPARED", "ROLLBACK PREPARED"},
    };
    int32_t kind = member(w, fields, "kind");
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (json_string_is(&w->tree, kind, table[i].kind)) return table[i].words;
    }
    return NULL;
}

// Statements whose operation is fixed by their node type alone.
static const char *fixed_operation(walker *w, int32_t type) {
    static const struct { const char *node; const char *words; } table[] = {
        {"ExecuteStmt", "EXECUTE"}, {"VariableShowStmt", "SHOW"}, {"ListenStmt", "LISTEN"},
        {"NotifyStmt", "NOTIFY"}, {"UnlistenStmt", "UNLISTEN"}, {"DoStmt", "DO"},
        {"CheckPointStmt", "CHECKPOINT"}, {"LoadStmt", "LOAD"}, {"ClosePortalStmt", "CLOSE"},
        {"CreateSchemaStmt", "CREATE SCHEMA"}, {"CreateSeqStmt", "CREATE SEQUENCE"},
        {"AlterSeqStmt", "ALTER SEQUENCE"}, {"CreateTrigStmt", "CREATE TRIGGER"},
        {"CreateExtensionStmt", "CREATE EXTENSION"}, {"AlterExtensionStmt", "ALTER EXTENSION"},
        {"AlterExtensionContentsStmt", "ALTER EXTENSION"}, {"CreatedbStmt", "CREATE DATABASE"},
        {"DropdbStmt", "DROP DATABASE"}, {"AlterDatabaseStmt", "ALTER DATABASE"},
        {"AlterDatabaseSetStmt", "ALTER DATABASE"}, {"AlterDatabaseRefreshCollStmt", "ALTER DATABASE"},
        {"AlterRoleStmt", "ALTER ROLE"}, {"AlterRoleSetStmt", "ALTER ROLE"}, {"DropRoleStmt", "DROP ROLE"},
        {"CreateEnumStmt", "CREATE TYPE"}, {"CompositeTypeStmt", "CREATE TYPE"}, {"CreateRangeStmt", "CREATE TYPE"},
        {"AlterEnumStmt", "ALTER TYPE"}, {"CreateDomainStmt", "CREATE DOMAIN"}, {"AlterDomainStmt", "ALTER DOMAIN"},
        {"RuleStmt", "CREATE RULE"}, {"CreatePolicyStmt", "CREATE POLICY"}, {"AlterPolicyStmt", "ALTER POLICY"},
        {"CommentStmt", "COMMENT"}, {"SecLabelStmt", "SECURITY LABEL"}, {"AlterSystemStmt", "ALTER SYSTEM"},
        {"ConstraintsSetStmt", "SET CONSTRAINTS"}, {"AlterDefaultPrivilegesStmt", "ALTER DEFAULT PRIVILEGES"},
        {"CreatePublicationStmt", "CREATE PUBLICATION"}, {"AlterPublicationStmt", "ALTER PUBLICATION"},
        {"CreateSubscriptionStmt", "CREATE SUBSCRIPTION"}, {"AlterSubscriptionStmt", "ALTER SUBSCRIPTION"},
        {"DropSubscriptionStmt", "DROP SUBSCRIPTION"}, {"CreateStatsStmt", "CREATE STATISTICS"},
        {"AlterStatsStmt", "ALTER STATISTICS"}, {"CreateTableSpaceStmt", "CREATE TABLESPACE"},
        {"DropTableSpaceStmt", "DROP TABLESPACE"}, {"AlterTableSpaceOptionsStmt", "ALTER TABLESPACE"},
        {"CreateEventTrigStmt", "CREATE EVENT TRIGGER"}, {"AlterEventTrigStmt", "ALTER EVENT TRIGGER"},
        {"ReassignOwnedStmt", "REASSIGN OWNED"}, {"DropOwnedStmt", "DROP OWNED"},
        {"ImportForeignSchemaStmt", "IMPORT FOREIGN SCHEMA"}, {"CreateForeignServerStmt", "CREATE SERVER"},
        {"AlterForeignServerStmt", "ALTER SERVER"}, {"CreateFdwStmt", "CREATE FOREIGN DATA WRAPPER"},
        {"AlterFdwStmt", "ALTER FOREIGN DATA WRAPPER"}, {"CreateUserMappingStmt", "CREATE USER MAPPING"},
        {"AlterUserMappingStmt", "ALTER USER MAPPING"}, {"DropUserMappingStmt", "DROP USER MAPPING"},
        {"CreateCastStmt", "CREATE CAST"}, {"CreateOpClassStmt", "CREATE OPERATOR CLASS"},
        {"CreateOpFamilyStmt", "CREATE OPERATOR FAMILY"}, {"AlterOpFamilyStmt", "ALTER OPERATOR FAMILY"},
        {"CreateConversionStmt", "CREATE CONVERSION"}, {"CreateTransformStmt", "CREATE TRANSFORM"},
        {"CreatePLangStmt", "CREATE LANGUAGE"}, {"CreateAmStmt", "CREATE ACCESS METHOD"},
        {"AlterOperatorStmt", "ALTER OPERATOR"}, {"AlterTypeStmt", "ALTER TYPE"},
        {"AlterCollationStmt", "ALTER COLLATION"}, {"AlterTSDictionaryStmt", "ALTER TEXT SEARCH DICTIONARY"},
        {"AlterTSConfigurationStmt", "ALTER TEXT SEARCH CONFIGURATION"}, {"CallStmt", "CALL"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (node_is(w, type, table[i].node)) return table[i].words;
    }
    return NULL;
}

static void emit_deallocation(walker *w, const char *name) {
    cpgq_item *item = add_item(w, CPGQ_ITEM_DEALLOCATE);
    if (item) item->name = name;
}

static void visit_statement(walker *w, int32_t stmt) {
    int32_t type;
    int32_t f = unwrap_node(w, stmt, &type);
    if (f < 0) {
        emit_operation(w, NULL, 1);
        return;
    }
    if (node_is(w, type, "SelectStmt") || node_is(w, type, "InsertStmt") || node_is(w, type, "UpdateStmt")
        || node_is(w, type, "DeleteStmt") || node_is(w, type, "MergeStmt")) {
        visit_dml(w, type, f, 1);
    } else if (node_is(w, type, "CallStmt")) {
        emit_operation(w, "CALL", 1);
        int32_t call = member(w, f, "funccall");
        emit_name_list(w, CPGQ_ITEM_PROCEDURE, member(w, call, "funcname"), json_int(&w->tree, member(w, call, "location"), -1));
        visit_member(w, call, "args");
    } else if (node_is(w, type, "TransactionStmt")) {
        emit_operation(w, transaction_words(w, f), 1);
    } else if (node_is(w, type, "VariableSetStmt")) {
        int reset = string_member_is(w, f, "kind", "VAR_RESET") || string_member_is(w, f, "kind", "VAR_RESET_ALL");
        emit_operation(w, reset ? "RESET" : "SET", 1);
    } else if (node_is(w, type, "CopyStmt")) {
        emit_operation(w, "COPY", 1);
        visit_relation(w, f, "relation");
        visit_member(w, f, "query");
    } else if (node_is(w, type, "TruncateStmt")) {
        emit_operation(w, "TRUNCATE", 1);
        visit_range_var_list(w, f, "relations");
    } else if (node_is(w, type, "LockStmt")) {
        emit_operation(w, "LOCK", 1);
        visit_range_var_list(w, f, "relations");
    } else if (node_is(w, type, "VacuumStmt")) {
        emit_operation(w, is_true(w, f, "is_vacuumcmd") ? "VACUUM" : "ANALYZE", 1);
        visit_range_var_list(w, f, "rels");
    } else if (node_is(w, type, "ExplainStmt")) {
        emit_operation(w, "EXPLAIN", 1);
        visit_member(w, f, "query");
    } else if (node_is(w, type, "PrepareStmt")) {
        // The statement name is left out: drivers number them, which would make every summary unique.
        emit_operation(w, "PREPARE", 1);
        visit_member(w, f, "query");
    } else if (node_is(w, type, "DeclareCursorStmt")) {
        emit_operation(w, "DECLARE", 1);
        visit_member(w, f, "query");
    } else if (node_is(w, type, "FetchStmt")) {
        emit_operation(w, is_true(w, f, "ismove") ? "MOVE" : "FETCH", 1);
    } else if (node_is(w, type, "DeallocateStmt")) {
        emit_operation(w, "DEALLOCATE", 1);
        emit_deallocation(w, decoded(w, member(w, f, "name")));
    } else if (node_is(w, type, "DiscardStmt")) {
        emit_operation(w, "DISCARD", 1);
        // DISCARD ALL includes DEALLOCATE ALL; connection poolers send it between clients.
        if (string_member_is(w, f, "target", "DISCARD_ALL")) emit_deallocation(w, NULL);
    } else if (node_is(w, type, "CreateStmt")) {
        emit_operation(w, "CREATE TABLE", 1);
        visit_relation(w, f, "relation");
    } else if (node_is(w, type, "CreateForeignTableStmt")) {
        emit_operation(w, "CREATE FOREIGN TABLE", 1);
        visit_relation(w, member(w, f, "base"), "relation");
    } else if (node_is(w, type, "CreateTableAsStmt")) {
        int matview = string_member_is(w, f, "objtype", "OBJECT_MATVIEW");
        emit_operation(w, matview ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE", 1);
        visit_relation(w, member(w, f, "into"), "rel");
        visit_member(w, f, "query");
    } else if (node_is(w, type, "ViewStmt")) {
        // The view's query is stored, not run, so its operations are not this statement's.
        emit_operation(w, "CREATE VIEW", 1);
        visit_relation(w, f, "view");
    } else if (node_is(w, type, "IndexStmt")) {
        emit_operation(w, "CREATE INDEX", 1);
        visit_relation(w, f, "relation");
    } else if (node_is(w, type, "RefreshMatViewStmt")) {
        emit_operation(w, "REFRESH MATERIALIZED VIEW", 1);
        visit_relation(w, f, "relation");
    } else if (node_is(w, type, "ClusterStmt")) {
        emit_operation(w, "CLUSTER", 1);
        visit_relation(w, f, "relation");
    } else if (node_is(w, type, "ReindexStmt")) {
        emit_operation(w, "REINDEX", 1);
        visit_relation(w, f, "relation");
    } else if (node_is(w, type, "AlterTableStmt")) {
        int32_t kind = member(w, f, "objtype");
        emit_operation(w, prefixed(w, "ALTER ", object_words(w, kind)), 1);
        visit_relation_as(w, f, "relation", relation_item_kind(w, kind));
    } else if (node_is(w, type, "RenameStmt")) {
        // Renaming a column or constraint alters the table that holds it.
        int32_t kind = member(w, f, "renameType");
        if (json_string_is(&w->tree, kind, "OBJECT_COLUMN") || json_string_is(&w->tree, kind, "OBJECT_TABCONSTRAINT"))
            kind = member(w, f, "relationType");
        emit_operation(w, prefixed(w, "ALTER ", object_words(w, kind)), 1);
        // ALTER TRIGGER … ON t RENAME names the trigger's table: a collection all the same.
        int32_t item_kind = relation_item_kind(w, kind);
        visit_relation_as(w, f, "relation", item_kind ? item_kind : CPGQ_ITEM_COLLECTION);
    } else if (node_is(w, type, "AlterObjectSchemaStmt") || node_is(w, type, "AlterOwnerStmt")) {
        int32_t kind = member(w, f, "objectType");
        emit_operation(w, prefixed(w, "ALTER ", object_words(w, kind)), 1);
        visit_relation_as(w, f, "relation", relation_item_kind(w, kind));
    } else if (node_is(w, type, "AlterFunctionStmt")) {
        emit_operation(w, prefixed(w, "ALTER ", object_words(w, member(w, f, "objtype"))), 1);
    } else if (node_is(w, type, "DropStmt")) {
        int32_t kind = member(w, f, "removeType");
        emit_operation(w, prefixed(w, "DROP ", object_words(w, kind)), 1);
        int32_t objects = member(w, f, "objects");
        int32_t item_kind = relation_item_kind(w, kind);
        if (item_kind && objects >= 0 && value_at(w, objects)->type == JSON_ARRAY) {
            for (int32_t e = value_at(w, objects)->first_child; e >= 0; e = value_at(w, e)->next) {
                int32_t list_type;
                int32_t list = unwrap_node(w, e, &list_type);
                if (list >= 0 && node_is(w, list_type, "List")) emit_name_list(w, item_kind, member(w, list, "items"), -1);
            }
        }
    } else if (node_is(w, type, "DefineStmt")) {
        emit_operation(w, prefixed(w, "CREATE ", object_words(w, member(w, f, "kind"))), 1);
    } else if (node_is(w, type, "CreateFunctionStmt")) {
        emit_operation(w, is_true(w, f, "is_procedure") ? "CREATE PROCEDURE" : "CREATE FUNCTION", 1);
    } else if (node_is(w, type, "GrantStmt") || node_is(w, type, "GrantRoleStmt")) {
        emit_operation(w, is_true(w, f, "is_grant") ? "GRANT" : "REVOKE", 1);
    } else if (node_is(w, type, "CreateRoleStmt")) {
        const char *words = "CREATE ROLE";
        if (string_member_is(w, f, "stmt_type", "ROLESTMT_USER")) words = "CREATE USER";
        else if (string_member_is(w, f, "stmt_type", "ROLESTMT_GROUP")) words = "CREATE GROUP";
        emit_operation(w, words, 1);
    } else {
        emit_operation(w, fixed_operation(w, type), 1);
    }
}

cpgq_parse_result *cpgq_parse(const char *text) {
    parse_storage *storage = calloc(1, sizeof *storage);
    if (!storage) abort();
    PgQueryParseResult parsed = pg_query_parse(text);
    if (parsed.error) {
        storage->result.error = 1;
        storage->result.error_cursor = parsed.error->cursorpos;
        pg_query_free_parse_result(parsed);
        return &storage->result;
    }
    walker w;
    memset(&w, 0, sizeof w);
    w.storage = storage;
    int32_t root = json_tree_build(&w.tree, parsed.parse_tree);
    int32_t stmts = member(&w, root, "stmts");
    if (root < 0 || stmts < 0 || value_at(&w, stmts)->type != JSON_ARRAY) {
        // PostgreSQL accepted the text, but its tree could not be read: report a parse failure so
        // the caller falls back to what the text alone gives.
        storage->result.error = 2;
    } else {
        for (int32_t e = value_at(&w, stmts)->first_child; e >= 0; e = value_at(&w, e)->next) {
            cpgq_item *start = add_item(&w, CPGQ_ITEM_STATEMENT);
            if (!start) break;
            // Zero-valued fields are left out of the JSON: a missing location is 0.
            start->location = json_int(&w.tree, member(&w, e, "stmt_location"), 0);
            start->length = json_int(&w.tree, member(&w, e, "stmt_len"), 0);
            storage->result.statement_count++;
            w.cte_count = 0;
            w.depth = 0;
            visit_statement(&w, member(&w, e, "stmt"));
        }
    }
    json_tree_release(&w.tree);
    pg_query_free_parse_result(parsed);
    return &storage->result;
}

void cpgq_parse_result_free(cpgq_parse_result *result) {
    if (!result) return;
    parse_storage *storage = (parse_storage *)result;
    for (arena_block *b = storage->blocks; b;) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(storage->result.items);
    free(storage);
}
