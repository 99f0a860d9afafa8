/* fuzz-main.c: the corpus as a plain test, without libFuzzer.
 *
 * Every build that is not -Dfuzz=true links each harness with this main():
 * it feeds every file of the corpus directories (or files) named on the
 * command line to LLVMFuzzerTestOneInput(), in name order, each in a heap
 * buffer of its exact size. A corpus that is missing or empty fails: a test
 * that runs nothing cannot fail.
 *
 * See also: fuzz.h, meson.build.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

#define FUZZ_INPUT_MAX (1024U * 1024U)

/* 1 when fed, -errno when it cannot be read whole. */
static int run_file(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        uint8_t *buf;
        size_t n = 0;

        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t) st.st_size > FUZZ_INPUT_MAX) {
                fprintf(stderr, "%s: not a readable regular file of at most %u bytes\n", path, FUZZ_INPUT_MAX);
                if (fd >= 0)
                        close(fd);
                return -EINVAL;
        }
        /* Exact size (malloc(0) may be NULL: one byte then, never read). */
        buf = malloc(st.st_size ? (size_t) st.st_size : 1);
        if (!buf)
                abort();
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t) st.st_size - n);
                if (k <= 0)
                        break;
                n += (size_t) k;
        }
        close(fd);
        if (n < (size_t) st.st_size) {
                fprintf(stderr, "%s: short read\n", path);
                free(buf);
                return -EIO;
        }
        (void) LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        return 1;
}

static int compare_names(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every file of dir but hidden ones, in name order; the count, or -errno. */
static int run_dir(const char *dir) {
        struct dirent **names;
        int n, ran = 0;

        n = scandir(dir, &names, NULL, compare_names);
        if (n < 0)
                return -errno;
        for (int i = 0; i < n; i++) {
                char path[4096];

                if (ran >= 0 && names[i]->d_name[0] != '.') {
                        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >= sizeof(path))
                                ran = -ENAMETOOLONG;
                        else {
                                int r = run_file(path);
                                ran = r < 0 ? r : ran + r;
                        }
                }
                free(names[i]);
        }
        free(names);
        return ran;
}

int main(int argc, char **argv) {
        int total = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                int r;

                if (stat(argv[i], &st) < 0)
                        r = -errno;
                else
                        r = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
                        return EXIT_FAILURE;
                }
                total += r;
        }
        printf("%s: %d inputs, none failed\n", argv[0], total);
        return total > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
