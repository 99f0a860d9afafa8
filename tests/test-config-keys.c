/* test-config-keys.c: the keys the configuration accepts, from the plug-ins' own tables.
 *
 * A probe type lists its keys in its vtable (ProbeType.keys); the loader
 * accepts exactly those beyond the common ones and hands each to the
 * type's parse_key. So a listed key that parse_key does not know would be
 * accepted and then refused as unknown: every listed key is fed to its
 * parser here, and an unlisted one must be refused at its FILE:LINE. The
 * restart limits are per check, with [supervisor]'s as defaults. And
 * --list-config-keys prints only keys the parser takes where it says.
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

/* The same for channel types: every key a type lists is taken once the type is known. */
static void test_channel_type_keys(void) {
        for (size_t i = 0; channel_types[i]; i++) {
                const ChannelType *t = channel_types[i];

                for (const char *const *k = t->keys; k && *k; k++) {
                        _cleanup_free_ char *error = NULL;
                        ChannelConfig c;
                        int r;

                        channel_config_init(&c, "t");
                        CHECK_INT(channel_config_parse_key(&c, "type", t->name, &error), 0);
                        r = channel_config_parse_key(&c, *k, "x", &error);
                        if (r == -ENOENT || (error && strstr(error, "is not used by type")))
                                fprintf(stderr, "channel type %s lists key '%s' but refuses it: %s\n", t->name, *k,
                                        error ? error : "unknown");
                        CHECK(r != -ENOENT && !(error && strstr(error, "is not used by type")));
                        channel_config_done(&c);
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

/* restart_limit, restart_window, restart_grace: [supervisor]'s are the
 * defaults (wherever in the files they stand), a check may set its own. */
static void test_restart_keys(void) {
        ConfigErrors errors = {};
        Config *c = NULL;
        const CheckConfig *a, *b;

        CHECK_INT(config_load_string("[check a]\ntype = tcp\nport = 1\nunit = a.service\n"
                                     "[check b]\ntype = tcp\nport = 2\nunit = b.service\n"
                                     "restart_limit = 1\nrestart_window = 20\nrestart_grace = 0\n"
                                     "[supervisor]\nrestart_limit = 7\nrestart_window = 9\nrestart_grace = 2min\n",
                                     "t.conf", &c, &errors), 0);
        config_errors_print(&errors, stderr);
        config_errors_clear(&errors);
        a = config_find_check(c, "a");
        b = config_find_check(c, "b");
        CHECK(a && b);
        if (a && b) {
                CHECK_INT(a->restart_limit, 7);
                CHECK_INT(a->restart_window, 9);
                CHECK_INT(a->restart_grace, 2 * USEC_PER_MINUTE);
                CHECK_INT(b->restart_limit, 1);
                CHECK_INT(b->restart_window, 20);
                CHECK_INT(b->restart_grace, 0);
        }
        config_free(c);

        CHECK_STREQ(first_error("[check a]\ntype = tcp\nport = 1\nrestart_limit = 0\n"),
                    "t.conf:4: invalid number '0' for restart_limit in [check a]: must be between 1 and 10000");
        CHECK_STREQ(first_error("[check a]\ntype = tcp\nport = 1\nrestart_window = -3\n"),
                    "t.conf:4: invalid number '-3' for restart_window in [check a]: must be between 1 and 10000");
        CHECK_STREQ(first_error("[check a]\ntype = tcp\nport = 1\nrestart_grace = soon\n"),
                    "t.conf:4: invalid duration 'soon' for restart_grace in [check a]");
        CHECK_STREQ(first_error("[check a]\ntype = tcp\nport = 1\nrestart_limit = 2\nrestart_limit = 3\n"),
                    "t.conf:5: duplicate key 'restart_limit' in [check a] (first given at t.conf:4)");
}

/* Whether text's errors say nothing of an unknown or unused key. */
static bool key_accepted(const char *text, const char *key) {
        ConfigErrors errors = {};
        Config *c = NULL;
        bool ok = true;
        char unknown[128], unused[128];

        snprintf(unknown, sizeof(unknown), "unknown key '%s'", key);
        snprintf(unused, sizeof(unused), "key '%s' is not used", key);
        (void) config_load_string(text, "t.conf", &c, &errors);
        for (size_t i = 0; i < errors.n; i++)
                if (strstr(errors.lines[i], unknown) || strstr(errors.lines[i], unused)) {
                        fprintf(stderr, "listed but refused: %s\n", errors.lines[i]);
                        ok = false;
                }
        config_errors_clear(&errors);
        config_free(c);
        return ok;
}

/* mailsupd --list-config-keys: every line is a key the parser takes where
 * the line says, and the list has every kind of line. */
static void test_list_keys(void) {
        _cleanup_free_ char *out = NULL;
        unsigned kinds[5] = {};
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        char *save = NULL;

        config_list_keys(f);
        fclose(f);
        for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char section[64], key[64], text[512], *type;

                CHECK(sscanf(l, "%63s %63s", section, key) == 2);
                type = strchr(section, ':');
                if (type)
                        *type++ = '\0';
                if (streq(section, "supervisor"))
                        snprintf(text, sizeof(text), "[supervisor]\n%s = x\n", key);
                else if (streq(section, "check"))
                        snprintf(text, sizeof(text), "[check a]\ntype = %s\n%s = x\n", type ? type : "tcp", key);
                else
                        snprintf(text, sizeof(text), "[notify n]\ntype = %s\nurl = http://192.0.2.1/\n%s = x\n",
                                 type ? type : "webhook", key);
                CHECK(key_accepted(text, key));
                kinds[streq(section, "supervisor") ? 0 : streq(section, "check") ? (type ? 2 : 1) : (type ? 4 : 3)]++;
        }
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                CHECK(kinds[i] > 0);
}

int main(void) {
        test_probe_type_keys();
        test_channel_type_keys();
        test_unlisted_key();
        test_restart_keys();
        test_list_keys();
        return tests_summary("test-config-keys");
}
