/* config-load.c: finding and reading the configuration files.
 *
 * The main file, then its drop-ins "<main>.d/NAME.conf" sorted with strcmp(),
 * i.e. byte order ("10-a.conf" < "20-b.conf" < "9-c.conf": use two-digit
 * prefixes, as systemd does); hidden files such as editor leftovers are
 * skipped. Each file is read whole, at most CONFIG_FILE_MAX bytes, and
 * parsed by config-parse.c. With the default path and neither the file nor
 * its .d directory present, the embedded default (config-default.c) is used.
 * A file or drop-in directory that anyone but root (or mailsupd's user) can
 * change, itself or through a directory above it, is refused (trust.h):
 * what it says runs as root.
 *
 * See also: config.c, config-parse.c.
 */
#include "supervisor/config-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "common/trust.h"

#define CONFIG_FILE_MAX ((size_t) 1024 * 1024)
#define EMBEDDED_NAME "(embedded default)"

static int file_error(ConfigErrors *e, const char *path, const char *what, int r) {
        config_errors_add(e, path, 0, "%s: %s", what, strerror(-r));
        return r;
}

/* "FILE: not trusted: DIR is writable by everyone (mode 0777)". */
static int check_trust(ConfigErrors *e, const char *path) {
        char why[PATH_MAX + 128];
        int r = trust_path(path, why, sizeof(why));

        if (r == -EPERM)
                config_errors_add(e, path, 0, "not trusted: %s", why);
        return r == -EPERM ? r : 0; /* one that cannot be examined is said when it is opened */
}

/* The whole file, NUL-terminated, at most CONFIG_FILE_MAX bytes. */
static int read_file(ConfigErrors *e, const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, alloc = 0;
        struct stat st;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return file_error(e, path, "cannot open", -errno);
        if (fstat(fd, &st) < 0)
                return file_error(e, path, "cannot read", -errno);
        if (S_ISDIR(st.st_mode))
                return file_error(e, path, "cannot read", -EISDIR);
        if (!S_ISREG(st.st_mode)) {
                config_errors_add(e, path, 0, "cannot read: not a regular file");
                return -EBADFD;
        }
        if (check_trust(e, path) < 0)
                return -EPERM;
        for (;;) {
                ssize_t k;

                if (n + 1 >= alloc) {
                        alloc = alloc ? 2 * alloc : 4096;
                        buf = config_grow(buf, alloc - 1, 1);
                }
                k = read(fd, buf + n, alloc - n - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return file_error(e, path, "cannot read", -errno);
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > CONFIG_FILE_MAX)
                        return file_error(e, path, "cannot read", -EFBIG);
        }
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

static int parse_file(ConfigParser *p, const char *path) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        r = read_file(p->errors, path, &data, &size);
        if (r < 0)
                return r;
        return config_parse_buffer(p, path, data, size);
}

static int compare_paths(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

typedef struct PathList {
        char **paths;
        size_t n;
} PathList;

static void path_list_clear(PathList *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->paths[i]);
        free(l->paths);
}

/* dir/NAME.conf, sorted; hidden files (editor leftovers) are skipped.
 * -ENOENT, with no error line, when dir does not exist. */
static int list_dropins(ConfigErrors *e, const char *dir, PathList *ret) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? -ENOENT : file_error(e, dir, "cannot open", -errno);
        if (check_trust(e, dir) < 0)
                return -EPERM;
        for (errno = 0; (de = readdir(d)); errno = 0) {
                size_t len = strlen(de->d_name);

                if (de->d_name[0] == '.' || len <= 5 || !streq(de->d_name + len - 5, ".conf"))
                        continue;
                ret->paths = config_grow(ret->paths, ret->n, sizeof(char *));
                if (asprintf(&ret->paths[ret->n], "%s/%s", dir, de->d_name) < 0)
                        abort();
                ret->n++;
        }
        if (errno != 0)
                return file_error(e, dir, "cannot read", -errno);
        /* Same directory for all, so this is strcmp() order of the names. */
        qsort(ret->paths, ret->n, sizeof(char *), compare_paths);
        return 0;
}

static int load_embedded(Config **ret, ConfigErrors *errors) {
        Config *c;
        int r;

        r = config_load_string(config_default_text(), EMBEDDED_NAME, &c, errors);
        if (r < 0)
                return r;
        free(c->path);
        c->path = NULL;
        c->embedded = true;
        *ret = c;
        return 0;
}

int config_load_path(const char *path, bool missing_ok, Config **ret, ConfigErrors *errors) {
        _cleanup_(path_list_clear) PathList dropins = {};
        _cleanup_free_ char *dir = NULL;
        ConfigErrors local = {};
        ConfigParser p;
        bool have_main, have_dir;
        int r, io = 0;

        if (!errors)
                errors = &local;
        if (asprintf(&dir, "%s.d", path) < 0)
                return -ENOMEM;
        r = list_dropins(errors, dir, &dropins);
        if (r < 0 && r != -ENOENT)
                goto out;
        have_dir = r >= 0;
        have_main = access(path, F_OK) >= 0 || errno != ENOENT;
        if (missing_ok && !have_main && !have_dir) {
                r = load_embedded(ret, errors);
                goto out;
        }

        config_parser_init(&p, errors);
        p.config->path = xstrdup(path);
        r = have_main || !missing_ok ? parse_file(&p, path) : 0;
        for (size_t i = 0; r >= 0 && i < dropins.n; i++) {
                /* A drop-in that cannot be read fails the load, after the others are checked too. */
                int k = parse_file(&p, dropins.paths[i]);
                if (k < 0 && io == 0)
                        io = k;
        }
        r = config_parser_finish(&p, r < 0 ? r : io, ret);
out:
        config_errors_clear(&local);
        return r;
}

int config_load(const char *path, Config **ret, ConfigErrors *errors) {
        if (path)
                return config_load_path(path, false, ret, errors);
        return config_load_path(CONFIG_DEFAULT_PATH, true, ret, errors);
}

