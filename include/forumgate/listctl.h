/*
 * listctl: what a list's `-request` address does with the commands of a
 * message (listreq.h parses them): subscriptions in the store changed, a
 * confirmation asked for a subscription (by mail to the address being
 * subscribed, so nobody can subscribe someone else), and one short reply.
 *
 *  - subscribe: a pending subscription with a token (32 hex digits, valid
 *    48 hours) and a confirmation request to the address; replying to it
 *    (the Subject carries "confirm TOKEN") or sending "confirm TOKEN" to
 *    the -request address activates it. An address already subscribed that
 *    asks for itself just gets its new mode or format.
 *  - unsubscribe: the sender's own subscription ends at once; another
 *    address's needs a confirmation from that address.
 *  - digest [daily|weekly], nodigest, html, text: the sender's subscription.
 *  - help: the command list.
 * Replies are sent From the -request address through the smarthost
 * (notice.h), with a null envelope sender.
 */
#ifndef FORUMGATE_LISTCTL_H
#define FORUMGATE_LISTCTL_H

#include "forumgate/config.h"
#include "forumgate/mail.h"

struct store;

/* 1 when local (the recipient's local part, lowercased) is a -request
 * address: *group (malloc'd) is the group's name then. */
int listctl_is_request(const char *local, char **group);

/* Runs the commands of m, sent by `sender`, to group's -request address.
 * Returns 0 (*summary: a line for the log, malloc'd) or -1 with *err on a
 * store failure (nothing was changed: the MTA may try again). A failed
 * reply mail is logged, not an error. */
int listctl_request(const struct cfg *c, struct store *st, const struct mail_msg *m,
		    const char *sender, const char *group, char **summary, char **err);

/* The HTTP route of one-click unsubscribe links (RFC 8058; listmsg.h makes
 * them): /unsubscribe?g=GROUP&a=ADDRESS&t=TOKEN. POST (what a mail client
 * sends for List-Unsubscribe-Post) ends the subscription; GET shows a page
 * with a button that posts, and changes nothing, since mail scanners open
 * links. A wrong token is 403. arg: the struct cfg. */
struct httpd_request;
struct httpd_response;
#define LISTCTL_UNSUBSCRIBE_PATH "/unsubscribe"
void listctl_http_unsubscribe(void *arg, const struct httpd_request *rq, struct httpd_response *rs);

#endif
