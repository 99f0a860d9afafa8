/* smtp-parse.h: a pure parser for one SMTP reply (RFC 5321 section 4.2).
 *
 * The smtp probe judges a server by its replies: "220" greeting, "250" to
 * EHLO. This reads one reply, single or multi-line ("250-..." lines then a
 * "250 ..." or bare "250" last line), from the front of a byte buffer,
 * without I/O, so tests and fuzzers can feed it recorded and hostile bytes.
 * Lines end in CRLF or LF; every line carries the same 3-digit code. Lines
 * and line counts are bounded: a peer cannot make it scan or wait forever.
 *
 * See also: smtp.c (the conversation), stream.h (where the bytes come from).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define SMTP_LINE_MAX 2048      /* bytes per line, line end included */
#define SMTP_REPLY_LINES_MAX 100

typedef struct SmtpReply {
        unsigned code;          /* 200..559 */
        const char *text;       /* first line after "250 "/"250-", points into buf, no line end */
        size_t text_len;
        size_t n_lines;
        size_t consumed;        /* bytes of buf the reply took, line end of the last line included */
} SmtpReply;

/* Parse one reply at the start of buf[0, len). Returns 1 and fills *ret for
 * a complete reply, 0 when more bytes are needed, -EBADMSG for bytes that
 * are not an SMTP reply (bad code, missing separator, NUL, codes differing
 * between lines), -EMSGSIZE for a line longer than SMTP_LINE_MAX, -E2BIG for
 * more than SMTP_REPLY_LINES_MAX lines. Never reads outside buf[0, len). */
int smtp_reply_parse(const char *buf, size_t len, SmtpReply *ret);

/* Whether a complete EHLO reply (buf[0, len), as smtp_reply_parse() took
 * it) lists the extension keyword on a line of its own ("250-STARTTLS",
 * "250 AUTH PLAIN LOGIN"), case-insensitively (RFC 5321 4.1.1.1). With
 * param, the keyword must also carry that parameter ("AUTH" "PLAIN"). */
bool smtp_ehlo_offers(const char *buf, size_t len, const char *keyword, const char *param);

#define SMTP_QUEUE_ID_MAX 40

/* The queue id a 250 reply to DATA names: Postfix's "2.0.0 Ok: queued as
 * 4XyZABC12" (short or long ids), "queued as X" anywhere in text[0, len).
 * 0 and the id in buf[size] (letters and digits, at most
 * SMTP_QUEUE_ID_MAX), or -ENOENT for a reply that names none. */
int smtp_queue_id_parse(const char *text, size_t len, char *buf, size_t size);
