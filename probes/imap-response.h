/* imap-response.h: pure parsers for what the roundtrip canary asks IMAP.
 *
 * The canary searches a mailbox (UID SEARCH), reads each match's header
 * (UID FETCH ... BODY.PEEK[HEADER], which comes as a literal {n}), and
 * deletes it. A server decides how many bytes it announces and sends: a
 * literal is followed only up to IMAP_LITERAL_MAX bytes (a larger one,
 * say 1 GB announced, is refused as soon as its size is read), a response
 * has at most IMAP_RESPONSE_LITERALS_MAX literals, each line is bounded by
 * IMAP_LINE_MAX, and a SEARCH yields at most the UIDs asked for. No I/O:
 * tests and fuzzers feed recorded and hostile bytes.
 *
 * See also: imap-parse.h (one line), roundtrip-imap.c (the conversation).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

#define IMAP_LITERAL_MAX (10U * 1024U)  /* a canary's header: ours, plus what the pipeline adds */
#define IMAP_RESPONSE_LITERALS_MAX 4

/* The length of the whole response at the start of buf[0, len): its line,
 * and for a line that ends in a literal "{n}" the n bytes and the line
 * that goes on after them. 1 and *ret_consumed; 0: more bytes needed;
 * -EMSGSIZE: a line longer than IMAP_LINE_MAX; -EFBIG: a literal larger
 * than IMAP_LITERAL_MAX (its size in *ret_announced); -E2BIG: more than
 * IMAP_RESPONSE_LITERALS_MAX literals; -EBADMSG: a NUL, a bad "{n}". */
int imap_response_span(const char *buf, size_t len, size_t *ret_consumed, uint64_t *ret_announced);

/* "SEARCH 3 17 42" (an untagged line's text): up to max numbers into
 * uids, their count in *ret_n. 0; -E2BIG when there were more than max
 * (the first max are kept); -EBADMSG for anything but SEARCH and numbers. */
int imap_search_parse(const char *text, size_t len, uint32_t *uids, size_t max, size_t *ret_n);

typedef struct ImapFetch {
        uint32_t seq;
        uint32_t uid;                   /* 0 if not given */
        usec_t internal_date;           /* CLOCK_REALTIME usec, 0 if not given */
        const char *header;             /* BODY[HEADER]'s bytes (a literal or a quoted string), NULL if none */
        size_t header_len;
} ImapFetch;

/* One whole "* N FETCH (...)" response (as imap_response_span() measured
 * it) into *ret, pointers into resp. 1; 0 for an untagged response that
 * is no FETCH; -EBADMSG for a FETCH that does not parse. */
int imap_fetch_parse(const char *resp, size_t len, ImapFetch *ret);

/* "02-Dec-2026 02:34:04 +0000" (RFC 3501 date-time) as CLOCK_REALTIME usec. */
int imap_date_parse(const char *s, size_t len, usec_t *ret);
