/* dlopen.h: libraries loaded when the configuration first needs them.
 *
 * libcurl (http checks, notification channels, the heartbeat), OpenSSL
 * (TLS of the smtp/imap probes) and libmicrohttpd (the metrics endpoint)
 * are not linked: linked, their load-time relocations and constructors
 * (libcurl pulls in GnuTLS, Kerberos, LDAP, p11-kit, ...) cost every
 * mailsupd about 1.1 MiB of anonymous memory, with ten SMTP checks as with
 * a thousand. Each is dlopen()ed on first use, its symbols taken into
 * pointers named sym_<function> (dl-curl.h, dl-openssl.h, dl-mhd.h); a
 * library that cannot be loaded is said once in the log and its users
 * fail with -EOPNOTSUPP.
 *
 * See also: dl-libs.c (the lists of symbols).
 */
#pragma once

/* A function pointer named after the library's own declaration. */
#define DLSYM_EXTERN(s) extern typeof(s) *sym_##s;
#define DLSYM_DEFINE(s) typeof(s) *sym_##s;
#define DLSYM_ENTRY(s) { (void **) &sym_##s, #s },

typedef struct DlSym {
        void **ptr;
        const char *name;
} DlSym;

typedef struct DlLibrary {
        const char *soname;     /* "libcurl.so.4" */
        const char *needed_for; /* for the log: "http checks and notification channels" */
        const DlSym *syms;      /* ends with { NULL, NULL } */
        void *handle;           /* once loaded */
        int error;              /* once it could not be: said once, returned after */
} DlLibrary;

/* Load l and every symbol of it (those of its own dependencies too, as
 * libcrypto's through libssl): 0, or -EOPNOTSUPP (logged the first time). */
int dl_load(DlLibrary *l);
