/* fuzz-config.c: the configuration loader on a file's bytes.
 *
 * config_load_buffer() is what config_load() does with each file once read:
 * inih line by line, every key checked, then defaults and cross-checks
 * resolved. Properties: a config is returned exactly when no error was
 * found; every error is one line "fuzz.conf:LINE: message" (or
 * "fuzz.conf: message"), so a user can find it; a returned config names a
 * type and an action for every check.
 *
 * See also: supervisor/config.h, tests/test-config.c.
 */
#include "probes/probe.h"
#include "supervisor/config.h"
#include "tests/fuzz/fuzz.h"

#define NAME "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Exact size, as config-load.c hands a file's bytes over. */
        char *text = malloc(size ? size : 1);
        ConfigErrors errors = {};
        Config *c = NULL;
        int r;

        if (!text)
                abort();
        memcpy(text, data, size);
        r = config_load_buffer(text, size, NAME, &c, &errors);
        FUZZ_CHECK(r == 0 || r == -EINVAL);
        FUZZ_CHECK((r == 0) == (c != NULL) && (r == 0) == (errors.n == 0));
        for (size_t i = 0; i < errors.n; i++) {
                const char *l = errors.lines[i];

                if (strncmp(l, NAME ":", strlen(NAME ":")) != 0 || strchr(l, '\n')) {
                        fprintf(stderr, "not one FILE:LINE: line: \"%s\"\n", l);
                        abort();
                }
        }
        for (size_t i = 0; c && i < c->n_checks; i++) {
                const CheckConfig *k = &c->checks[i];

                FUZZ_CHECK(k->name && k->type && check_action_to_string(k->action));
                FUZZ_CHECK(config_find_check(c, k->name) == k);
                FUZZ_CHECK(k->timeout > 0 && k->timeout < c->interval);
        }
        config_free(c);
        config_errors_clear(&errors);
        free(text);
        return 0;
}
