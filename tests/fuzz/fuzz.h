/* fuzz.h: what every harness under tests/fuzz/ shares.
 *
 * Each fuzz-<parser>.c defines LLVMFuzzerTestOneInput() over one of the
 * project's pure parsers. Built with -Dfuzz=true (clang), libFuzzer drives
 * it under ASan and UBSan; in every other build fuzz-main.c drives it over
 * the seed corpus, so the corpus is a regression test everywhere. Besides
 * "no crash", harnesses check properties a parser must keep (the same
 * verdict however a peer's bytes are split, a written item reads back the
 * same): FUZZ_CHECK aborts, which both drivers report as a failure.
 *
 * See also: fuzz-main.c, fuzz-stream.h, README.md.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(expr)                                                                 \
        do {                                                                             \
                if (!(expr)) {                                                           \
                        fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
                        abort();                                                         \
                }                                                                        \
        } while (0)

/* data as a NUL-terminated string, cut at its first NUL (what a parser of C
 * strings sees); malloc'd with the exact size so ASan sees any overread. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
        size_t n = strnlen((const char *) data, size);
        char *s = malloc(n + 1);

        if (!s)
                abort();
        memcpy(s, data, n);
        s[n] = '\0';
        return s;
}
