/*
 * authres: the Authentication-Results header field (RFC 8601) and the
 * sender check of `auth.sender_policy: authenticated`
 * (gateway/mail/authres.c).
 *
 * Parsing follows the RFC's grammar: an authserv-id (token or quoted
 * string) with an optional version, then "none" or resinfos
 * "; method[/version] = result [reason=value] [ptype.property=value]...",
 * with comments (nested, quoted-pairs) and folding white space allowed
 * between any two tokens. A comment is never read as a result: "dkim=fail
 * (dmarc=pass)" reports one failed DKIM check.
 *
 * Which headers are believed (authres_verify_sender), and why:
 *  - Only those whose authserv-id is in auth.trusted_authserv_ids: anyone
 *    can write an Authentication-Results header; only our MTAs' count.
 *  - Headers are prepended as mail travels, so our border MTA's header is
 *    above everything the message carried when it arrived, including any
 *    header the sender forged with our authserv-id. RFC 8601 §5 makes the
 *    border MTA delete such forgeries, but not every MTA does, so:
 *    (1) the trusted run starts at the topmost trusted header and ends at
 *        the next Received header or the next header of an untrusted
 *        authserv-id: a trusted id below a Received line (a hop from
 *        outside) or below another ADMD's verdict came from outside;
 *        untrusted headers above the run (added later, inside our
 *        boundary) are skipped;
 *    (2) within the run, a method reported by a higher header is not
 *        taken from a lower one: our MTA's dkim=fail stands even when
 *        the sender put "dkim=pass" right under it (the price: an MTA
 *        writing one header per DKIM signature has only its topmost
 *        signature counted; several results in one header all count);
 *    (3) nothing below the first field an author writes (From, Subject,
 *        Date, Message-ID, To, Content-Type, DKIM-Signature, ...) is
 *        believed: MTAs prepend, so such a header came with the message.
 *    What remains: an MTA that writes its header below its own Received
 *    line (Gmail's layout) and checks no method at all cannot be told
 *    from a forgery; such an MTA must strip forged headers (RFC 8601 §5).
 *  - A pass counts only when it vouches for the From domain (DMARC's
 *    identifier alignment): dmarc=pass whose header.from is the From
 *    domain; dkim=pass whose header.d (else the domain of header.i) is
 *    aligned with it; spf=pass whose smtp.mailfrom domain is aligned with
 *    it (SPF checks the envelope sender, which anyone may set to any
 *    domain whose SPF passes for the sending host, so an unaligned pass
 *    says nothing about From). A dmarc=fail for the From domain refuses,
 *    even if DKIM or SPF passed aligned in our relaxed sense (the domain
 *    may ask for strict alignment).
 *  - Relaxed alignment without a public-suffix list: the domains are equal,
 *    or one is a subdomain of the other and the shorter one has at least
 *    two labels. A signer thus vouches for its own subtree and its parent
 *    domains only; a top-level domain never aligns, and a public suffix
 *    like co.uk could only align if its registry signed mail. DMARC's
 *    organizational domain would also align siblings (a.example.org with
 *    b.example.org); this check does not, which only errs towards refusing.
 */
#ifndef FORUMGATE_AUTHRES_H
#define FORUMGATE_AUTHRES_H

#include <stddef.h>

#include "forumgate/mail.h"

struct authres_prop {
	char *ptype;    /* lowercased: "header", "smtp", "policy", ... */
	char *property; /* lowercased: "from", "d", "i", "mailfrom", ... */
	char *value;    /* as written, quotes and comments removed */
};

struct authres_result {
	char *method; /* lowercased: "dkim", "spf", "dmarc", ... */
	char *result; /* lowercased: "pass", "fail", "none", ... */
	char *reason; /* reason=...; NULL when absent */
	struct authres_prop *props;
	size_t nprops;
};

struct authres {
	char *authserv_id;              /* as written, quotes removed */
	struct authres_result *results; /* none for "none" */
	size_t nresults;
};

/* Parses the value of one Authentication-Results field (unfolded or
 * folded). 0 and *out filled (free with authres_clear), or -1 and *err
 * when it does not follow RFC 8601 (or has a version other than 1): such
 * a header is believed in no part. */
int authres_parse(const char *value, struct authres *out, char **err);
void authres_clear(struct authres *a);

/* The value of ptype.property in r (case-insensitive names), or NULL. */
const char *authres_prop(const struct authres_result *r, const char *ptype, const char *property);

/* 1 when domains a and b are aligned in the relaxed sense above
 * (case-insensitive, a trailing dot ignored), else 0. */
int authres_aligned(const char *a, const char *b);

/* The check of sender_policy authenticated: do the believed
 * Authentication-Results headers among hdrs (a message's top-level
 * headers, in order) vouch for from_domain? 1 yes, 0 no; *why (malloc'd,
 * caller frees; may be NULL) says in a sentence what was found, for the
 * sender's bounce. */
int authres_verify_sender(const struct mail_header *hdrs, size_t nhdrs, const char *from_domain,
			  char *const *trusted, size_t ntrusted, char **why);

#endif
