/* test-config-keys.c: the keys the configuration accepts, from the plug-ins' own tables.
 *
 * A probe type lists its keys in its vtable (ProbeType.keys); the loader
 * accepts exactly those beyond the common ones and hands each to the
 * type's parse_key. So a listed key that parse_key does not know would be
 * accepted and then refused as unknown: every listed key is fed to its
 * parser here, and an unlisted one must be refused at its FILE:LINE.
 */
#include "probes/probe.h"
#include "supervisor/config-internal.h"
#include "tests/tests.h"

static void test_probe_type_keys(void) {
        for (size_t i = 0; probe_types[i]; i++) {
                const ProbeType *t = probe_types[i];

                CHECK(!t->keys || t->parse_key);
                for (const char *const *k = t->keys; k && *k; k++) {
                        ProbeConfig c = { .name = (char *) "t", .type = t };
                        _cleanup_free_ char *error = NULL;
                        int r = t->parse_key(&c, *k, "x", &error);

                        if (r == -ENOENT)
                                fprintf(stderr, "type %s lists key '%s' that its parse_key does not know\n",
                                        t->name, *k);
                        CHECK(r != -ENOENT);
                        if (t->free_options)
                                t->free_options(&c);
                }
        }
}

/* The first error of text, or "ok". */
static const char *first_error(const char *text) {
        static char buf[512];
        ConfigErrors errors = {};
        Config *c = NULL;

        if (config_load_string(text, "t.conf", &c, &errors) >= 0)
                snprintf(buf, sizeof(buf), "ok");
        else
                snprintf(buf, sizeof(buf), "%s", errors.n > 0 ? errors.lines[0] : "?");
        config_errors_clear(&errors);
        config_free(c);
        return buf;
}

static void test_unlisted_key(void) {
        /* url is the http type's key, not smtp's: refused where it stands. */
        CHECK_STREQ(first_error("[check a]\ntype = smtp\nurl = http://x/\n"),
                    "t.conf:3: unknown key 'url' in [check a]");
        CHECK_STREQ(first_error("[check a]\ntype = http\nurl = http://127.0.0.1/\n"), "ok");
}

int main(void) {
        test_probe_type_keys();
        test_unlisted_key();
        return tests_summary("test-config-keys");
}
