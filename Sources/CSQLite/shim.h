#ifndef MUTUALS_CSQLITE_SHIM_H
#define MUTUALS_CSQLITE_SHIM_H
#include <sqlite3.h>
#include <string.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
static inline sqlite3_destructor_type mutuals_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

// sqlite3_db_config is variadic; Swift cannot call C variadics. This is the (int, int*) form
// used by the boolean options such as SQLITE_DBCONFIG_DEFENSIVE.
static inline int mutuals_sqlite_db_config_bool(sqlite3 *db, int option, int enable) {
    return sqlite3_db_config(db, option, enable, (int *)0);
}

// The first page of the wal-index as this connection's own VFS maps it (`DataVersionWatcher`),
// or NULL when there is none (not WAL mode, no shared memory, or not yet mapped: bExtend 0
// never grows the file). Through SQLite's own mapping, not a file of our own: closing any
// descriptor of the `-shm` file would drop every POSIX lock this process holds on it, the
// dead-man switch included, and let another process truncate it under our mappings (SIGBUS).
// The region stays mapped while the connection is open.
static inline const volatile void *mutuals_sqlite_wal_index(sqlite3 *db) {
    sqlite3_file *file = 0;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || file == 0) return 0;
    const sqlite3_io_methods *methods = file->pMethods;
    if (methods == 0 || methods->iVersion < 2 || methods->xShmMap == 0) return 0;
    volatile void *region = 0;
    if (methods->xShmMap(file, 0, 32768, 0, &region) != SQLITE_OK) return 0;
    return region;
}

// A measuring aid (PROFILE_SQL=1, docs/PERFORMANCE.md): each finished statement's run time and
// its SQL text as written (never the bound values, which are people's data), one line on
// standard error: "sql-profile<TAB>NANOSECONDS<TAB>SQL". Timed here with CLOCK_MONOTONIC from
// the statement's first step (SQLite's own profile time has the VFS clock's 1 ms steps).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static inline long long mutuals_sqlite_profile_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}
// `context` holds the start time: one per connection (a connection runs on one thread at a
// time), allocated once when profiling is turned on and never freed (it is a measuring mode).
static inline int mutuals_sqlite_profile_line(unsigned type, void *context, void *statement, void *detail) {
    (void)detail;
    long long *started = (long long *)context;
    if (type == SQLITE_TRACE_STMT) {
        *started = mutuals_sqlite_profile_now();
    } else if (type == SQLITE_TRACE_PROFILE) {
        const char *sql = sqlite3_sql((sqlite3_stmt *)statement);
        long long elapsed = mutuals_sqlite_profile_now() - *started;
        flockfile(stderr);  // one whole line per statement, whichever threads print at once
        fprintf(stderr, "sql-profile\t%lld\t", elapsed);
        for (const char *c = sql ? sql : ""; *c; c++) putc_unlocked(*c == '\n' ? ' ' : *c, stderr);
        putc_unlocked('\n', stderr);
        funlockfile(stderr);
    }
    return 0;
}
static inline int mutuals_sqlite_profile_to_stderr(sqlite3 *db) {
    long long *started = (long long *)calloc(1, sizeof(long long));
    if (started == NULL) return SQLITE_NOMEM;
    return sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, mutuals_sqlite_profile_line, started);
}
#include <math.h>
#include <stdlib.h>

// bm25_estimated(fts_table, 'df0 df1 ...' [, rows [, kind, generation]]): FTS5's bm25 (k1 = 1.2, b = 0.75, one weight per
// column, lower is better) with each phrase's document frequency supplied by the caller instead
// of counted. FTS5's own bm25() counts, once per query, every row matching each phrase to get its
// IDF: a full pass over the posting list, ~20 ms for a word in most of 1M posts, whatever the
// LIMIT. The caller passes estimates (or nothing: a missing entry gives the phrase an IDF of 1,
// which leaves the order of a one-phrase query exactly as bm25 would have it). `rows`, when
// given and positive, is the number of rows the frequencies are out of (for ranking a few rows
// copied out of a big index with that index's statistics); otherwise the table's own count.
// Per query, the IDFs and the average row length are computed on the first row and kept as
// auxiliary data. `kind` and `generation`, when given, let row lengths be kept between searches
// (below).
typedef struct {
    int phrases;
    double averageLength;
    double idf[];
} mutuals_bm25_query;

