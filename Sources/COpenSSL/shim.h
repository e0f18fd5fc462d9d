#ifndef MUTUALS_COPENSSL_SHIM_H
#define MUTUALS_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>

// The functions below wrap OpenSSL macros (SSL_CTX_ctrl calls behind #defines), which the
// Swift importer cannot call. One wrapper each, nothing more.

static inline int mutuals_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline long mutuals_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline int mutuals_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

static inline long mutuals_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

static inline void mutuals_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes) {
    SSL_CTX_set_read_ahead(ctx, yes);
}

static inline long mutuals_SSL_CTX_sess_set_cache_size(SSL_CTX *ctx, long size) {
    return SSL_CTX_sess_set_cache_size(ctx, size);
}

static inline int mutuals_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline long mutuals_SSL_session_reused(SSL *ssl) {
    return (long)SSL_session_reused(ssl);
}

// SSL_OP_* and SSL_MODE_* are macros of type uint64_t/long expressions; export them as constants.
static inline uint64_t mutuals_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline uint64_t mutuals_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t mutuals_SSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline uint64_t mutuals_SSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }
static inline long mutuals_SSL_MODE_RELEASE_BUFFERS(void) { return SSL_MODE_RELEASE_BUFFERS; }
static inline long mutuals_SSL_MODE_ENABLE_PARTIAL_WRITE(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE; }
static inline long mutuals_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER(void) { return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }

// MARK: A write BIO that gathers records

// OpenSSL's socket BIO makes one write(2) per TLS record, and a record holds at most 16 KB: a
// 24 KB page went out in two system calls and two trips through the kernel's TCP stack (and
// woke its reader twice). This BIO, set as an SSL's write side (the read side stays a socket
// BIO), keeps the records an SSL_write makes and hands them to the socket in one write(2) when
// the caller flushes (`mutuals_gather_flush`), or sooner when it holds 64 KB. It writes with
// write(2), as the socket BIO does: the server ignores SIGPIPE. OpenSSL flushes
// it itself after handshake flights and alerts. A socket that would block leaves the rest
// held, and the BIO reports "retry write" as a socket BIO does.

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

typedef struct {
    int fd;
    unsigned char *bytes;
    size_t held;      // bytes in `bytes`
    size_t sent;      // of which already handed to the socket
    size_t capacity;
} mutuals_gather;

enum { MUTUALS_GATHER_CAPACITY = 65536 };

// One emptied buffer kept per thread, so a reactor sending response after response does not
// allocate one each time. A buffer is only ever parked here empty, and it is freed when its
// thread ends (a pthread key's destructor). (Statics live inside functions: Swift emits the
// functions of an imported header it uses, not its variables.)
static inline void mutuals_gather_free_spare(void *spare) {
    free(spare);
}

static inline pthread_key_t *mutuals_gather_key_storage(void) {
    static pthread_key_t key;
    return &key;
}

static inline void mutuals_gather_make_spare_key(void) {
    (void)pthread_key_create(mutuals_gather_key_storage(), mutuals_gather_free_spare);
}

// The key, made once (one pthread_once for every caller).
static inline pthread_key_t mutuals_gather_spare_key(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, mutuals_gather_make_spare_key);
    return *mutuals_gather_key_storage();
}

static inline unsigned char *mutuals_gather_take_spare(void) {
    pthread_key_t key = mutuals_gather_spare_key();
    unsigned char *spare = (unsigned char *)pthread_getspecific(key);
    if (spare != NULL) (void)pthread_setspecific(key, NULL);
    return spare;
}

// Keeps `bytes` (empty, MUTUALS_GATHER_CAPACITY long) as this thread's spare; false when the
// thread already has one.
static inline int mutuals_gather_park_spare(unsigned char *bytes) {
    pthread_key_t key = mutuals_gather_spare_key();
    if (pthread_getspecific(key) != NULL) return 0;
    return pthread_setspecific(key, bytes) == 0;
}

static inline void mutuals_gather_release(mutuals_gather *gather) {
    if (gather->bytes != NULL && !(gather->capacity == MUTUALS_GATHER_CAPACITY && mutuals_gather_park_spare(gather->bytes))) {
        free(gather->bytes);
    }
    gather->bytes = NULL;
    gather->capacity = 0;
    gather->held = 0;
    gather->sent = 0;
}

