/*
 * Fuzz target for the LMTP session: bytes in, replies out, with a real store
 * and the whole intake pipeline behind DATA. The first byte chooses where
 * the rest is cut into two chunks, so partial lines and pipelining are
 * exercised; a new session per input.
 */
#include <stdint.h>

#include <event2/buffer.h>

#include "forumgate/lmtp.h"
#include "fuzz_world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fw_setup();
	if (size < 1)
		return 0;
	size_t cut = 1 + (size - 1) * data[0] / 256;
	struct lmtp_session *s = lmtp_session_new(&FW.in);
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
	lmtp_session_greet(s, out);
	evbuffer_add(in, data + 1, cut - 1);
	int done = lmtp_session_feed(s, in, out);
	evbuffer_drain(out, evbuffer_get_length(out));
	if (!done) {
		evbuffer_add(in, data + cut, size - cut);
		lmtp_session_feed(s, in, out);
	}
	evbuffer_free(in);
	evbuffer_free(out);
	lmtp_session_free(s);
	return 0;
}
