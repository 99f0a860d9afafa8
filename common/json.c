/* json.c: bounded JSON writing (see json.h). */
#include "common/json.h"

#include <inttypes.h>

void json_init(JsonWriter *w, char *buf, size_t size) {
        *w = (JsonWriter) { .buf = buf, .size = size };
        if (size > 0)
                buf[0] = '\0';
        else
                w->overflow = true;
}

static int put(char *dst, size_t size, size_t *pos, const char *s, size_t n) {
        if (*pos + n + 1 > size)
                return -ENOBUFS;
        memcpy(dst + *pos, s, n);
        *pos += n;
        dst[*pos] = '\0';
        return 0;
}

int json_escape(char *dst, size_t size, size_t *pos, const char *src, size_t len) {
        const unsigned char *s = (const unsigned char *) src;
        size_t start = *pos;

        for (size_t i = 0; i < len;) {
                char esc[8];
                int r;

                if (s[i] == '"' || s[i] == '\\') {
                        esc[0] = '\\', esc[1] = (char) s[i];
                        r = put(dst, size, pos, esc, 2);
                } else if (s[i] < 0x20 || s[i] == 0x7f) {
                        snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
                        r = put(dst, size, pos, esc, 6);
                } else if (s[i] < 0x80)
                        r = put(dst, size, pos, (const char *) s + i, 1);
                else {
                        size_t n = utf8_char_len((const char *) s + i, len - i);

                        if (n > 0) {
                                r = put(dst, size, pos, (const char *) s + i, n);
                                i += n;
                                if (r < 0)
                                        goto fail;
                                continue;
                        }
                        snprintf(esc, sizeof(esc), "\\\\x%02x", s[i]); /* "\xNN", as text_clean() */
                        r = put(dst, size, pos, esc, 5);
                }
                if (r < 0)
                        goto fail;
                i++;
        }
        return 0;
fail:
        *pos = start;
        if (size > 0)
                dst[start] = '\0';
        return -ENOBUFS;
}

void json_fprint_string(FILE *f, const char *s) {
        size_t len = strlen(s), size = 6 * len + 1, pos = 0; /* at most \u00XX for a byte */
        _cleanup_free_ char *buf = malloc(size);

        if (!buf)
                abort(); /* like xstrdup(): a line for a terminal */
        buf[0] = '\0'; /* json_escape() writes nothing for "" */
        if (json_escape(buf, size, &pos, s, len) < 0)
                abort();
        fprintf(f, "\"%s\"", buf);
}

static void raw(JsonWriter *w, const char *s, size_t n) {
        if (!w->overflow && put(w->buf, w->size, &w->len, s, n) < 0)
                w->overflow = true;
}

static void comma(JsonWriter *w) {
        if (w->need_comma)
                raw(w, ",", 1);
        w->need_comma = true;
}

void json_open(JsonWriter *w, char bracket) {
        comma(w);
        raw(w, &bracket, 1);
        w->need_comma = false;
}

void json_close(JsonWriter *w, char bracket) {
        raw(w, &bracket, 1);
        w->need_comma = true;
}

void json_key(JsonWriter *w, const char *key) {
        json_string(w, key);
        raw(w, ":", 1);
        w->need_comma = false;
}

void json_string(JsonWriter *w, const char *s) {
        comma(w);
        if (!s) {
                raw(w, "null", 4);
                return;
        }
        raw(w, "\"", 1);
        if (!w->overflow && json_escape(w->buf, w->size, &w->len, s, strlen(s)) < 0)
                w->overflow = true;
        raw(w, "\"", 1);
}

void json_uint(JsonWriter *w, uint64_t u) {
        char b[24];

        comma(w);
        raw(w, b, (size_t) snprintf(b, sizeof(b), "%" PRIu64, u));
}

void json_bool(JsonWriter *w, bool b) {
        comma(w);
        raw(w, b ? "true" : "false", b ? 4 : 5);
}

void json_member_string(JsonWriter *w, const char *key, const char *value) {
        if (!value || !*value)
                return;
        json_key(w, key);
        json_string(w, value);
}

void json_member_uint(JsonWriter *w, const char *key, uint64_t u) {
        json_key(w, key);
        json_uint(w, u);
}

int json_finish(JsonWriter *w) {
        if (w->overflow || w->len > INT32_MAX)
                return -ENOBUFS;
        return (int) w->len;
}

const char *json_format_time(char *buf, size_t size, usec_t t) {
        time_t sec = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        if (!gmtime_r(&sec, &tm))
                tm = (struct tm) { .tm_year = 70, .tm_mday = 1 };
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned) (t % USEC_PER_SEC / USEC_PER_MSEC));
        return buf;
}