// 1: everything held is sent; 0: the socket would block (retry flags set); -1: failed.
static inline int mutuals_gather_drain(BIO *bio, mutuals_gather *gather) {
    while (gather->sent < gather->held) {
        ssize_t n = write(gather->fd, gather->bytes + gather->sent, gather->held - gather->sent);
        if (n > 0) {
            gather->sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            BIO_set_retry_write(bio);
            return 0;
        }
        return -1;
    }
    mutuals_gather_release(gather);
    return 1;
}

static inline int mutuals_gather_write(BIO *bio, const char *data, int length) {
    mutuals_gather *gather = (mutuals_gather *)BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (gather == NULL || data == NULL || length <= 0) return 0;
    size_t count = (size_t)length;
    if (gather->held + count > gather->capacity) {
        // Full: what is held goes to the socket first, so at most 64 KB wait here.
        if (gather->held > 0 && mutuals_gather_drain(bio, gather) <= 0) return -1;
        if (count <= MUTUALS_GATHER_CAPACITY) {
            gather->bytes = mutuals_gather_take_spare();
            if (gather->bytes == NULL) gather->bytes = (unsigned char *)malloc(MUTUALS_GATHER_CAPACITY);
            gather->capacity = gather->bytes == NULL ? 0 : MUTUALS_GATHER_CAPACITY;
        } else {
            gather->bytes = (unsigned char *)malloc(count);
            gather->capacity = gather->bytes == NULL ? 0 : count;
        }
        if (gather->bytes == NULL) return -1;
    }
    memcpy(gather->bytes + gather->held, data, count);
    gather->held += count;
    return length;
}

static inline long mutuals_gather_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)number;
    (void)pointer;
    mutuals_gather *gather = (mutuals_gather *)BIO_get_data(bio);
    switch (command) {
    case BIO_CTRL_FLUSH:
        BIO_clear_retry_flags(bio);
        return gather == NULL ? 1 : mutuals_gather_drain(bio, gather);
    case BIO_CTRL_WPENDING:
        return gather == NULL ? 0 : (long)(gather->held - gather->sent);
    case BIO_CTRL_DUP:
        return 1;
    default:
        return 0;
    }
}

static inline int mutuals_gather_create(BIO *bio) {
    BIO_set_data(bio, NULL);
    BIO_set_init(bio, 1);
    return 1;
}

static inline int mutuals_gather_destroy(BIO *bio) {
    mutuals_gather *gather = (mutuals_gather *)BIO_get_data(bio);
    if (gather != NULL) {
        mutuals_gather_release(gather);
        free(gather);
    }
    BIO_set_data(bio, NULL);
    return 1;
}

static inline BIO_METHOD **mutuals_gather_method_slot(void) {
    static BIO_METHOD *method;
    return &method;
}

static inline void mutuals_gather_make_method(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "mutuals record gather");
    if (method == NULL) return;
    if (BIO_meth_set_write(method, mutuals_gather_write) != 1 || BIO_meth_set_ctrl(method, mutuals_gather_ctrl) != 1
        || BIO_meth_set_create(method, mutuals_gather_create) != 1 || BIO_meth_set_destroy(method, mutuals_gather_destroy) != 1) {
        BIO_meth_free(method);
        return;
    }
    *mutuals_gather_method_slot() = method;
}

/// A gathering write BIO for socket `fd`, or NULL when out of memory.
static inline BIO *mutuals_gather_new(int fd) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, mutuals_gather_make_method);
    BIO_METHOD *method = *mutuals_gather_method_slot();
    if (method == NULL) return NULL;
    BIO *bio = BIO_new(method);
    if (bio == NULL) return NULL;
    mutuals_gather *gather = (mutuals_gather *)calloc(1, sizeof(mutuals_gather));
    if (gather == NULL) {
        BIO_free(bio);
        return NULL;
    }
    gather->fd = fd;
    BIO_set_data(bio, gather);
    return bio;
}

/// Sends what `ssl`'s write BIO holds: 1 when all of it went, 0 when the socket would block
/// (the rest stays held), -1 when the connection failed.
static inline int mutuals_gather_flush(SSL *ssl) {
    BIO *bio = SSL_get_wbio(ssl);
    if (bio == NULL) return -1;
    long result = BIO_flush(bio);
    return result > 0 ? 1 : (BIO_should_retry(bio) ? 0 : -1);
}

/// Bytes `ssl`'s write BIO holds that the socket has not taken yet.
static inline size_t mutuals_gather_unsent(SSL *ssl) {
    BIO *bio = SSL_get_wbio(ssl);
    return bio == NULL ? 0 : BIO_ctrl_wpending(bio);
}
#endif
