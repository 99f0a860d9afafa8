/* fuzz-outbox.c: the outbox item reader on a file's bytes.
 *
 * outbox_parse() reads each "<id>.<channel>" file at start; an unreadable
 * one is set aside, never fatal. Properties: a parsed item has a valid id
 * and channel name; what mailsupd writes for it (outbox_format()) fits the
 * reader's OUTBOX_FILE_MAX, reads again and is written the same from then
 * on: a notification survives any number of restarts unchanged.
 *
 * See also: notify/outbox.h, tests/test-notify.c.
 */
#include "notify/outbox.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *copy = malloc(size ? size : 1), once[OUTBOX_FILE_MAX], twice[OUTBOX_FILE_MAX];
        OutboxEntry e, f;
        int a, b;

        if (!copy)
                abort();
        memcpy(copy, data, size);
        if (outbox_parse(copy, size, &e) < 0) {
                free(copy);
                return 0;
        }
        FUZZ_CHECK(strlen(e.n.id) == NOTIFY_ID_LEN && outbox_channel_name_valid(e.channel));
        a = outbox_format(&e, once, sizeof(once));
        FUZZ_CHECK(a > 0 && (size_t) a < sizeof(once));
        if (outbox_parse(once, (size_t) a, &f) < 0) {
                fprintf(stderr, "mailsupd cannot read what it wrote:\n%s\n", once);
                abort();
        }
        b = outbox_format(&f, twice, sizeof(twice));
        if (a != b || memcmp(once, twice, (size_t) a) != 0) {
                fprintf(stderr, "written differently the second time:\n%s\n----\n%s\n", once, twice);
                abort();
        }
        free(copy);
        return 0;
}
