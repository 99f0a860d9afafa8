/* smtp.h: the SMTP conversation, for smtp and the protocols built on it.
 *
 * LMTP (RFC 2033) is SMTP with LHLO for EHLO, so the lmtp probe is the
 * smtp conversation with another dialect: a type's StreamOps are
 * { .input = smtp_stream_input, .tls_ready = smtp_stream_hello,
 *   .data = &its_dialect }. Greeting 220, hello, 250, QUIT.
 *
 * See also: smtp.c, lmtp.c, smtp-parse.h, stream.h.
 */
#pragma once

#include "probes/stream.h"

typedef struct SmtpDialect {
        const char *hello;              /* "EHLO", or LMTP's "LHLO" */
        const char *awaiting_hello;     /* "reply to EHLO": a literal, for stream_expect() */
} SmtpDialect;

size_t smtp_stream_input(Stream *s, const char *buf, size_t len);
void smtp_stream_hello(Stream *s);
