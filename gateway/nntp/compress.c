/*
 * COMPRESS DEFLATE (RFC 8054): one raw DEFLATE stream (RFC 1951, no zlib or
 * gzip framing) in each direction, from the byte after the 206 reply to the
 * end of the connection. The server keeps the session's line protocol as it
 * is and runs this stage between it and the socket (or the TLS layer, so
 * compression happens inside TLS): commands are inflated before the session
 * sees them, replies are deflated after it wrote them.
 *
 * Every batch of replies ends with a sync flush (Z_SYNC_FLUSH): a reader
 * must be able to decode a whole reply as soon as it arrives, whatever the
 * compressor would like to keep back for a better ratio.
 *
 * Memory per compressed session: the compressor uses an 8 KiB window and
 * memLevel 6 (zlib's formula: 2^(13+2) + 2^(6+9) = 64 KiB, plus about 6 KiB
 * of state) instead of zlib's default 15/8 (256 KiB): a window larger than
 * an article buys little, since what repeats in a reader's traffic (header
 * names, group names, dates in overview lines) repeats within a few lines.
 * RFC 8054 lets the compressor choose; the decompressor must accept the
 * largest window a client may use (2^15), which zlib allocates on first use:
 * 32 KiB plus about 7 KiB of state.
 *
 * A client that sends a few bytes expanding to megabytes costs no more than
 * the caller's limit: nntp_deflate_in stops at it and zlib keeps the rest.
 */
#include <event2/buffer.h>
#include <stdlib.h>
#include <zlib.h>

#include "forumgate/buf.h"
#include "forumgate/nntp.h"

#define Z_WINDOW_BITS 13
#define Z_MEM_LEVEL 6
#define Z_CHUNK 16384

struct nntp_deflate {
	z_stream out; /* replies */
	z_stream in;  /* commands */
	int in_ready, out_ready;
};

struct nntp_deflate *nntp_deflate_new(char **err)
{
	struct nntp_deflate *z = xcalloc(1, sizeof *z);
	/* negative windowBits: raw DEFLATE, as RFC 8054 §2.2.2 asks */
	if (deflateInit2(&z->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -Z_WINDOW_BITS, Z_MEM_LEVEL,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		nntp_deflate_free(z);
		fg_error(err, "compress: cannot set up the compressor");
		return NULL;
	}
	z->out_ready = 1;
	if (inflateInit2(&z->in, -15) != Z_OK) {
		nntp_deflate_free(z);
		fg_error(err, "compress: cannot set up the decompressor");
		return NULL;
	}
	z->in_ready = 1;
	return z;
}

void nntp_deflate_free(struct nntp_deflate *z)
{
	if (z == NULL)
		return;
	if (z->out_ready)
		deflateEnd(&z->out);
	if (z->in_ready)
		inflateEnd(&z->in);
	free(z);
}

/* Runs the compressor over its current input with `flush` until it has
 * taken all of it (and, for a flush, written everything out). */
static int deflate_run(z_stream *zs, int flush, struct evbuffer *dst)
{
	do {
		struct evbuffer_iovec v;
		if (evbuffer_reserve_space(dst, Z_CHUNK, &v, 1) < 1)
			return -1;
		if (v.iov_len > Z_CHUNK * 4)
			v.iov_len = Z_CHUNK * 4;
		zs->next_out = v.iov_base;
		zs->avail_out = (uInt)v.iov_len;
		int r = deflate(zs, flush);
		v.iov_len -= zs->avail_out;
		if (evbuffer_commit_space(dst, &v, 1) != 0)
			return -1;
		/* Z_BUF_ERROR only says there was nothing to do */
		if (r != Z_OK && r != Z_BUF_ERROR)
			return -1;
	} while (zs->avail_out == 0);
	return 0;
}

int nntp_deflate_out(struct nntp_deflate *z, struct evbuffer *src, struct evbuffer *dst, char **err)
{
	if (evbuffer_get_length(src) == 0)
		return 0;
	struct evbuffer_iovec v;
	while (evbuffer_peek(src, -1, NULL, &v, 1) > 0) {
		z->out.next_in = v.iov_base;
		z->out.avail_in = (uInt)v.iov_len;
		if (deflate_run(&z->out, Z_NO_FLUSH, dst) != 0)
			return fg_error(err, "compress: deflate failed");
		evbuffer_drain(src, v.iov_len);
	}
	z->out.next_in = NULL;
	z->out.avail_in = 0;
	if (deflate_run(&z->out, Z_SYNC_FLUSH, dst) != 0)
		return fg_error(err, "compress: deflate failed");
	return 0;
}

long nntp_deflate_in(struct nntp_deflate *z, struct evbuffer *src, struct evbuffer *dst,
		     size_t limit, char **err)
{
	long added = 0;
	while (evbuffer_get_length(dst) < limit) {
		struct evbuffer_iovec in = {NULL, 0};
		int have = evbuffer_peek(src, -1, NULL, &in, 1) > 0;
		size_t room = limit - evbuffer_get_length(dst);
		if (room > Z_CHUNK)
			room = Z_CHUNK;
		struct evbuffer_iovec out;
		if (evbuffer_reserve_space(dst, (ev_ssize_t)room, &out, 1) < 1)
			return fg_error(err, "compress: out of memory");
		z->in.next_in = have ? in.iov_base : NULL;
		z->in.avail_in = have ? (uInt)in.iov_len : 0;
		z->in.next_out = out.iov_base;
		z->in.avail_out = (uInt)room;
		int r = inflate(&z->in, Z_SYNC_FLUSH);
		size_t produced = room - z->in.avail_out;
		size_t consumed = have ? in.iov_len - z->in.avail_in : 0;
		out.iov_len = produced;
		evbuffer_commit_space(dst, &out, 1);
		if (consumed)
			evbuffer_drain(src, consumed);
		added += (long)produced;
		if (r == Z_STREAM_END)
			return fg_error(err, "compress: the client ended its DEFLATE stream");
		if (r != Z_OK && r != Z_BUF_ERROR)
			return fg_error(err, "compress: corrupt DEFLATE data from the client: %s",
					z->in.msg ? z->in.msg : "inflate failed");
		if (produced == 0 && consumed == 0)
			break; /* needs more input */
	}
	return added;
}
