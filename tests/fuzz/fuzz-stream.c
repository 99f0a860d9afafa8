/* fuzz-stream.c: feeding a step function as the stream engine does.
 *
 * dispatch() is stream_dispatch() over a bounded buffer: a full buffer that
 * the step does not consume ends the run "overlong", as a peer that never
 * ends its line ends a probe. Each step sees a heap copy of exactly the
 * unconsumed bytes, so ASan catches a parser reading past them. What the
 * steps log is hashed, and the three ways of reading must hash the same.
 *
 * See also: fuzz-stream.h, probes/stream.c.
 */
#include "tests/fuzz/fuzz-stream.h"

#include <stdarg.h>

#define BYTEWISE_MAX 256U       /* inputs up to this long are also fed one byte per read */

void fuzz_log_bytes(FuzzLog *log, const void *p, size_t n) {
        const uint8_t *b = p;
        size_t room = sizeof(log->text) - 1 - log->text_len;

        for (size_t i = 0; i < n; i++)
                log->hash = (log->hash ^ b[i]) * 0x100000001b3ULL; /* FNV-1a */
        memcpy(log->text + log->text_len, p, n < room ? n : room);
        log->text_len += n < room ? n : room;
        log->text[log->text_len] = '\0';
}

void fuzz_log(FuzzLog *log, const char *fmt, ...) {
        char line[256];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        fuzz_log_bytes(log, line, n < 0 ? 0 : (size_t) n < sizeof(line) ? (size_t) n : sizeof(line) - 1);
}

void fuzz_log_text(FuzzLog *log, const char *text, size_t len) {
        char line[160];

        sanitize_line(line, sizeof(line), text, len);
        fuzz_log_bytes(log, line, strlen(line));
        fuzz_log_bytes(log, "\n", 1);
}

bool fuzz_step_parsed(int r, bool *ended, FuzzLog *log) {
        if (r < 0) {
                fuzz_log(log, "error %d\n", r);
                *ended = true;
        }
        FUZZ_CHECK(r <= 1);
        return r == 1;
}

typedef struct Reads {
        const uint8_t *cuts;    /* read lengths - 1; NULL: as large as fits */
        size_t n_cuts;
        bool bytewise;
} Reads;

/* stream_dispatch(): hand over what is buffered until step needs more or ended. */
static void dispatch(char *in, size_t *in_len, size_t in_max, bool *ended, fuzz_step_t step, FuzzLog *log) {
        while (!*ended && *in_len > 0) {
                char *copy = malloc(*in_len);
                size_t n;

                if (!copy)
                        abort();
                memcpy(copy, in, *in_len);
                n = step(copy, *in_len, ended, log);
                free(copy);
                FUZZ_CHECK(n <= *in_len);
                if (n == 0)
                        break;
                memmove(in, in + n, *in_len - n);
                *in_len -= n;
        }
        if (!*ended && *in_len == in_max) {
                fuzz_log(log, "overlong\n");
                *ended = true;
        }
}

static void feed(const uint8_t *wire, size_t len, const Reads *reads, size_t in_max, fuzz_step_t step,
                 FuzzLog *log) {
        char *in = malloc(in_max);
        size_t pos = 0, in_len = 0, i = 0;
        bool ended = false;

        if (!in)
                abort();
        while (!ended && pos < len) {
                size_t want = len - pos, room = in_max - in_len;

                if (reads->bytewise)
                        want = 1;
                else if (reads->cuts && i < reads->n_cuts)
                        want = (size_t) reads->cuts[i++] + 1;
                want = want < len - pos ? want : len - pos;
                /* A read takes what fits; the rest waits in the socket for the next one. */
                want = want < room ? want : room;
                memcpy(in + in_len, wire + pos, want);
                in_len += want;
                pos += want;
                dispatch(in, &in_len, in_max, &ended, step, log);
        }
        if (!ended)
                fuzz_log(log, "closed with %zu bytes unused\n", in_len);
        free(in);
}

static void compare(const char *what, const FuzzLog *a, const FuzzLog *b) {
        if (a->hash == b->hash)
                return;
        fprintf(stderr, "one read and %s disagree:\n---- one read:\n%s\n---- %s:\n%s\n", what, a->text, what,
                b->text);
        abort();
}

void fuzz_stream_check(const uint8_t *data, size_t size, size_t in_max, fuzz_step_t step) {
        FuzzLog whole = {}, cut = {}, bytewise = {};
        const uint8_t *wire;
        size_t n_cuts, len;

        if (size == 0)
                return;
        n_cuts = data[0] % 16U;
        n_cuts = n_cuts < size - 1 ? n_cuts : size - 1;
        wire = data + 1 + n_cuts;
        len = size - 1 - n_cuts;

        feed(wire, len, &(Reads) {}, in_max, step, &whole);
        feed(wire, len, &(Reads) { .cuts = data + 1, .n_cuts = n_cuts }, in_max, step, &cut);
        compare("the input's reads", &whole, &cut);
        if (len <= BYTEWISE_MAX) {
                feed(wire, len, &(Reads) { .bytewise = true }, in_max, step, &bytewise);
                compare("one byte per read", &whole, &bytewise);
        }
}
