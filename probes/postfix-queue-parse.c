/* postfix-queue-parse.c: the arrival time of a Postfix queue file (see
 * postfix-queue-parse.h). A pure function over the first bytes, so tests
 * feed it real and hostile heads. */
#include "probes/postfix-queue-parse.h"

/* Postfix's record types seen before the time record: C (size), T (time),
 * c (create time), F (full name), A (attribute), S (sender), ... all
 * printable; a NUL or control type byte means this is not a queue file. */
static bool is_record_type(uint8_t t) {
        return t >= 'A' && t <= 'z';
}

/* Reads a record length at buf[*pos]: 1 done, 0 cut short, -EBADMSG too long. */
static int read_length(const uint8_t *buf, size_t len, size_t *pos, size_t *ret) {
        size_t n = 0;

        for (unsigned shift = 0;; shift += 7) {
                uint8_t b;

                if (shift > 21) /* over 256 MiB: Postfix caps records far lower */
                        return -EBADMSG;
                if (*pos >= len)
                        return 0;
                b = buf[(*pos)++];
                n |= (size_t) (b & 0x7f) << shift;
                if (!(b & 0x80))
                        break;
        }
        *ret = n;
        return 1;
}

/* "1795530582 194419" (seconds, microseconds); old Postfix wrote seconds only. */
static int parse_time(const uint8_t *s, size_t n, usec_t *ret) {
        uint64_t sec = 0, usec = 0;
        size_t i = 0, digits = 0;

        for (; i < n && s[i] >= '0' && s[i] <= '9' && digits < 12; i++, digits++)
                sec = sec * 10 + (uint64_t) (s[i] - '0');
        if (digits == 0 || (i < n && s[i] != ' '))
                return -EBADMSG;
        if (i < n) {
                size_t start = ++i;

                for (; i < n && s[i] >= '0' && s[i] <= '9' && i - start < 6; i++)
                        usec = usec * 10 + (uint64_t) (s[i] - '0');
                if (i == start || i != n || usec >= USEC_PER_SEC)
                        return -EBADMSG;
        }
        *ret = sec * USEC_PER_SEC + usec;
        return 1;
}

int postfix_queue_arrival(const void *data, size_t len, usec_t *ret) {
        const uint8_t *buf = data;
        size_t pos = 0;

        while (pos < len) {
                uint8_t type = buf[pos++];
                size_t n;
                int r;

                if (!is_record_type(type))
                        return -EBADMSG;
                r = read_length(buf, len, &pos, &n);
                if (r <= 0)
                        return r;
                if (n > len - pos)
                        return 0; /* the record runs past what we read */
                if (type == 'T')
                        return parse_time(buf + pos, n, ret);
                pos += n;
        }
        return 0;
}
