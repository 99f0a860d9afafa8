/* dl-openssl.h: libssl and libcrypto, loaded on first use (dlopen.h):
 * tls_new() calls dl_openssl(). OpenSSL's macros that expand to a call
 * (SSL_set_mode() to SSL_ctrl()) are written out with sym_SSL_ctrl(). */
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/dlopen.h"

#define DL_OPENSSL_SYMS(X)                                                                         \
        X(SSL_CTX_free) X(SSL_CTX_load_verify_locations) X(SSL_CTX_new)                          \
        X(SSL_CTX_set_default_verify_paths) X(SSL_connect) X(SSL_ctrl) X(SSL_free)                 \
        X(SSL_get0_param) X(SSL_get0_peer_certificate) X(SSL_get_error) X(SSL_get_verify_result) \
        X(SSL_new) X(SSL_read) X(SSL_set_bio) X(SSL_set_options) X(SSL_set_verify) X(SSL_write)   \
        X(TLS_client_method) X(ASN1_TIME_to_tm) X(BIO_clear_flags) X(BIO_get_data)               \
        X(BIO_meth_free) X(BIO_meth_new) X(BIO_meth_set_ctrl) X(BIO_meth_set_read)                \
        X(BIO_meth_set_write) X(BIO_new) X(BIO_set_data) X(BIO_set_flags) X(BIO_set_init)         \
        X(ERR_clear_error) X(ERR_peek_error) X(ERR_peek_last_error) X(ERR_reason_error_string)   \
        X(X509_VERIFY_PARAM_set1_host) X(X509_VERIFY_PARAM_set1_ip_asc)                           \
        X(X509_VERIFY_PARAM_set_hostflags) X(X509_get0_notAfter) X(X509_verify_cert_error_string)    \
        X(EVP_EncodeBlock)

DL_OPENSSL_SYMS(DLSYM_EXTERN)

int dl_openssl(void);

/* RFC 4648 base64 of in[0, len) into out, NUL-terminated, by OpenSSL's
 * EVP_EncodeBlock() (loading libssl: an SMTP AUTH, an ntfy title that is
 * not ASCII); out holds at least 4 * ((len + 2) / 3) + 1 bytes. The length
 * written, or -EOPNOTSUPP when OpenSSL cannot be loaded. */
int base64_encode(char *out, const void *in, size_t len);
