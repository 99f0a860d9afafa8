/* json.h: a tiny bounded JSON writer (notification bodies, mailsupctl --json).
 *
 * Webhook and Alertmanager bodies are small objects of strings and numbers.
 * Rather than a new dependency, this writes them into a caller's fixed
 * buffer with correct string escaping (RFC 8259: '"', '\\', control
 * characters as \uXXXX; valid UTF-8 passes through, and a byte that is
 * not UTF-8 becomes the text "\xNN", as text_clean() shows it everywhere, so
 * a peer's odd bytes in a reason can never make the body invalid).
 * Overflow is sticky: json_finish() then returns -ENOBUFS, never a cut body.
 *
 * See also: notify/webhook.c, notify/alertmanager.c, ctl/ctl-dict.c.
 */
#pragma once

#include "common/util.h"

typedef struct JsonWriter {
        char *buf;
        size_t size, len;
        bool overflow;
        bool need_comma;        /* a value was written at this nesting level */
} JsonWriter;

void json_init(JsonWriter *w, char *buf, size_t size);

/* Append src (len bytes) JSON-escaped, without quotes, to dst[size] at *pos.
 * Returns 0, or -ENOBUFS (then dst is NUL-terminated at the old *pos). */
int json_escape(char *dst, size_t size, size_t *pos, const char *src, size_t len);

/* s, quoted and escaped the same way, to f (mailsupctl --json). */
void json_fprint_string(FILE *f, const char *s);

void json_open(JsonWriter *w, char bracket);     /* '{' or '[' */
void json_close(JsonWriter *w, char bracket);    /* '}' or ']' */
void json_key(JsonWriter *w, const char *key);   /* "key": (the next value follows) */
void json_string(JsonWriter *w, const char *s);  /* NULL writes null */
void json_uint(JsonWriter *w, uint64_t u);
void json_bool(JsonWriter *w, bool b);

/* "key": "value" and "key": number in one call; a NULL or empty value is skipped. */
void json_member_string(JsonWriter *w, const char *key, const char *value);
void json_member_uint(JsonWriter *w, const char *key, uint64_t u);

/* Returns the body's length, or -ENOBUFS when it did not fit. */
int json_finish(JsonWriter *w);

/* RFC 3339 UTC time with milliseconds ("2024-05-01T12:00:00.123Z") from
 * CLOCK_REALTIME microseconds. */
const char *json_format_time(char *buf, size_t size, usec_t t);
