/* tls.c: an OpenSSL client session on a probe's non-blocking socket (see tls.h).
 *
 * Nothing here waits: SSL_ERROR_WANT_READ/WANT_WRITE become the one event
 * the caller arms next. The socket is reached through a BIO of our own so
 * that sends carry MSG_NOSIGNAL; OpenSSL's thread-wide error queue, shared
 * with libcurl on the same loop, is cleared before every call and read only
 * here, where it turns into a reason.
 *
 * See also: stream.c, cert.c, tls-options.c.
 */
#include "probes/tls.h"

#include <arpa/inet.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "common/dl-openssl.h"

struct Tls {
        SSL_CTX *ctx;
        SSL *ssl;
        BIO_METHOD *method;  /* outlives the BIO the SSL frees */
        int fd;
        int last_errno;      /* of the BIO's last send/recv: errno itself may change meanwhile */
        bool verify;
        char name[256];      /* the name the certificate must carry */
};

static int bio_write(BIO *b, const char *buf, int len) {
        Tls *t = sym_BIO_get_data(b);
        ssize_t n;

        sym_BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
        n = send(t->fd, buf, (size_t) len, MSG_NOSIGNAL | MSG_DONTWAIT);
        t->last_errno = n < 0 ? errno : 0;
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                sym_BIO_set_flags(b, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
        return (int) n;
}

static int bio_read(BIO *b, char *buf, int len) {
        Tls *t = sym_BIO_get_data(b);
        ssize_t n;

        sym_BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
        n = recv(t->fd, buf, (size_t) len, MSG_DONTWAIT);
        t->last_errno = n < 0 ? errno : 0;
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                sym_BIO_set_flags(b, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
        return (int) n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
        /* The SSL layer flushes after each flight; our writes are never buffered. */
        return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

Tls *tls_free(Tls *t) {
        if (!t)
                return NULL;
        sym_SSL_free(t->ssl); /* and the BIO with it */
        sym_SSL_CTX_free(t->ctx);
        sym_BIO_meth_free(t->method);
        free(t);
        return NULL;
}

static int tls_new_bio(Tls *t) {
        BIO *b;

        t->method = sym_BIO_meth_new(BIO_TYPE_SOURCE_SINK, "mailsup-socket");
        if (!t->method || !sym_BIO_meth_set_write(t->method, bio_write) ||
            !sym_BIO_meth_set_read(t->method, bio_read) || !sym_BIO_meth_set_ctrl(t->method, bio_ctrl))
                return -ENOMEM;
        b = sym_BIO_new(t->method);
        if (!b)
                return -ENOMEM;
        sym_BIO_set_data(b, t);
        sym_BIO_set_init(b, 1);
        sym_SSL_set_bio(t->ssl, b, b); /* one reference, now the SSL's */
        return 0;
}

/* Trust: the system store plus ca_file. Name: tls_name, else the host. */
static int tls_setup_verify(Tls *t, const TlsOptions *o, char *reason, size_t size) {
        X509_VERIFY_PARAM *param = sym_SSL_get0_param(t->ssl);
        unsigned char addr[sizeof(struct in6_addr)];
        bool is_ip = inet_pton(AF_INET, t->name, addr) == 1 || inet_pton(AF_INET6, t->name, addr) == 1;

        /* SNI carries names only (RFC 6066); an address is checked, not sent. */
        if (!is_ip && !sym_SSL_ctrl(t->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, t->name))
                return -ENOMEM;
        if (!o->tls_verify)
                return 0;
        sym_SSL_set_verify(t->ssl, SSL_VERIFY_PEER, NULL);
        if (!sym_SSL_CTX_set_default_verify_paths(t->ctx))
                return -ENOMEM;
        if (o->ca_file && !sym_SSL_CTX_load_verify_locations(t->ctx, o->ca_file, NULL)) {
                unsigned long first = sym_ERR_peek_error(), last = sym_ERR_peek_last_error();

                /* A missing file is first a system error, whose reason code is the errno. */
                snprintf(reason, size, "TLS: cannot load ca_file %s: %s", o->ca_file,
                         ERR_SYSTEM_ERROR(first) ? strerror(ERR_GET_REASON(first)) :
                         sym_ERR_reason_error_string(last) ?: "no certificate in it");
                return -EINVAL;
        }
        sym_X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (is_ip ? !sym_X509_VERIFY_PARAM_set1_ip_asc(param, t->name)
                  : !sym_X509_VERIFY_PARAM_set1_host(param, t->name, 0))
                return -ENOMEM;
        t->verify = true;
        return 0;
}

int tls_new(Tls **ret, int fd, const TlsOptions *o, const char *host, char *reason, size_t size) {
        Tls *t;
        int r = dl_openssl();

        if (r < 0) {
                snprintf(reason, size, "TLS: OpenSSL (libssl.so.3) cannot be loaded");
                return r;
        }
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->fd = fd;
        snprintf(t->name, sizeof(t->name), "%s", o->tls_name ?: host ?: "");
        sym_ERR_clear_error();
        t->ctx = sym_SSL_CTX_new(sym_TLS_client_method());
        t->ssl = t->ctx ? sym_SSL_new(t->ctx) : NULL;
        r = t->ssl ? 0 : -ENOMEM;
        if (r >= 0) {
                (void) sym_SSL_ctrl(t->ssl, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
                /* Servers often close after QUIT without close_notify: that is an end, not an attack. */
                sym_SSL_set_options(t->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
                (void) sym_SSL_ctrl(t->ssl, SSL_CTRL_MODE,
                                    SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, NULL);
                r = tls_new_bio(t);
        }
        if (r >= 0)
                r = tls_setup_verify(t, o, reason, size);
        sym_ERR_clear_error();
        if (r < 0) {
                if (r == -ENOMEM)
                        snprintf(reason, size, "TLS: out of memory");
                tls_free(t);
                return r;
        }
        *ret = t;
        return 0;
}

/* Why the certificate was refused: what an operator has to fix. */
static int tls_verify_failed(Tls *t, long v, char *reason, size_t size) {
        if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
                snprintf(reason, size, "TLS: certificate name mismatch (expected %s)", t->name);
        else if (v == X509_V_ERR_CERT_HAS_EXPIRED || v == X509_V_ERR_CERT_NOT_YET_VALID)
                snprintf(reason, size, "TLS: %s", sym_X509_verify_cert_error_string(v));
        else
                snprintf(reason, size, "TLS: certificate verify failed: %s", sym_X509_verify_cert_error_string(v));
        return -EKEYREJECTED;
}

/* An SSL call returned ret <= 0: what to wait for, or why it failed. */
static int tls_error(Tls *t, int ret, uint32_t *events, const char *what, char *reason, size_t size) {
        int err = sym_SSL_get_error(t->ssl, ret);
        unsigned long e = sym_ERR_peek_last_error();
        const char *msg = sym_ERR_reason_error_string(e);
        long v = sym_SSL_get_verify_result(t->ssl);

        sym_ERR_clear_error();
        switch (err) {
        case SSL_ERROR_WANT_READ:
                *events = EPOLLIN;
                return -EAGAIN;
        case SSL_ERROR_WANT_WRITE:
                *events = EPOLLOUT;
                return -EAGAIN;
        case SSL_ERROR_ZERO_RETURN:
                return 0;
        case SSL_ERROR_SYSCALL:
                if (e == 0 && t->last_errno == 0)
                        return 0; /* EOF */
                if (e == 0)
                        return -t->last_errno; /* the caller words it, with what it waited for */
                break;
        default:
                if (t->verify && v != X509_V_OK)
                        return tls_verify_failed(t, v, reason, size);
        }
        snprintf(reason, size, "TLS %s failed: %s", what, msg ?: "unknown error");
        return -EPROTO;
}

int tls_handshake(Tls *t, uint32_t *events, char *reason, size_t size) {
        int r;

        sym_ERR_clear_error();
        r = sym_SSL_connect(t->ssl);
        if (r == 1)
                return 1;
        r = tls_error(t, r, events, "handshake", reason, size);
        if (r == -EAGAIN)
                return 0;
        return r == 0 ? -ECONNABORTED : r;
}

ssize_t tls_read(Tls *t, void *buf, size_t len, uint32_t *events, char *reason, size_t size) {
        int n;

        sym_ERR_clear_error();
        n = sym_SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int) len);
        return n > 0 ? n : tls_error(t, n, events, "read", reason, size);
}

ssize_t tls_write(Tls *t, const void *buf, size_t len, uint32_t *events, char *reason, size_t size) {
        int n;

        sym_ERR_clear_error();
        n = sym_SSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : (int) len);
        if (n > 0)
                return n;
        n = tls_error(t, n, events, "write", reason, size);
        return n == 0 ? -EPIPE : n;
}

usec_t tls_peer_not_after(Tls *t) {
        X509 *x;
        struct tm tm = {};
        time_t s;

        if (!t->verify || sym_SSL_get_verify_result(t->ssl) != X509_V_OK)
                return 0;
        x = sym_SSL_get0_peer_certificate(t->ssl);
        if (!x || !sym_ASN1_TIME_to_tm(sym_X509_get0_notAfter(x), &tm))
                return 0;
        s = timegm(&tm);
        return s > 0 ? (usec_t) s * USEC_PER_SEC : 0;
}
