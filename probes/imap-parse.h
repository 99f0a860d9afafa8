/* imap-parse.h: a pure parser for IMAP response lines (RFC 3501 section 7).
 *
 * The imap probe judges a server by its greeting ("* OK", "* PREAUTH" alive;
 * "* BYE" refusing) and by the answer to LOGOUT ("* BYE" then "m1 OK"). This
 * classifies one line from the front of a byte buffer, without I/O, so tests
 * can feed it recorded and hostile bytes. Lines end in CRLF or LF and are
 * bounded by IMAP_LINE_MAX. Literals ({n}) are not followed: the probe sends
 * nothing that is answered with one.
 *
 * See also: imap.c (the conversation), stream.h (where the bytes come from).
 */
#pragma once

#include <stddef.h>

#define IMAP_LINE_MAX 4096 /* bytes per line, line end included */

typedef enum ImapKind {
        IMAP_UNTAGGED_OK,       /* "* OK ...": a greeting, or a notice */
        IMAP_UNTAGGED_NO,
        IMAP_UNTAGGED_BAD,
        IMAP_UNTAGGED_PREAUTH,  /* "* PREAUTH ...": greeting, already authenticated */
        IMAP_UNTAGGED_BYE,      /* "* BYE ...": closing, or refusing as a greeting */
        IMAP_UNTAGGED_OTHER,    /* "* CAPABILITY ...", "* 3 EXISTS" */
        IMAP_TAGGED_OK,         /* "m1 OK ..." */
        IMAP_TAGGED_NO,
        IMAP_TAGGED_BAD,
        IMAP_CONTINUATION,      /* "+ ..." */
        _IMAP_KIND_MAX,
} ImapKind;

typedef struct ImapLine {
        ImapKind kind;
        const char *tag;        /* tagged responses only, else NULL; points into buf */
        size_t tag_len;
        const char *text;       /* after the status word (or "+") and one SP, no line end */
        size_t text_len;
        size_t consumed;        /* bytes of buf the line took, line end included */
} ImapLine;

/* Parse one line at the start of buf[0, len). Returns 1 and fills *ret for a
 * complete line, 0 when more bytes are needed, -EBADMSG for bytes that are
 * not an IMAP response (bad tag, unknown tagged status, NUL or CR inside),
 * -EMSGSIZE for a line longer than IMAP_LINE_MAX. Never reads outside
 * buf[0, len). */
int imap_line_parse(const char *buf, size_t len, ImapLine *ret);

/* "OK", "BYE", ... for messages; "?" for out-of-range values. */
const char *imap_kind_to_string(ImapKind k);
