/* fuzz-state.c: the state file reader on a file's bytes.
 *
 * state_parse() is what state_read() does with the file once read (a
 * corrupt file is set aside, never fatal). Properties: a corrupt text always
 * says why; a parsed file names each check once and holds at most
 * POLICY_MAX_RESTARTS restarts per check, and each reason is one line of
 * UTF-8 whatever bytes the file held; and what mailsupd writes back
 * (state_format()) reads again, and is written the same from then on: the
 * state survives any number of restarts unchanged.
 *
 * See also: supervisor/state.h, tests/test-state.c.
 */
#include "supervisor/state.h"
#include "tests/fuzz/fuzz.h"

/* f's entries as state_write() would write them; malloc'd, *len bytes. */
static char *format(const StateFile *f, size_t *len) {
        char *text = NULL;
        FILE *m = open_memstream(&text, len);

        if (!m)
                abort();
        state_format(m, f->entries, f->n);
        if (fclose(m) != 0)
                abort();
        return text;
}

static int parse(const char *text, size_t len, StateFile *f) {
        char *problem = NULL;
        int r;

        r = state_parse(text, len, f, &problem);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        FUZZ_CHECK((r < 0) == (problem != NULL));
        if (r < 0)
                FUZZ_CHECK(f->n == 0 && !f->entries);
        free(problem);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *copy = malloc(size ? size : 1), *once, *twice;
        StateFile f, g;
        size_t once_len, twice_len;

        if (!copy)
                abort();
        memcpy(copy, data, size);
        if (parse(copy, size, &f) < 0) {
                free(copy);
                return 0;
        }
        for (size_t i = 0; i < f.n; i++) {
                FUZZ_CHECK(f.entries[i].record.policy.n_restarts <= POLICY_MAX_RESTARTS);
                FUZZ_CHECK(state_file_find(&f, f.entries[i].name) == &f.entries[i]);
                FUZZ_CHECK(utf8_valid(f.entries[i].record.reason, strlen(f.entries[i].record.reason)));
                FUZZ_CHECK(!strpbrk(f.entries[i].record.reason, "\n\r"));
        }
        once = format(&f, &once_len);
        if (parse(once, once_len, &g) < 0) {
                fprintf(stderr, "mailsupd cannot read what it wrote:\n%s\n", once);
                abort();
        }
        FUZZ_CHECK(g.n == f.n);
        twice = format(&g, &twice_len);
        if (once_len != twice_len || memcmp(once, twice, once_len) != 0) {
                fprintf(stderr, "written differently the second time:\n%s\n----\n%s\n", once, twice);
                abort();
        }
        state_file_done(&f);
        state_file_done(&g);
        free(once);
        free(twice);
        free(copy);
        return 0;
}
