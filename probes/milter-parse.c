/* milter-parse.c: milter frames on recorded bytes (see milter-parse.h). */
#include "probes/milter-parse.h"

#include <errno.h>
#include <string.h>

static void put_be32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

static uint32_t get_be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

void milter_optneg_build(uint8_t buf[static MILTER_OPTNEG_LEN], const MilterOptneg *o) {
        put_be32(buf, MILTER_OPTNEG_LEN - 4);
        buf[4] = SMFIC_OPTNEG;
        put_be32(buf + 5, o->version);
        put_be32(buf + 9, o->actions);
        put_be32(buf + 13, o->protocol);
}

void milter_quit_build(uint8_t buf[static 5]) {
        put_be32(buf, 1);
        buf[4] = SMFIC_QUIT;
}

int milter_frame_parse(const void *buf, size_t len, MilterFrame *ret) {
        const uint8_t *b = buf;
        uint32_t n;

        if (len < 4)
                return 0;
        n = get_be32(b);
        if (n == 0)
                return -EBADMSG;
        if (n > MILTER_FRAME_MAX)
                return -EMSGSIZE;
        if (len - 4 < n)
                return 0;
        *ret = (MilterFrame) {
                .command = (char) b[4],
                .data = b + 5,
                .data_len = n - 1,
                .consumed = 4 + (size_t) n,
        };
        return 1;
}

int milter_optneg_parse(const MilterFrame *f, MilterOptneg *ret) {
        if (f->command != SMFIC_OPTNEG)
                return -EPROTO;
        if (f->data_len < 12)
                return -EBADMSG;
        *ret = (MilterOptneg) {
                .version = get_be32(f->data),
                .actions = get_be32(f->data + 4),
                .protocol = get_be32(f->data + 8),
        };
        return 0;
}
