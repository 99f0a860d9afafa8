/* config-internal.h: state shared by the parts of the config loader.
 *
 * config-load.c finds the files and reads them whole; config-parse.c feeds
 * one buffer through inih, line by line, so every message carries its
 * FILE:LINE; config.c resolves what can only be known once every file is
 * read (defaults, the type's own keys, timeouts against the interval).
 * Not a public interface: only the loader and tests/test-config.c use it.
 *
 * See also: config.h.
 */
#pragma once

#include "common/strmap.h"

#include <stdarg.h>

#include "supervisor/config.h"

void config_errors_addv(ConfigErrors *e, const char *file, unsigned line, const char *fmt, va_list ap)
        _printf_(4, 0);

/* Where a value came from; line 0: not set anywhere (default). file is
 * borrowed and stays valid for the whole load. */
typedef struct ConfigSource {
        const char *file;
        unsigned line;
} ConfigSource;

/* A key inih handed us that is not a common check key: kept until the
 * check's final type is known, then given to that type's parse_key. */
typedef struct ExtraKey {
        char *key;
        char *value;
        ConfigSource src;
} ExtraKey;

/* What the loader knows about a check beyond its CheckConfig. */
typedef struct CheckMeta {
        ConfigSource header;    /* first [check NAME] */
        ConfigSource timeout;   /* timeout = ..., line 0 if never set */
        ConfigSource interval;  /* interval = ..., line 0 if never set */
        bool type_given;        /* even if invalid: then "missing" would be noise */
        bool port_given;
        bool action_given;      /* else the default depends on unit= and the type */
        bool restart_limit_given, restart_window_given, restart_grace_given; /* else [supervisor]'s */
        int listen_from;        /* listen_from = SERVICE (ListenService + 1), 0 none */
        ConfigSource listen_from_src;
        bool host_given;
        ConfigSource depends_on; /* the last depends_on = ..., line 0 if never set */
        ExtraKey *extras;
        size_t n_extras;
} CheckMeta;

/* A [notify NAME] section: its keys, kept in order until every file is
 * read, then given to channel_config_parse_key() (config-notify.c). */
typedef struct NotifyMeta {
        char *name;
        ConfigSource header;    /* first [notify NAME] */
        ExtraKey *keys;
        size_t n_keys;
} NotifyMeta;

typedef enum SectionKind {
        SECTION_NONE,           /* before the first header of a file */
        SECTION_SUPERVISOR,
        SECTION_CHECK,
        SECTION_NOTIFY,
        SECTION_SKIP,           /* a broken header: its keys are ignored, not misfiled */
} SectionKind;

/* Per file: headers and keys seen, to refuse duplicates within one file.
 * section is -1 for [supervisor], the check index, or -2 - the notify index. */
typedef struct SeenKey {
        char *id;               /* "SECTION" for the header itself, "SECTION KEY" for a key */
        unsigned line;
} SeenKey;

typedef struct ConfigParser {
        Config *config;
        CheckMeta *meta;        /* parallel to config->checks */
        ConfigErrors *errors;
        size_t n_errors_before; /* errors->n when the load started */
        ConfigSource interval, timeout; /* where [supervisor] set them */

        /* The file being read. */
        const char *file;
        unsigned line;
        SectionKind section;
        size_t check;           /* index into config->checks in SECTION_CHECK */
        size_t notify;          /* index into notify in SECTION_NOTIFY */
        NotifyMeta *notify_meta; /* every [notify NAME], in order of first appearance */
        size_t n_notify;
        SeenKey *seen;
        size_t n_seen;
        StrMap seen_index;      /* SeenKey.id -> index into seen */
        StrMap check_index;     /* check name -> index into config->checks, over all files */
        const char *data;
        size_t size, pos;
} ConfigParser;

/* config-parse.c: parse one buffer as if it were the file called file. */
int config_parse_buffer(ConfigParser *p, const char *file, const char *data, size_t size);
/* config-parse.c: records "FILE:LINE: message" for the current line; returns -EINVAL. */
int config_parse_error(ConfigParser *p, const char *fmt, ...) _printf_(2, 3);

/* A key of a section and its parser (where: " in [check NAME]" or ""). The
 * tables end with a { NULL } entry. */
typedef struct ConfigKey {
        const char *name;
        int (*parse)(ConfigParser *p, const char *key, const char *value, const char *where);
} ConfigKey;
const ConfigKey *config_key_find(const ConfigKey *table, const char *key);
/* config-notify.c: the [supervisor] keys of alerting. */
extern const ConfigKey config_alerting_keys[];

/* config-keys.c: one key of [supervisor], or of the current [check]
 * (label: "check NAME", for messages). Errors are recorded; returns -EINVAL. */
int config_supervisor_key(ConfigParser *p, const char *key, const char *value);
int config_parse_yes_no(ConfigParser *p, const char *key, const char *value, bool *ret);
int config_check_key(ConfigParser *p, const char *key, const char *value, const char *label);

/* config.c: a Config with the defaults of config.h, and the parser around it. */
void config_parser_init(ConfigParser *p, ConfigErrors *errors);
/* config.c: resolves what needs every file, then hands over the Config
 * (r >= 0 and no new errors) or frees it and returns r, or -EINVAL. */
int config_parser_finish(ConfigParser *p, int r, Config **ret);

/* config.c: reserve room for one more element, aborting on out-of-memory
 * like xstrdup(): a configuration that does not fit in memory is hopeless. */
void *config_grow(void *array, size_t n, size_t size);
/* config.c: a new check with its defaults, its header at p's current
 * FILE:LINE; returns its index. */
size_t config_add_check(ConfigParser *p, const char *name);

/* config-parse.c: 0 if this file had no such header (key NULL) or key yet,
 * and records it; else the line where it had. */
unsigned config_seen_at(ConfigParser *p, long section, const char *key);

/* config-notify.c: [notify NAME] starts (name is the stripped rest of the
 * header); one key of it; and, once every file is read, the channels
 * verified into config->channels. Errors are recorded with FILE:LINE. */
int config_begin_notify(ConfigParser *p, const char *name);
void config_notify_key(ConfigParser *p, const char *key, const char *value);
void config_resolve_notify(ConfigParser *p);

/* config-listen.c: listen_from = SERVICE applied to the check (its host,
 * port, socket or TLS keys), said in listen_found; errors with FILE:LINE. */
void config_resolve_listen(ConfigParser *p, CheckConfig *c, CheckMeta *m);

/* config-depends.c: every depends_on resolved to indices, unknown names and
 * cycles recorded with FILE:LINE. */
void config_resolve_depends(ConfigParser *p);
void config_notify_meta_free(ConfigParser *p);

/* config-load.c, for tests: like config_load(path) but, when missing_ok, a path
 * whose file and .d directory both do not exist yields the embedded default,
 * as config_load(NULL) does for CONFIG_DEFAULT_PATH. */
int config_load_path(const char *path, bool missing_ok, Config **ret, ConfigErrors *errors);
