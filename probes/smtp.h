/* smtp.h: the SMTP conversation, for smtp and the protocols built on it.
 *
 * LMTP (RFC 2033) is SMTP with LHLO for EHLO, so the lmtp probe is the
 * smtp conversation with another dialect: a type's StreamOps are
 * { .input = smtp_stream_input, .tls_ready = smtp_stream_hello,
 *   .data = &its_dialect }. Greeting 220, hello, 250, QUIT. roundtrip's
 * submission goes on after the hello instead of QUIT (hello_done), with
 * steps from SMTP_STEP_NEXT on, read by its own input().
 *
 * See also: smtp.c, lmtp.c, smtp-parse.h, stream.h.
 */
#pragma once

#include "probes/stream.h"

#include "probes/smtp-parse.h"

/* Stream.step of the shared part; a dialect's own steps start at SMTP_STEP_NEXT. */
enum {
        SMTP_STEP_GREETING,
        SMTP_STEP_EHLO,
        SMTP_STEP_STARTTLS,
        SMTP_STEP_EHLO_TLS,  /* the second EHLO, over TLS */
        SMTP_STEP_NEXT,
};

typedef struct SmtpDialect {
        const char *hello;              /* "EHLO", or LMTP's "LHLO" */
        const char *awaiting_hello;     /* "reply to EHLO": a literal, for stream_expect() */
        /* Optional: the hello was answered 250 (over TLS, with starttls);
         * buf holds the whole reply. NULL: QUIT, and the verdict is ok. */
        void (*hello_done)(Stream *s, const char *buf, const SmtpReply *reply);
} SmtpDialect;

/* Greeting, hello, STARTTLS: steps before SMTP_STEP_NEXT only. */
size_t smtp_stream_input(Stream *s, const char *buf, size_t len);
/* One reply from buf: 1 and *reply when it is complete, 0 when more bytes
 * are needed, -1 when it cannot be taken (s has ended with the reason: too
 * long, too many lines, malformed). */
int smtp_stream_reply(Stream *s, const char *buf, size_t len, SmtpReply *reply);
void smtp_stream_hello(Stream *s);