// Row lengths kept for bm25_estimated (its 4th and 5th arguments: a kind, 1 for post text and 2
// for thread titles, and the store's search_length_generation). FTS5 reads a row's length from
// its %_docsize table through a nested statement, ~4,000 instructions a candidate: about a
// quarter of a common word's search page. Kept here, one 64-bit word a row, direct-mapped by
// rowid: the generation's low 20 bits, the rowid (below 2^26) and the length + 1 (below 2^18).
// A word counts only for a search whose generation is the same. The generation goes up whenever
// a row's length can change (an edited or deleted post, a renamed or deleted thread: the
// triggers of migration 26), and a search reads it in its own snapshot, so a search never takes
// a length another snapshot saw differently. New rows have new rowids (a deleted row's rowid,
// reused, comes with a new generation). Words are read and written whole (relaxed atomics):
// threads racing on a slot lose a cached length, never mix two.
// The table is the function's user data: one for each store (`Database.RowLengths`, from
// `mutuals_kept_lengths_table`), shared by its connections, `2 * MUTUALS_LENGTH_SLOTS` words,
// zeroed; a generation means nothing in another file. (Only the low 20 bits are kept: a length
// untouched through 2^20 later edits could be taken again at the same residue, which would only
// weigh one candidate by an old length.)
#include <stdatomic.h>
#define MUTUALS_LENGTH_SLOTS (1 << 18)
typedef _Atomic unsigned long long mutuals_kept_length_word;

static inline void *mutuals_kept_lengths_table(void) {
    return calloc(2 * MUTUALS_LENGTH_SLOTS, sizeof(mutuals_kept_length_word));
}

static inline unsigned long long mutuals_length_tag(sqlite3_int64 generation, sqlite3_int64 rowid) {
    return ((unsigned long long)(generation & 0xFFFFF) << 26) | (unsigned long long)rowid;
}

static inline mutuals_kept_length_word *mutuals_length_slot(mutuals_kept_length_word *table, int kind, sqlite3_int64 rowid) {
    if (table == NULL || kind < 1 || kind > 2 || rowid < 0 || rowid >= (1LL << 26)) return NULL;
    return &table[(size_t)(kind - 1) * MUTUALS_LENGTH_SLOTS + (size_t)(rowid & (MUTUALS_LENGTH_SLOTS - 1))];
}

// The kept length of `rowid`, or -1.
static inline int mutuals_kept_length(mutuals_kept_length_word *table, int kind, sqlite3_int64 generation, sqlite3_int64 rowid) {
    mutuals_kept_length_word *slot = mutuals_length_slot(table, kind, rowid);
    if (slot == NULL) return -1;
    unsigned long long word = atomic_load_explicit(slot, memory_order_relaxed);
    if (word == 0 || (word >> 18) != mutuals_length_tag(generation, rowid)) return -1;
    return (int)(word & 0x3FFFF) - 1;
}

static inline void mutuals_keep_length(mutuals_kept_length_word *table, int kind, sqlite3_int64 generation, sqlite3_int64 rowid, int length) {
    mutuals_kept_length_word *slot = mutuals_length_slot(table, kind, rowid);
    if (slot == NULL || length < 0 || length >= 0x3FFFF) return;
    atomic_store_explicit(slot, (mutuals_length_tag(generation, rowid) << 18) | (unsigned long long)(length + 1), memory_order_relaxed);
}

