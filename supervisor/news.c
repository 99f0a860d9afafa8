/* news.c: publishing to the subscribers (see news.h). */
#include "supervisor/news.h"

#include <stdarg.h>

#include "common/log.h"
#include "supervisor/supervisor.h"

void news_subscribe(Supervisor *s, const char *name, news_handler_t handler, void *userdata) {
        if (s->n_subscribers >= NEWS_SUBSCRIBERS_MAX)
                abort();
        s->subscribers[s->n_subscribers++] = (Subscriber) { name, handler, userdata };
}

void news_publish(Supervisor *s, const News *n) {
        for (size_t i = 0; i < s->n_subscribers; i++)
                s->subscribers[i].handler(s, n, s->subscribers[i].userdata);
}

void news_event(Supervisor *s, EventKind kind, const char *check, const char *unit, const char *fmt, ...) {
        char message[1024];
        va_list ap;

        if (kind >= _EVENT_KIND_MAX)
                return;
        va_start(ap, fmt);
        vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        log_struct(severity_log_priority(event_kind_severity(kind)), event_kind_message_id(kind),
                   event_kind_to_string(kind), check, unit, message);
        news_publish(s, &(News) { .kind = NEWS_EVENT,
                                  .event = { .kind = kind, .check = check, .unit = unit, .message = message } });
}
