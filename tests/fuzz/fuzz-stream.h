/* fuzz-stream.h: a peer's bytes as probes/stream.c hands them to a probe.
 *
 * The stream probes (smtp, imap, milter, tcp_table) read a peer in reads of
 * any size into a buffer of STREAM_IN_MAX bytes, and after each read call
 * their parser on everything not consumed yet. A parser must reach the same
 * verdicts however the peer's bytes were split into reads. So a harness's
 * step() runs over the wire bytes three ways: one read as large as the
 * buffer allows, reads cut at lengths the input chooses, and (for short
 * inputs) one byte per read; everything step() logs must be the same.
 *
 * Input: byte 0 says how many read lengths follow (mod 16), each byte a
 * length - 1; then the wire bytes, whose rest after the listed reads comes
 * in one read. A seed is recorded bytes behind one 0 byte (a single read).
 *
 * See also: probes/stream.c (stream_dispatch()), fuzz.h.
 */
#pragma once

#include <stdbool.h>

#include "common/util.h"
#include "tests/fuzz/fuzz.h"

/* What a step saw, as a running hash, and the first bytes as text for the
 * message when two ways disagree. */
typedef struct FuzzLog {
        uint64_t hash;
        size_t text_len;
        char text[1024];
} FuzzLog;

void fuzz_log(FuzzLog *log, const char *fmt, ...) _printf_(2, 3);
void fuzz_log_bytes(FuzzLog *log, const void *p, size_t n);
/* A peer's text as the probes put it into reasons (sanitize_line() into
 * 160 bytes), then a line end. */
void fuzz_log_text(FuzzLog *log, const char *text, size_t len);

/* As StreamOps.input: buf[0, len) is every byte not consumed yet (a heap
 * copy of exactly len bytes). Returns the bytes used, 0 for "need more";
 * sets *ended when it took a verdict (then it is not called again). */
typedef size_t (*fuzz_step_t)(const char *buf, size_t len, bool *ended, FuzzLog *log);

/* For a parser's 1 (a result), 0 (need more) or -errno (logged; ended):
 * true when there is a result to look at. */
bool fuzz_step_parsed(int r, bool *ended, FuzzLog *log);

/* Runs step over data (the format above) the three ways with an input
 * buffer of in_max bytes, and aborts when their logs differ. */
void fuzz_stream_check(const uint8_t *data, size_t size, size_t in_max, fuzz_step_t step);
