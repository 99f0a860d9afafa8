/* log.c: journal or stderr logging (see log.h). */
#include "common/log.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

/* The logger's settings are fixed once at start-up, before the loop runs. */
static struct {
        bool journal;
        int max_priority;
} log_settings = { false, LOG_INFO };

/* systemd sets JOURNAL_STREAM=dev:ino of the stream it connected to stderr. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == dev && st.st_ino == ino;
}

void log_setup(bool verbose) {
        log_settings.journal = stderr_is_journal();
        log_settings.max_priority = verbose ? LOG_DEBUG : LOG_INFO;
}

bool log_to_journal(void) {
        return log_settings.journal;
}

static const char *priority_tag(int priority) {
        switch (priority) {
        case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: return "critical: ";
        case LOG_ERR: return "error: ";
        case LOG_WARNING: return "warning: ";
        case LOG_DEBUG: return "debug: ";
        default: return "";
        }
}

void log_struct(int priority, const char *message_id, const char *kind,
                const char *check, const char *unit, const char *message) {
        char text[2048];

        if (priority > log_settings.max_priority)
                return;
        /* journalctl shows a MESSAGE that is not UTF-8 as "[blob data]". */
        message = utf8_checked(message, text, sizeof(text));
        if (log_settings.journal) {
                char f_msg[2048], f_prio[32], f_id[64], f_kind[96], f_check[288], f_unit[320];
                struct iovec iov[6];
                int n = 0;

#define FIELD(buf, ...) do { \
                snprintf(buf, sizeof(buf), __VA_ARGS__); \
                iov[n++] = (struct iovec) { .iov_base = buf, .iov_len = strlen(buf) }; \
        } while (0)
                FIELD(f_msg, "MESSAGE=%s%s%s", check ? check : "", check ? ": " : "", message);
                FIELD(f_prio, "PRIORITY=%i", priority);
                if (message_id)
                        FIELD(f_id, "MESSAGE_ID=%s", message_id);
                if (kind)
                        FIELD(f_kind, "MAILSUP_EVENT=%s", kind);
                if (check)
                        FIELD(f_check, "CHECK=%s", check);
                if (unit)
                        FIELD(f_unit, "OBJECT_SYSTEMD_UNIT=%s", unit);
#undef FIELD
                if (sd_journal_sendv(iov, n) >= 0)
                        return;
        }
        fprintf(stderr, "%s%s%s%s%s%s%s\n", priority_tag(priority),
                check ? check : "", check ? ": " : "", message,
                kind ? " [" : "", kind ? kind : "", kind ? "]" : "");
}

int log_full_errno(int priority, int error, const char *fmt, ...) {
        char buf[2048];
        va_list ap;

        if (priority <= log_settings.max_priority) {
                int saved = errno;
                errno = error < 0 ? -error : error; /* for %m in fmt */
                va_start(ap, fmt);
                vsnprintf(buf, sizeof(buf), fmt, ap);
                va_end(ap);
                errno = saved;
                log_struct(priority, NULL, NULL, NULL, NULL, buf);
        }
        return error == 0 ? 0 : -(error < 0 ? -error : error);
}