static inline void mutuals_fts5_bm25_estimated(const Fts5ExtensionApi *api, Fts5Context *fts,
                                               sqlite3_context *context, int argc, sqlite3_value **argv) {
    const double k1 = 1.2, b = 0.75;
    mutuals_bm25_query *query = (mutuals_bm25_query *)api->xGetAuxdata(fts, 0);
    if (query == NULL) {
        int phrases = api->xPhraseCount(fts);
        sqlite3_int64 rows = 0, tokens = 0;
        sqlite3_int64 ownRows = 0;
        int rc = api->xRowCount(fts, &ownRows);
        if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
        if (rc != SQLITE_OK) { sqlite3_result_error_code(context, rc); return; }
        rows = argc > 1 && sqlite3_value_int64(argv[1]) > 0 ? sqlite3_value_int64(argv[1]) : ownRows;
        query = (mutuals_bm25_query *)sqlite3_malloc64(sizeof(mutuals_bm25_query) + sizeof(double) * (sqlite3_uint64)(phrases > 0 ? phrases : 1));
        if (query == NULL) { sqlite3_result_error_nomem(context); return; }
        query->phrases = phrases;
        query->averageLength = ownRows > 0 && tokens > 0 ? (double)tokens / (double)ownRows : 1.0;
        const char *text = argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : NULL;
        for (int i = 0; i < phrases; i++) {
            double idf = 1.0;
            if (text != NULL) {
                char *end = NULL;
                long long frequency = strtoll(text, &end, 10);
                if (end != text) {
                    text = end;
                    if (frequency < 0) frequency = 0;
                    if (frequency > rows) frequency = rows;
                    idf = log(((double)rows - (double)frequency + 0.5) / ((double)frequency + 0.5));
                    if (idf <= 0.0) idf = 1e-6;
                } else {
                    text = NULL;
                }
            }
            query->idf[i] = idf;
        }
        rc = api->xSetAuxdata(fts, query, sqlite3_free);
        if (rc != SQLITE_OK) { sqlite3_result_error_code(context, rc); return; }
    }
    // Only the phrases' entries are zeroed: all 64 cost a 512-byte memset a row.
    double frequencies[64];
    double *frequency = frequencies;
    if (query->phrases > 64) {
        frequency = (double *)sqlite3_malloc64(sizeof(double) * (sqlite3_uint64)query->phrases);
        if (frequency == NULL) { sqlite3_result_error_nomem(context); return; }
    }
    for (int i = 0; i < query->phrases; i++) frequency[i] = 0.0;
    int instances = 0, length = 0;
    int rc = api->xInstCount(fts, &instances);
    for (int i = 0; rc == SQLITE_OK && i < instances; i++) {
        int phrase = 0, column = 0, offset = 0;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc == SQLITE_OK && phrase >= 0 && phrase < query->phrases) frequency[phrase] += 1.0;
    }
    int kind = argc > 3 ? sqlite3_value_int(argv[2]) : 0;
    sqlite3_int64 generation = argc > 3 ? sqlite3_value_int64(argv[3]) : 0;
    sqlite3_int64 rowid = kind > 0 ? api->xRowid(fts) : 0;
    mutuals_kept_length_word *table = (mutuals_kept_length_word *)api->xUserData(fts);
    int kept = kind > 0 ? mutuals_kept_length(table, kind, generation, rowid) : -1;
    if (kept >= 0) {
        length = kept;
    } else if (rc == SQLITE_OK) {
        rc = api->xColumnSize(fts, -1, &length);
        if (rc == SQLITE_OK && kind > 0) mutuals_keep_length(table, kind, generation, rowid, length);
    }
    if (rc == SQLITE_OK) {
        double score = 0.0;
        double norm = k1 * (1.0 - b + b * (double)length / query->averageLength);
        for (int i = 0; i < query->phrases; i++) {
            score += query->idf[i] * frequency[i] * (k1 + 1.0) / (frequency[i] + norm);
        }
        sqlite3_result_double(context, -score);
    } else {
        sqlite3_result_error_code(context, rc);
    }
    if (frequency != frequencies) sqlite3_free(frequency);
}

