#include <openssl/ssl.h>
// Board's password hashing: EVP_PBE_scrypt, RAND_bytes, CRYPTO_memcmp.
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
