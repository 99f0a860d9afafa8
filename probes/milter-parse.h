/* milter-parse.h: the pure parts of the milter probe (Sendmail's milter
 * protocol as libmilter and Postfix's milter8.c speak it).
 *
 * A frame is a 4-byte big-endian length that counts the command byte, the
 * command, then length-1 bytes of data. The option negotiation (SMFIC_OPTNEG,
 * 'O') carries version, actions and protocol flags, 32-bit big-endian each,
 * and is answered by an 'O' frame of the same shape (possibly followed by a
 * macro list in version 6). Everything here works on byte buffers only.
 *
 * See also: milter.c, tests/test-milter-parse.c.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define MILTER_FRAME_MAX (64U * 1024U)  /* libmilter's MILTER_CHUNK_SIZE (65535) + the command byte */
#define MILTER_OPTNEG_LEN 17U           /* 4 length + 'O' + 3 * 4 */
#define MILTER_VERSION 6U
#define MILTER_ACTIONS_ALL 0x1ffU       /* SMFIF_ADDHDRS .. SMFIF_SETSYMLIST, as Postfix offers */
#define MILTER_PROTOCOL_ALL 0x1fffffU   /* SMFIP_NOCONNECT .. SMFIP_HDR_LEADSPC */

#define SMFIC_OPTNEG 'O'
#define SMFIC_QUIT 'Q'

typedef struct MilterFrame {
        char command;
        const uint8_t *data;    /* points into the parsed buffer */
        size_t data_len;
        size_t consumed;        /* bytes of the whole frame */
} MilterFrame;

typedef struct MilterOptneg {
        uint32_t version, actions, protocol;
} MilterOptneg;

/* The SMFIC_OPTNEG frame we send; buf must hold MILTER_OPTNEG_LEN bytes. */
void milter_optneg_build(uint8_t buf[static MILTER_OPTNEG_LEN], const MilterOptneg *o);
/* The SMFIC_QUIT frame: 5 bytes. */
void milter_quit_build(uint8_t buf[static 5]);

/* 1 and *ret for a whole frame in buf; 0 when more bytes are needed;
 * -EBADMSG for a zero length (no command byte); -EMSGSIZE for a length
 * above MILTER_FRAME_MAX (a peer that is not a milter: "220 " reads as
 * 842149920). */
int milter_frame_parse(const void *buf, size_t len, MilterFrame *ret);

/* 0 and *ret for an 'O' frame with its 12 bytes; -EPROTO for another
 * command, -EBADMSG for an 'O' frame shorter than 12 bytes of data. */
int milter_optneg_parse(const MilterFrame *f, MilterOptneg *ret);