// The fts5_api of `db` (SQLite's documented way: SELECT fts5(?1) with the pointer bound), or
// NULL. The type string must outlive the statement, hence a literal.
static inline fts5_api *mutuals_sqlite_fts5_api(sqlite3 *db) {
    fts5_api *api = NULL;
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_pointer(statement, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(statement);
    if (sqlite3_finalize(statement) != SQLITE_OK) return NULL;
    if (api == NULL || api->iVersion < 2) return NULL;
    return api;
}

// Registers bm25_estimated on `db` through its fts5_api, with `lengths`
// (`mutuals_kept_lengths_table`, or NULL to keep none).
static inline int mutuals_sqlite_register_fts5_ranking(sqlite3 *db, void *lengths) {
    fts5_api *api = mutuals_sqlite_fts5_api(db);
    if (api == NULL) return SQLITE_ERROR;
    return api->xCreateFunction(api, "bm25_estimated", lengths, mutuals_fts5_bm25_estimated, NULL);
}

// One token of a text as an FTS5 tokenizer reports it: its bytes in the text, and its term
// (what the tokenizer made of it: folded, stemmed) as a range of the list's `terms`.
typedef struct {
    int start, end;
    int term, termLength;
} mutuals_fts5_token;

// The tokens of one text, in order. Refilled by each `mutuals_fts5_tokenize`; its buffers grow
// and are kept for the next text.
typedef struct {
    mutuals_fts5_token *tokens;
    int count, capacity;
    char *terms;
    int termsLength, termsCapacity;
} mutuals_fts5_token_list;

// An instance of a tokenizer module of a connection (the module lives as long as the connection).
typedef struct {
    fts5_tokenizer module;
    Fts5Tokenizer *instance;
} mutuals_fts5_tokenizer;

// A tokenizer made as a table's `tokenize = 'NAME ARG ...'` option makes it, or NULL.
static inline mutuals_fts5_tokenizer *mutuals_fts5_tokenizer_new(sqlite3 *db, const char *name, const char **arguments, int count) {
    fts5_api *api = mutuals_sqlite_fts5_api(db);
    if (api == NULL) return NULL;
    void *context = NULL;
    fts5_tokenizer module;
    if (api->xFindTokenizer(api, name, &context, &module) != SQLITE_OK) return NULL;
    mutuals_fts5_tokenizer *tokenizer = sqlite3_malloc(sizeof(mutuals_fts5_tokenizer));
    if (tokenizer == NULL) return NULL;
    tokenizer->module = module;
    tokenizer->instance = NULL;
    if (module.xCreate(context, arguments, count, &tokenizer->instance) != SQLITE_OK) {
        sqlite3_free(tokenizer);
        return NULL;
    }
    return tokenizer;
}

static inline void mutuals_fts5_tokenizer_free(mutuals_fts5_tokenizer *tokenizer) {
    if (tokenizer == NULL) return;
    tokenizer->module.xDelete(tokenizer->instance);
    sqlite3_free(tokenizer);
}

static inline void mutuals_fts5_token_list_free(mutuals_fts5_token_list *list) {
    sqlite3_free(list->tokens);
    sqlite3_free(list->terms);
    list->tokens = NULL;
    list->terms = NULL;
    list->count = list->capacity = list->termsLength = list->termsCapacity = 0;
}

// The xToken callback: appends a token. A colocated token (a synonym at the position of the
// one before) is not kept; the tokenizers this is used with make none.
static inline int mutuals_fts5_token_list_add(void *context, int flags, const char *term, int termLength, int start, int end) {
    mutuals_fts5_token_list *list = context;
    if (flags & FTS5_TOKEN_COLOCATED) return SQLITE_OK;
    if (termLength < 0) return SQLITE_ERROR;
    if (list->count == list->capacity) {
        int capacity = list->capacity ? list->capacity * 2 : 128;
        mutuals_fts5_token *grown = sqlite3_realloc64(list->tokens, (sqlite3_uint64)capacity * sizeof(mutuals_fts5_token));
        if (grown == NULL) return SQLITE_NOMEM;
        list->tokens = grown;
        list->capacity = capacity;
    }
    if ((sqlite3_int64)list->termsLength + termLength > list->termsCapacity) {
        sqlite3_int64 capacity = list->termsCapacity ? list->termsCapacity : 1024;
        while (capacity < (sqlite3_int64)list->termsLength + termLength) capacity *= 2;
        if (capacity > 0x7fffffff) return SQLITE_TOOBIG;
        char *grown = sqlite3_realloc64(list->terms, (sqlite3_uint64)capacity);
        if (grown == NULL) return SQLITE_NOMEM;
        list->terms = grown;
        list->termsCapacity = (int)capacity;
    }
    if (termLength > 0) memcpy(list->terms + list->termsLength, term, (size_t)termLength);
    mutuals_fts5_token *token = &list->tokens[list->count++];
    token->start = start;
    token->end = end;
    token->term = list->termsLength;
    token->termLength = termLength;
    list->termsLength += termLength;
    return SQLITE_OK;
}

// Tokenizes `text` (`length` bytes of UTF-8) into `list`, emptied first. `flags` is one of
// FTS5_TOKENIZE_DOCUMENT, _QUERY (with _PREFIX for a prefix term) or _AUX. An SQLite result code.
static inline int mutuals_fts5_tokenize(mutuals_fts5_tokenizer *tokenizer, int flags, const char *text, int length, mutuals_fts5_token_list *list) {
    list->count = 0;
    list->termsLength = 0;
    return tokenizer->module.xTokenize(tokenizer->instance, list, flags, text, length, mutuals_fts5_token_list_add);
}
#endif
