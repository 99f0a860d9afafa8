/* imap.h: the start of an IMAP conversation, for imap and roundtrip.
 *
 * Greeting ("* OK" or "* PREAUTH" alive; "* BYE" refusing), and with
 * starttls "mN STARTTLS" and the handshake: what every IMAP client of
 * mailsup says first. Then the type's dialect goes on: the imap probe says
 * LOGOUT; roundtrip logs in and looks for its canaries. A type's StreamOps
 * are { .input = imap_stream_input, .tls_ready = imap_stream_ready,
 * .data = &its_dialect }; its own steps start at IMAP_STEP_NEXT, and its
 * commands are tagged with imap_send_command() ("m1", "m2", ...).
 *
 * See also: imap.c, imap-parse.h, stream.h, roundtrip-imap.c.
 */
#pragma once

#include "probes/imap-parse.h"
#include "probes/stream.h"

enum {
        IMAP_STEP_GREETING,
        IMAP_STEP_STARTTLS,
        IMAP_STEP_NEXT,
};

typedef struct ImapDialect {
        /* Greeted (over TLS with starttls): send the first command. */
        void (*ready)(Stream *s);
        /* Input from step IMAP_STEP_NEXT on, as StreamOps.input. */
        size_t (*input)(Stream *s, const char *buf, size_t len);
} ImapDialect;

size_t imap_stream_input(Stream *s, const char *buf, size_t len);
void imap_stream_ready(Stream *s);

/* Send "m<N> command" with the next tag, go to step and wait for expect (a
 * literal). Ends the run when the line does not fit the output buffer. */
void imap_send_command(Stream *s, unsigned step, const char *command, const char *expect);
/* Whether l is tagged with the tag of the command in flight. */
bool imap_is_our_tag(const Stream *s, const ImapLine *l);
/* l's text and the whole line, sanitized for reasons. */
void imap_line_texts(const ImapLine *l, const char *buf, char *text, size_t text_size, char *line, size_t line_size);
