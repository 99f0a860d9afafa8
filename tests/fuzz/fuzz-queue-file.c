/* fuzz-queue-file.c: postfix_queue_arrival() on the head of a queue file.
 *
 * The postfix_queue probe reads the first POSTFIX_QUEUE_HEAD_MAX bytes of
 * every deferred file (any user who can write to maildrop makes one) and
 * looks for the 'T' record. Property: reading more of a file never takes a
 * verdict back: where a prefix already has an arrival time or is not a queue
 * file, the whole says the same.
 *
 * See also: probes/postfix-queue-parse.h, tests/test-postfix-queue.c.
 */
#include "probes/postfix-queue-parse.h"
#include "tests/fuzz/fuzz.h"

static int arrival(const uint8_t *data, size_t len, usec_t *ret) {
        /* Exact size, so ASan sees a read past what was read from the file. */
        uint8_t *copy = malloc(len ? len : 1);
        int r;

        if (!copy)
                abort();
        memcpy(copy, data, len);
        r = postfix_queue_arrival(copy, len, ret);
        free(copy);
        FUZZ_CHECK(r == 1 || r == 0 || r == -EBADMSG);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const size_t cuts[] = { 1, size / 3, size / 2, size > 0 ? size - 1 : 0, POSTFIX_QUEUE_HEAD_MAX };
        usec_t whole_t = 0;
        int whole;

        whole = arrival(data, size, &whole_t);
        for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
                usec_t t = 0;
                int r;

                if (cuts[i] >= size)
                        continue;
                r = arrival(data, cuts[i], &t);
                if (r != 0)
                        FUZZ_CHECK(r == whole && t == whole_t);
        }
        return 0;
}
