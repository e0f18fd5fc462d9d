#ifndef MUTUALS_CSQLITE_SHIM_H
#define MUTUALS_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
static inline sqlite3_destructor_type mutuals_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

// sqlite3_db_config is variadic; Swift cannot call C variadics. This is the (int, int*) form
// used by the boolean options such as SQLITE_DBCONFIG_DEFENSIVE.
static inline int mutuals_sqlite_db_config_bool(sqlite3 *db, int option, int enable) {
    return sqlite3_db_config(db, option, enable, (int *)0);
}
#endif
