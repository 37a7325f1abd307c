"""A fixture forum board for the tests: a small HTTP(S) server on loopback
that serves vBulletin, phpBB, XenForo or MyBB pages (HTML, the way a
browser sees them) from a data model, logs members in with the engines'
cookies, checks the engines' form tokens on POST, answers refusals with the
engines' own wording, and records what it was asked. Python stdlib only.

    with BoardFixture("vbulletin4", lang="en", tz="UTC") as b:
        b.add_user("alice", "secret", signature="-- alice")
        f = b.add_board("General")
        t = b.add_thread(f, "Hello there", "alice", "<b>first</b> post")
        p = b.add_post(t, "bob", "a reply", quote_of=b.first_post(t))
        b.edit_post(p, "a better reply", editor="bob")
        b.fault("503", path=r"showthread", count=1, retry_after=2)
        ... point the connector at b.url ...
        b.posts_received   # accepted and refused POSTs of replies/threads
        b.requests         # (method, path?query, headers) of every request

ENGINES (engine=) and where their markup comes from
  "vbulletin4"  vBulletin 4.2 (default style). showthread from the corpus
                (vbulletin/NetTally/vBulletin4.html: li.postbitlegacy
                #post_N, div#post_message_N > blockquote.postcontent,
                div.bbcode_quote/bbcode_postedby quotes, span.date/span.time,
                form.pagination "Page 1 of 2" + div.postpagestats
                "Results 1 to 10 of 15", breadcrumb li.navbit, blockquote.
                signature > div.signaturecontainer, footer_copyright, navlinks
                and ad divs as furniture); "Last edited by" (blockquote.
                postcontent.lastedited), forumhome (ol#forums li.forumbit_*),
                forumdisplay (ol#stickies/ol#threads li.threadbit, h3.
                threadtitle a.title#thread_title_N, dl.threadlastpost,
                div.threadpagestats), printthread, login/newreply/newthread
                forms, standard_error / no-permission pages, "Similar Threads"
                and external.php RSS2 are reconstructed from vB 4.2 templates.
  "vbulletin3"  vBulletin 3.8. showthread from the corpus (vBulletin3.html:
                table#postN, td#td_post_N, div#post_message_N, "Quote:" tables
                with "Originally Posted by <strong>", div.pagenav table with
                "Page 152 of 155" and "Show results 21 to 40 of 55" titles,
                bigusername); the rest reconstructed (forumhome tables,
                threadbit rows td#td_threadtitle_N / a#thread_title_N,
                "Last edited by" edit note, login/newreply forms, RSS).
  "phpbb3"      phpBB 3.1-3.3 prosilver. viewtopic from the corpus
                (phpbb/magic-html: div#pN.post.has-profile, dl.postprofile,
                p.author with <time datetime>, div.content, "N posts • Page 1
                of 1", action-bar, page-footer); ul.pagination lists, quotes
                (<blockquote><div><cite>NAME wrote: <a data-post-id>↑</a>),
                div.notice "Last edited by", index_body (div.forabg
                ul.topiclist.forums), viewforum_body (ul.topiclist.topics
                li.row, a.topictitle, dd.posts/dd.views/dd.lastpost),
                login_body, posting_editor, message_body errors and Atom
                feeds (app.php/feed, /feed/topic/N, /feed/forum/N)
                reconstructed from prosilver 3.3.
  "phpbb30"     phpBB 3.0 prosilver. viewtopic from the corpus (phpbb/
                NetTally/phpBB.html: div#pN.post, div.postbody h3, p.author
                "by <strong>..</strong> &raquo; Sun May 26, 2019 4:34 pm",
                div.content, <blockquote><div><cite>NAME wrote:</cite>,
                div#sigN.signature, dl.postprofile#profileN, "247 posts
                &bull; Page 2 of 10" pagination with span.page-sep); rest
                reconstructed from 3.0 prosilver (feed.php Atom).
  "phpbb_subsilver2"  phpBB 3.0 subsilver2 (tables): reconstructed only
                (table.tablebg, a[name=pN], b.postauthor, div.postbody,
                div.quotetitle/div.quotecontent, "Page 1 of 3 [ 25 posts ]",
                "Goto page").
  "xenforo2"    XenForo 2.x. thread view from the corpus (xenforo/NetTally/
                Xenforo2.html and magic-html: html#XF data-csrf, article.
                message--post[data-author][data-content=post-N]#js-post-N,
                time.u-dt[datetime][data-time], div.bbWrapper, blockquote.
                bbCodeBlock--quote[data-source="post: N"][data-attributes=
                "member: N"], ul.p-breadcrumbs, "Similar threads" widget,
                p-footer); pageNav, message-lastEdit, message-signature, node
                list, structItem--thread lists, /login/, error blocks and RSS
                reconstructed from XF 2.2 templates.
  "xenforo1"    XenForo 1.x. thread from the corpus (Xenforo1.html: ol#
                messageList li#post-N.message[data-author], blockquote.
                messageText, div.bbCodeQuote[data-author] > blockquote.
                quoteContainer, div.editDate "Last edited:", span.DateTime /
                abbr.DateTime, div.PageNav "Page 54 of 347", div.signature);
                forum list/thread list/login reconstructed.
  "mybb"        MyBB 1.8. showthread from the corpus (mybb/magic-html: div#
                post_N.post, div.post_author, span.post_date, div#pid_N.
                post_body, div.navigation); blockquote.mycode_quote, forum
                list, forumdisplay, login and pagination reconstructed.

URLS (board at b.url + prefix; links in pages are the engines' own forms)
  vBulletin  /index.php (/forum.php 4.x), /forumdisplay.php?f=N&page=P,
             /forumdisplay.php/N-slug[/pageP], /forums/N-slug[/pageP],
             /showthread.php?t=N&page=P, /showthread.php?p=POST (page holding
             the post), /showthread.php?N-slug[/pageP], /showthread.php/
             N-slug[/pageP], /threads/N-slug[/pageP], /printthread.php?t=N&
             pp=40&page=P, /archive/index.php[/f-N[-p-P].html|/t-N[-p-P].html]
             (250 posts a page), /login.php?do=login (POST vb_login_username,
             vb_login_password or vb_login_md5password, securitytoken=guest,
             do=login, cookieuser=1; cookies bbsessionhash/bbuserid/bbpassword
             on 3.8, bb_sessionhash/bb_userid/bb_password on 4.x),
             /newreply.php?do=newreply&t=N[&p=POST], POST /newreply.php?do=
             postreply (securitytoken, do=postreply, t, p, message, title,
             posthash, poststarttime, loggedinuser), /newthread.php?do=
             newthread&f=N and POST do=postthread (subject, message),
             /external.php?type=RSS2[&forumids=N][&lastpost=1] (threads by
             start date, by last post with lastpost=1; Last-Modified + ETag,
             304), attachment.php?attachmentid=N.
             link_style= 0 "?t=N", 1 "?N-slug", 2 "/N-slug", 3 "threads/N-slug"
             picks the form of links (4.x; 3.8 always 0).
  phpBB      /index.php, /viewforum.php?f=N&start=S, /viewtopic.php?f=N&t=M&
             start=S, ?p=POST, &view=print, /ucp.php?mode=login (GET form;
             POST username, password, autologin, login=Login, redirect, sid,
             form_token+creation_time on 3.1+; cookies phpbb3_fx_sid/_u/_k),
             /ucp.php?mode=logout, /posting.php?mode=reply&f=N&t=M (form
             with subject, message, topic_cur_post_id, lastclick,
             creation_time, form_token; POST post=Submit), mode=post&f=N for a
             new topic. Feeds: 3.1+ /app.php/feed, /app.php/feed/topic/M,
             /app.php/feed/forum/N; 3.0 /feed.php, /feed.php?t=M, ?f=N (Atom,
             Last-Modified + ETag, 304). Guests without the sid cookie get
             &sid= in links, as phpBB does.
  XenForo 2  / and /forums/ (node list), /forums/slug.N/[page-P],
             /threads/slug.M/[page-P] (a page past the end: 301 to the
             last), /threads/slug.M/post-ID, /threads/slug.M/latest, /posts/
             ID/ and /goto/post?id=ID (301 to page-P#post-ID), /login/
             (form), POST /login/login
             (login, password, remember, _xfToken; cookies xf_session,
             xf_user, xf_csrf), /threads/slug.M/reply (form), POST
             /threads/slug.M/add-reply (_xfToken, message_html or message;
             _xfResponseType=json answers JSON; otherwise 303 to the new
             post), /forums/slug.N/post-thread (title, message),
             /forums/-/index.rss, /forums/slug.N/index.rss (by last post).
  XenForo 1  same paths (page-P, /login/login with login, password,
             remember, cookie_check, redirect, _xfToken; add-reply with
             message_html), links relative to <base href>, cookies
             xf_session/xf_user, _xfToken "uid,time,sha1" ("" for guests).
  MyBB       /index.php, /forumdisplay.php?fid=N&page=P, /showthread.php?
             tid=N&page=P, ?pid=POST, SEO forms /forum-N[-page-P].html,
             /thread-N[-page-P|-post-M].html (links use them with
             link_style=1), /member.php?action=login (POST
             action=do_login, username, password, my_post_key; cookies sid,
             mybbuser), /newreply.php?tid=N (POST action=do_newreply,
             my_post_key, message, subject), /syndication.php (RSS).
  All        /robots.txt (robots=), everything under prefix= ("/forum").
             POST bodies may be urlencoded or multipart/form-data.
  Helpers    thread_url(t, page), board_url(b, page), index_url(),
             login_url(), reply_url(t), feed_url(thread=, board=) give
             absolute URLs in the engine's own link form.

DATA MODEL (safe to call while the server runs; ids are ints)
  add_user(name, password, signature=None) -> user id
  add_board(name, parent=None, members_only=False, description="",
            link=None) -> id
     (a top-level board with children renders as a category; link=URL
     makes a link forum: vB forum_link icon, phpBB forum_link, XF
     node--link, MyBB forum_offlink; its page redirects to the URL)
  add_user(..., moderator=True) sees soft-deleted posts (below).
  add_thread(board, title, author, body_html, date=None, sticky=False,
             closed=False, guest=False, signature=None, attachments=None)
             -> thread id
  add_post(thread, author, body_html, date=None, quote_of=None,
           signature=None, guest=False, attachments=None) -> post id
     (attachments: names or (name, bytes): the engine's attachment block
     in the post and its download URL: vB attachment.php?attachmentid=N,
     phpBB download/file.php?id=N, XF attachments/name.N/, MyBB
     attachment.php?aid=N; members-only boards' files need a login)
  edit_post(post, body_html, editor=None, date=None, reason=None)
  delete_post(post, soft=False, by="Moderator") (soft: moderators,
  add_user(..., moderator=True), still see the engine's "deleted by"
  placeholder: vB li.postbitdeleted / vB3 "Deleted Post", phpBB 3.1+
  div.post.deleted with "This post was deleted by", XF2
  message--deleted, XF1 li.message.deleted.placeholder, MyBB
  deleted_post_collapsed; phpBB 3.0 has none), delete_thread(thread),
  move_thread(thread, board,
  leave_redirect=False) (True: the engine's "Moved:" stub stays in the old
  board's list, vB "Moved:" prefix, phpBB topic_moved, XF
  structItem-status--redirect, MyBB "Moved:"; returns the stub id),
  rename_thread(thread, title), rename_board(board, name),
  close_thread(thread, closed=True), set_sticky(thread, sticky=True)
  first_post(thread), thread_posts(thread), page_of(post)
  generate(boards, threads_per_board, posts_per_thread) -> thread ids;
     posts are made when a page needs them, so 10,000 threads cost little.
  Dates are epoch seconds (default: now, never going backwards); pages
  show them in the board's tz= ("UTC", "Europe/Berlin" or hours) and
  lang= ("en", "de", "fr", "es"), "Today"/"Heute"/"Aujourd'hui" and
  "Yesterday" for recent ones, as the engines print them by default:
  vB "06-15-2016, 03:03 PM" / "Today, 03:03 PM"; phpBB "Sun May 26,
  2019 4:34 pm" / "Today, 4:34 pm" / "12 minutes ago" (the relative
  "|D M d, Y|, g:i a" format); XF2 "Nov 21, 2010" / "Today at 10:51 AM" /
  "Monday at ..." / "5 minutes ago" / "A moment ago" with <time
  datetime data-time>; XF1 span/abbr.DateTime; MyBB "07-12-2021, 02:20
  PM" / "<span title=..>Today</span>, 02:20 PM". relative_dates=False
  prints absolute dates only. Furniture (account links, buttons, labels,
  pagination words, quote headers "Zitat von"/"hat geschrieben:"/"hat
  gesagt:", "Last edited by") is in the board's language too; error and
  refusal texts stay English.
  now= fixes the clock (a number or a callable).

BEHAVIOUR
  posts_per_page / threads_per_page default to the engines' (vB 10 / 20,
  vB3 15, phpBB 10 / 25, XF 20 / 20, MyBB 10 / 20). Thread lists: stickies
  first, then by last post. Members-only boards show the engine's "not
  logged in / no permission" page (with its login form) to guests; a wrong
  password shows the engine's login error; require_captcha=True puts the
  engine's CAPTCHA on the login form (phpBB after max_login_attempts
  failures, vB "Image Verification", XF "Please verify that you are
  human."); a POST without it fails with the engine's CAPTCHA error.
  Reply and new-thread forms carry the engines' tokens; the POST is checked
  (token, session, phpBB form age >= form_min_age seconds, default 2),
  flood_seconds (default 0 = off), min_chars, closed threads, members-only
  boards; refusals come back as the engine's error page wording.
  expire_sessions() forgets every session and remember-me cookie
  (keep_remember=True: only the sessions).
  Accepted posts appear in pages and feeds; every reply/new-thread POST is
  in posts_received ({"path", "query", "fields", "user", "status",
  "post_id", "error"}; error is None or one of "token", "form" (phpBB form
  too fast/invalid), "flood", "too_short", "closed", "no_permission",
  "no_title", "no_thread"). A posted message starting with the engine's
  quote tag ([QUOTE=name;123], [quote="name" post_id=123],
  [QUOTE="name, post: 123, member: 4"]) becomes quote_of=123.
  requests: Request(method, path with query, headers) of every request;
  fetched(regex) lists the GET paths that match. errors: tracebacks of
  fixture bugs (answered 500); tests should find it empty.
  Feeds send ETag and Last-Modified and answer 304 to If-None-Match /
  If-Modified-Since, as vB external.php and phpBB feed.php do; HTML pages
  do not (the engines send none) unless page_validators=True.
  Login errors: vB counts strikes (5), phpBB wants its CAPTCHA after
  max_login_attempts (3) failures; the CAPTCHA answers are in
  b.engine.captchas (hash -> answer) for tests that must pass one.

FAULTS
  fault(mode, path=regex, count=None, retry_after=1, hang=30.0): "429" and
  "503" (Retry-After), "500", "403", "hang" (no answer), "garbage" (200
  with broken HTML), "empty" (200, no body), "reset" (connection closed).
  template_changed = True renames the classes/ids posts and threads are
  found by (a board's new style), so a parser must fail loudly.
"""
import bisect
import email.parser
import email.policy
import email.utils
import hashlib
import html
import os
import re
import shutil
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import namedtuple
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENGINES = ("vbulletin3", "vbulletin4", "phpbb3", "phpbb30", "phpbb_subsilver2",
           "xenforo2", "xenforo1", "mybb")

Request = namedtuple("Request", "method path headers")


def esc(s):
    return html.escape(str(s), quote=True)


def slugify(s):
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return s or "thread"


def strip_tags(s):
    return html.unescape(re.sub(r"<[^>]+>", "", s))


# ---- languages -------------------------------------------------------------

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
}
MONTHS_ABBR = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    "de": "Jan Feb Mär Apr Mai Jun Jul Aug Sep Okt Nov Dez",
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
    "es": "ene feb mar abr may jun jul ago sep oct nov dic",
}
DAYS_ABBR = {  # Monday first
    "en": "Mon Tue Wed Thu Fri Sat Sun",
    "de": "Mo Di Mi Do Fr Sa So",
    "fr": "lun. mar. mer. jeu. ven. sam. dim.",
    "es": "lun mar mié jue vie sáb dom",
}
DAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
}

# phrase -> {lang: translation}; English is the key itself
PHRASES = {
    "Today": {"de": "Heute", "fr": "Aujourd'hui", "es": "Hoy"},
    "Yesterday": {"de": "Gestern", "fr": "Hier", "es": "Ayer"},
    "Page %d of %d": {"de": "Seite %d von %d", "fr": "Page %d sur %d", "es": "Página %d de %d"},
    "Results %s to %s of %s": {"de": "Ergebnis %s bis %s von %s",
                               "fr": "Résultats %s à %s sur %s",
                               "es": "Resultados %s al %s de %s"},
    "Show results %s to %s of %s": {"de": "Zeige Ergebnis %s bis %s von %s",
                                    "fr": "Afficher les résultats %s à %s sur %s",
                                    "es": "Mostrar resultados %s al %s de %s"},
    "Threads %s to %s of %s": {"de": "Themen %s bis %s von %s",
                               "fr": "Discussions %s à %s sur %s",
                               "es": "Temas %s al %s de %s"},
    "Originally Posted by": {"de": "Zitat von", "fr": "Envoyé par", "es": "Originalmente Escrito por"},
    "Quote": {"de": "Zitat", "fr": "Citation", "es": "Cita"},
    "Last edited by %s; %s at %s.": {"de": "Geändert von %s (%s um %s Uhr)",
                                     "fr": "Dernière modification par %s ; %s à %s.",
                                     "es": "Última edición por %s; %s a las %s."},
    "Reason:": {"de": "Grund:", "fr": "Motif :", "es": "Razón:"},
    "Thread": {"de": "Thema", "fr": "Discussion", "es": "Tema"},
    "Threads": {"de": "Themen", "fr": "Discussions", "es": "Temas"},
    "Posts": {"de": "Beiträge", "fr": "Messages", "es": "Mensajes"},
    "Replies": {"de": "Antworten", "fr": "Réponses", "es": "Respuestas"},
    "Views": {"de": "Hits", "fr": "Affichages", "es": "Visitas"},
    "Last Post": {"de": "Letzter Beitrag", "fr": "Dernier message", "es": "Último mensaje"},
    "Started by": {"de": "Erstellt von", "fr": "Démarré par", "es": "Iniciado por"},
    "Sticky:": {"de": "Wichtig:", "fr": "Épinglé :", "es": "Fijo:"},
    "Reply With Quote": {"de": "Zitieren", "fr": "Répondre avec citation", "es": "Responder Citando"},
    "Similar Threads": {"de": "Ähnliche Themen", "fr": "Discussions similaires", "es": "Temas Similares"},
    "Guest": {"de": "Gast", "fr": "Invité", "es": "Invitado"},
    "Sub-Forums": {"de": "Unterforen", "fr": "Sous-forums", "es": "Subforos"},
    # phpBB
    "%s wrote:": {"de": "%s hat geschrieben:", "fr": "%s a écrit :", "es": "%s escribió:"},
    "by": {"de": "von", "fr": "par", "es": "por"},
    "Board index": {"de": "Foren-Übersicht", "fr": "Index du forum", "es": "Índice general"},
    "%d posts": {"de": "%d Beiträge", "fr": "%d messages", "es": "%d mensajes"},
    "1 post": {"de": "1 Beitrag", "fr": "1 message", "es": "1 mensaje"},
    "%d topics": {"de": "%d Themen", "fr": "%d sujets", "es": "%d temas"},
    "1 topic": {"de": "1 Thema", "fr": "1 sujet", "es": "1 tema"},
    "Topics": {"de": "Themen", "fr": "Sujets", "es": "Temas"},
    "Last post": {"de": "Letzter Beitrag", "fr": "Dernier message", "es": "Último mensaje"},
    "Last edited by %s on %s, edited %d time in total.": {
        "de": "Zuletzt geändert von %s am %s, insgesamt %d-mal geändert.",
        "fr": "Dernière édition par %s le %s, édité %d fois.",
        "es": "Última edición por %s el %s, editado %d vez en total."},
    "Last edited by %s on %s, edited %d times in total.": {
        "de": "Zuletzt geändert von %s am %s, insgesamt %d-mal geändert.",
        "fr": "Dernière édition par %s le %s, édité %d fois.",
        "es": "Última edición por %s el %s, editado %d veces en total."},
    "Post a reply": {"de": "Antwort erstellen", "fr": "Répondre", "es": "Publicar una respuesta"},
    "Login": {"de": "Anmelden", "fr": "Connexion", "es": "Identificarse"},
    # XenForo
    "%s said:": {"de": "%s hat gesagt:", "fr": "%s a dit :", "es": "%s dijo:"},
    "%s at %s": {"de": "%s um %s", "fr": "%s à %s", "es": "%s a las %s"},
    "Last edited:": {"de": "Zuletzt bearbeitet:", "fr": "Dernière édition:", "es": "Última edición:"},
    "Messages": {"de": "Beiträge", "fr": "Messages", "es": "Mensajes"},
    "Prev": {"de": "Zurück", "fr": "Préc.", "es": "Anterior"},
    "Next": {"de": "Weiter", "fr": "Suivant", "es": "Siguiente"},
    "Forums": {"de": "Foren", "fr": "Forums", "es": "Foros"},
    "Home": {"de": "Startseite", "fr": "Accueil", "es": "Inicio"},
    "Similar threads": {"de": "Ähnliche Themen", "fr": "Discussions similaires", "es": "Temas similares"},
    "A moment ago": {"de": "Gerade eben", "fr": "Il y a un instant", "es": "Hace un momento"},
    "less than a minute ago": {"de": "vor weniger als einer Minute", "fr": "il y a moins d’une minute",
                               "es": "hace menos de un minuto"},
    "%d minutes ago": {"de": "Vor %d Minuten", "fr": "Il y a %d minutes", "es": "Hace %d minutos"},
    "1 minute ago": {"de": "Vor 1 Minute", "fr": "Il y a 1 minute", "es": "Hace 1 minuto"},
    "Thread starter": {"de": "Ersteller", "fr": "Auteur de la discussion", "es": "Autor del tema"},
    "Start date": {"de": "Erstellt am", "fr": "Date de début", "es": "Fecha de inicio"},
    "Not open for further replies.": {"de": "Für weitere Antworten geschlossen.",
                                      "fr": "Fermé pour de nouvelles réponses.",
                                      "es": "Cerrado para nuevas respuestas."},
    "Sticky": {"de": "Angeheftet", "fr": "Épinglé", "es": "Fijo"},
    "Locked": {"de": "Geschlossen", "fr": "Verrouillé", "es": "Cerrado"},
}


# furniture (links, buttons, labels) as the language packs print it; applied to
# whole text nodes of non-English pages so parsers cannot lean on English words
FURNITURE = {
    "de": {"Log Out": "Abmelden", "Logout": "Abmelden", "Log out": "Abmelden", "Log in": "Anmelden",
           "Login": "Anmelden", "Register": "Registrieren", "Reply to Thread": "Antworten",
           "Post Reply": "Antwort erstellen", "New Topic": "Neues Thema", "Post thread": "Thema erstellen",
           "Post New Thread": "Neues Thema erstellen", "Thread Tools": "Themen-Optionen",
           "Show Printable Version": "Druckbare Version anzeigen", "Print view": "Druckansicht",
           "Who is online": "Wer ist online?", "Quick links": "Schnellzugriff", "New Posts": "Neue Beiträge",
           "Unanswered topics": "Unbeantwortete Themen", "Active topics": "Aktive Themen", "Reply": "Antworten",
           "New Reply": "Antworten", "Thread Closed": "Thema geschlossen", "Locked": "Gesperrt",
           "Forum": "Forum", "Search": "Suche", "Help": "Hilfe", "Contact Us": "Kontakt",
           "Previous Thread": "Vorheriges Thema", "Next Thread": "Nächstes Thema", "Top": "Nach oben"},
    "fr": {"Log Out": "Déconnexion", "Logout": "Déconnexion", "Log out": "Déconnexion", "Log in": "Connexion",
           "Login": "Connexion", "Register": "S’enregistrer", "Reply to Thread": "Répondre",
           "Post Reply": "Répondre", "New Topic": "Nouveau sujet", "Post thread": "Créer une discussion",
           "Post New Thread": "Nouvelle discussion", "Thread Tools": "Outils de la discussion",
           "Show Printable Version": "Version imprimable", "Print view": "Imprimer le sujet",
           "Who is online": "Qui est en ligne ?", "Quick links": "Liens rapides", "New Posts": "Nouveaux messages",
           "Reply": "Répondre", "New Reply": "Répondre", "Thread Closed": "Discussion fermée", "Locked": "Verrouillé",
           "Search": "Rechercher", "Help": "Aide", "Contact Us": "Nous contacter", "Top": "Haut"},
    "es": {"Log Out": "Salir", "Logout": "Desconectarse", "Log out": "Salir", "Log in": "Ingresar",
           "Login": "Identificarse", "Register": "Registrarse", "Reply to Thread": "Responder",
           "Post Reply": "Responder", "New Topic": "Nuevo tema", "Post thread": "Publicar tema",
           "Post New Thread": "Nuevo tema", "Search": "Buscar", "Help": "Ayuda", "Reply": "Responder"},
}


def translate_furniture(body, lang):
    table = FURNITURE.get(lang)
    if not table:
        return body
    body = body.replace("Logout [ ", table["Logout"] + " [ ")      # phpBB 3.0 "Logout [ name ]"
    return re.sub(r">(\s*)([A-Z][A-Za-z ]{1,30}?)(\s*)<",
                  lambda m: ">%s%s%s<" % (m.group(1), table.get(m.group(2), m.group(2)), m.group(3)), body)


class Lang:
    def __init__(self, lang):
        if lang not in MONTHS:
            raise ValueError("lang must be one of %s" % ", ".join(MONTHS))
        self.code = lang
        self.months = MONTHS[lang].split()
        self.months_abbr = MONTHS_ABBR[lang].split()
        self.days_abbr = DAYS_ABBR[lang].split()
        self.days = DAYS[lang].split()

    def t(self, phrase):
        if self.code == "en":
            return phrase
        return PHRASES.get(phrase, {}).get(self.code, phrase)

    def num(self, n):
        """Thousands separator as the language prints it (3,086 / 3.086)."""
        s = "{:,}".format(n)
        if self.code in ("de", "es"):
            s = s.replace(",", ".")
        elif self.code == "fr":
            s = s.replace(",", " ")
        return s


def _tzinfo(tz):
    if tz is None or tz == "UTC":
        return timezone.utc
    if isinstance(tz, (int, float)):
        return timezone(timedelta(hours=tz))
    import zoneinfo
    return zoneinfo.ZoneInfo(tz)


def h12(d):
    """(hour 1-12, 'AM'/'PM')."""
    h = d.hour % 12 or 12
    return h, ("AM" if d.hour < 12 else "PM")


# ---- the message text a form posts -> HTML ---------------------------------

QUOTE_OPEN = re.compile(
    r'^\s*\[quote(?:=("?)([^\]]*?)\1)?((?:\s+\w+=[^\s\]]+)*)\]', re.I)


def message_to_html(msg):
    """What the engines store from a posted message, near enough: a leading
    [quote] of a known post becomes quote_of (returned), the rest is text
    with [b]/[i]/[url] and line breaks. Returns (html, quote_of or None,
    quoted name or None)."""
    quote_of, qname = None, None
    m = QUOTE_OPEN.match(msg)
    if m:
        arg, extra = m.group(2) or "", m.group(3) or ""
        # vB [QUOTE=name;123], XF [QUOTE="name, post: 123, member: 4"],
        # phpBB [quote="name" post_id=123 time=.. user_id=..]
        n = re.search(r"(?:;|post:\s*)(\d+)", arg) or re.search(r"post_id=(\d+)", extra)
        if n:
            quote_of = int(n.group(1))
        qname = re.split(r"[;,]", arg)[0].strip() or None
        end = re.search(r"\[/quote\]", msg[m.end():], re.I)
        msg = msg[m.end() + end.end():] if end else msg[m.end():]
    msg = msg.strip("\r\n")
    text = esc(msg).replace("&#x27;", "'")
    text = re.sub(r"\[b\](.*?)\[/b\]", r"<b>\1</b>", text, flags=re.I | re.S)
    text = re.sub(r"\[i\](.*?)\[/i\]", r"<i>\1</i>", text, flags=re.I | re.S)
    text = re.sub(r"\[url=(?:&quot;)?(.*?)(?:&quot;)?\](.*?)\[/url\]",
                  r'<a href="\1">\2</a>', text, flags=re.I | re.S)
    text = re.sub(r"\[url\](.*?)\[/url\]", r'<a href="\1">\1</a>', text, flags=re.I | re.S)
    text = text.replace("\r\n", "\n").replace("\n", "<br />\n")
    return text, quote_of, qname


# ---- server plumbing -------------------------------------------------------

class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        # HTTPServer.server_bind looks the host name up (getfqdn), which
        # costs seconds on a machine without DNS; the tests never need it
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class Fault:
    def __init__(self, mode, path, count, retry_after, hang):
        self.mode, self.count, self.retry_after, self.hang = mode, count, retry_after, hang
        self.path = re.compile(path) if path else None


class Req:
    """One request as the engines see it."""

    def __init__(self, method, path, query, fields, cookies, headers):
        self.method, self.path, self.query, self.fields = method, path, query, fields
        self.cookies, self.headers = cookies, headers
        self.set_cookies = []     # (name, value, max_age or None)
        self.user = None          # user dict when logged in
        self.sid = None           # the engine's session id
        self.sid_from_cookie = False

    def q(self, name, default=""):
        v = self.query.get(name)
        return v if v is not None else default

    def f(self, name, default=""):
        v = self.fields.get(name)
        return v if v is not None else default

    def qint(self, name, default=0):
        try:
            return int(self.q(name) or default)
        except ValueError:
            return default


class Resp:
    def __init__(self, status=200, body="", ctype="text/html; charset=UTF-8", headers=None):
        self.status, self.body, self.ctype = status, body, ctype
        self.headers = dict(headers or {})
        self.validators = False   # the engine sends ETag/Last-Modified here
        self.last_modified = None


class BoardFixture:
    """The fake board. See the module docstring."""

    def __init__(self, engine="vbulletin4", lang="en", tz="UTC", tls=False, prefix="",
                 posts_per_page=None, threads_per_page=None, flood_seconds=0,
                 min_chars=None, require_captcha=False, robots=None, form_min_age=2,
                 relative_dates=True, now=None, title="Fixture Board", link_style=0,
                 page_validators=False, max_login_attempts=3, hide_private=False):
        if engine not in ENGINES:
            raise ValueError("engine must be one of %s" % ", ".join(ENGINES))
        self.engine_name, self.tls, self.prefix = engine, tls, prefix.rstrip("/")
        self.lang = Lang(lang)
        self.tz = _tzinfo(tz)
        self.tz_name = tz
        self.flood_seconds, self.require_captcha = flood_seconds, require_captcha
        self.form_min_age, self.relative_dates = form_min_age, relative_dates
        self.fixed_now, self.title, self.link_style = now, title, link_style
        self.page_validators, self.max_login_attempts = page_validators, max_login_attempts
        self.hide_private = hide_private
        self.robots = robots if robots is not None else "User-agent: *\nDisallow: /admincp/\n"
        self.lock = threading.RLock()
        self.users, self.users_by_id = {}, {}
        self.boards, self.threads, self.posts = {}, {}, {}
        self.next_user, self.next_board, self.next_thread, self.next_post = 2, 1, 1, 1
        self.attachments, self.next_attachment = {}, 1
        self.last_date = 0
        self.version = 0
        self.sessions = {}        # sid -> {"user": name or None, "t": time, "csrf": str}
        self.remember = {}        # remember-me token -> user name
        self.login_failures = {}  # user name or ip -> count
        self.last_post_time = {}  # user name -> epoch of their last accepted post
        self.faults = []
        self.requests = []
        self.posts_received = []
        self.errors = []          # tracebacks of fixture bugs (answered 500)
        self.template_changed = False
        self._gen = []            # sorted (first post id, last post id, thread id)
        self._sorted = {}         # board id -> (version, [thread ids])
        self.stopping = threading.Event()
        self.httpd = None
        self.tmp = None
        self.cert = None
        self.url = None
        self.engine = make_engine(engine, self)
        self.posts_per_page = posts_per_page or self.engine.POSTS_PER_PAGE
        self.threads_per_page = threads_per_page or self.engine.THREADS_PER_PAGE
        self.min_chars = min_chars if min_chars is not None else self.engine.MIN_CHARS

    # ---- clock ----

    def now(self):
        if callable(self.fixed_now):
            return self.fixed_now()
        if self.fixed_now is not None:
            return self.fixed_now
        return time.time()

    def _date(self, date):
        """Default dates: now, never before the last one given."""
        if date is None:
            date = max(int(self.now()), self.last_date + 1)
        self.last_date = max(self.last_date, int(date))
        return int(date)

    def _bump(self):
        self.version += 1

    # ---- data ----

    def add_user(self, name, password, signature=None, title="Member", moderator=False):
        with self.lock:
            uid = self.next_user
            self.next_user += 1
            u = {"id": uid, "name": name, "password": password, "signature": signature,
                 "title": title, "joined": int(self.now()) - 86400 * 400, "moderator": moderator,
                 "salt": hashlib.sha1(("salt%d%s" % (uid, name)).encode()).hexdigest()[:30]}
            self.users[name] = u
            self.users_by_id[uid] = u
            self._bump()
            return uid

    def _user(self, name):
        """The user record of an author name (made on first use, no password)."""
        u = self.users.get(name)
        if u is None:
            self.add_user(name, None)
            u = self.users[name]
        return u

    def add_board(self, name, parent=None, members_only=False, description="", link=None):
        """link=URL makes a link forum (listed, no threads; its page redirects there)."""
        with self.lock:
            bid = self.next_board
            self.next_board += 1
            self.boards[bid] = {"id": bid, "name": name, "parent": parent,
                                "members_only": members_only, "description": description,
                                "threads": [], "slug": slugify(name), "link": link}
            self._bump()
            return bid

    def rename_board(self, board, name):
        with self.lock:
            self.boards[board]["name"] = name
            self._bump()

    def add_thread(self, board, title, author, body_html, date=None, sticky=False,
                   closed=False, guest=False, signature=None, attachments=None):
        with self.lock:
            tid = self.next_thread
            self.next_thread += 1
            self.threads[tid] = {"id": tid, "board": board, "title": title, "sticky": sticky,
                                 "closed": closed, "posts": [], "views": 0, "deleted": False,
                                 "author": author}
            self.boards[board]["threads"].append(tid)
            self.add_post(tid, author, body_html, date=date, guest=guest, signature=signature,
                          attachments=attachments)
            return tid

    def add_post(self, thread, author, body_html, date=None, quote_of=None, signature=None,
                 guest=False, attachments=None):
        """attachments: file names or (name, size in bytes); each gets an id
        and the engine's attachment block and download URL."""
        with self.lock:
            t = self.threads[thread]
            if isinstance(t["posts"], range):
                t["posts"] = list(t["posts"])
            pid = self.next_post
            self.next_post += 1
            if not guest:
                self._user(author)
            self.posts[pid] = {"id": pid, "thread": thread, "author": author,
                               "body": body_html, "date": self._date(date),
                               "quote_of": quote_of, "signature": signature, "guest": guest,
                               "edits": 0, "edited_by": None, "edited_date": None,
                               "edit_reason": None, "deleted": False, "attachments": []}
            for a in attachments or []:
                name, size = (a, 2048) if isinstance(a, str) else a
                aid = self.next_attachment
                self.next_attachment += 1
                self.attachments[aid] = {"id": aid, "name": name, "size": size, "post": pid}
                self.posts[pid]["attachments"].append(aid)
            t["posts"].append(pid)
            self._bump()
            return pid

    def edit_post(self, post, body_html, editor=None, date=None, reason=None):
        with self.lock:
            p = self._own(post)
            p["body"] = body_html
            p["edits"] += 1
            p["edited_by"] = editor or p["author"]
            p["edited_date"] = self._date(date)
            p["edit_reason"] = reason
            self._bump()

    def delete_post(self, post, soft=False, by="Moderator", date=None):
        """Removes the post from the thread: guests and members no longer see
        it. soft=True keeps it for moderators (add_user moderator=True), who
        see the engine's "deleted by" placeholder in its place."""
        with self.lock:
            p = self._own(post)
            t = self.threads[p["thread"]]
            if isinstance(t["posts"], range):
                t["posts"] = list(t["posts"])
            t["posts"].remove(post)
            p["deleted"] = True
            if soft:
                p["deleted_by"], p["deleted_date"] = by, self._date(date)
                t.setdefault("soft", []).append(post)
            self._bump()

    def delete_thread(self, thread):
        with self.lock:
            t = self.threads[thread]
            t["deleted"] = True
            self.boards[t["board"]]["threads"].remove(thread)
            self._bump()

    def move_thread(self, thread, board, leave_redirect=False):
        """Moves a thread; leave_redirect leaves the engine's "Moved" stub in
        the old board's list (pointing at the thread; returns the stub's id)."""
        with self.lock:
            t = self.threads[thread]
            old = t["board"]
            self.boards[old]["threads"].remove(thread)
            t["board"] = board
            self.boards[board]["threads"].append(thread)
            stub = None
            if leave_redirect:
                stub = self.next_thread
                self.next_thread += 1
                self.threads[stub] = {"id": stub, "board": old, "title": t["title"], "sticky": False,
                                      "closed": True, "posts": t["posts"], "views": 0, "deleted": False,
                                      "author": t["author"], "moved_to": thread}
                self.boards[old]["threads"].append(stub)
            self._bump()
            return stub

    def rename_thread(self, thread, title):
        with self.lock:
            self.threads[thread]["title"] = title
            self._bump()

    def close_thread(self, thread, closed=True):
        with self.lock:
            self.threads[thread]["closed"] = closed
            self._bump()

    def set_sticky(self, thread, sticky=True):
        with self.lock:
            self.threads[thread]["sticky"] = sticky
            self._bump()

    def expire_sessions(self, keep_remember=False):
        """The board forgets every session and, unless keep_remember, every
        remember-me cookie (with keep_remember the next request logs the
        member back in from that cookie, as vB/phpBB/XF/MyBB do)."""
        with self.lock:
            self.sessions.clear()
            if not keep_remember:
                self.remember.clear()

    def generate(self, boards=1, threads_per_board=100, posts_per_thread=5,
                 prefix="Generated thread"):
        """Boards of generated threads (posts alternate between three
        authors, every 10th quotes the one before). Posts are made only
        when a page or the feed needs them. Returns the thread ids."""
        ids = []
        with self.lock:
            base = int(self.now()) - 86400 * 30
            for b in range(boards):
                bid = self.add_board("Generated board %d" % (b + 1))
                for i in range(threads_per_board):
                    tid = self.next_thread
                    self.next_thread += 1
                    first = self.next_post
                    self.next_post += posts_per_thread
                    t = {"id": tid, "board": bid, "title": "%s %d" % (prefix, tid),
                         "sticky": False, "closed": False, "views": 0, "deleted": False,
                         "posts": range(first, first + posts_per_thread),
                         "gen": (first, base + (b * threads_per_board + i) * 60),
                         "author": "user0"}
                    self.threads[tid] = t
                    self.boards[bid]["threads"].append(tid)
                    self._gen.append((first, first + posts_per_thread - 1, tid))
                    ids.append(tid)
            for n in range(3):
                if "user%d" % n not in self.users:
                    self.add_user("user%d" % n, "password%d" % n)
            self.last_date = max(self.last_date,
                                 base + boards * threads_per_board * 60 + posts_per_thread * 600)
            self._bump()
        return ids

    def post(self, pid):
        """The post dict (generated ones are made here); KeyError if none."""
        p = self.posts.get(pid)
        if p is not None:
            return p
        i = bisect.bisect_right(self._gen, (pid, float("inf"), 0)) - 1
        if i < 0 or not (self._gen[i][0] <= pid <= self._gen[i][1]):
            raise KeyError(pid)
        first, _, tid = self._gen[i]
        t = self.threads[tid]
        n = pid - first
        p = {"id": pid, "thread": tid, "author": "user%d" % (n % 3),
             "body": "Post %d of generated thread %d.<br />\nSome text to read." % (n + 1, tid),
             "date": t["gen"][1] + n * 600,
             "quote_of": pid - 1 if n and n % 10 == 0 else None, "signature": None,
             "guest": False, "edits": 0, "edited_by": None, "edited_date": None,
             "edit_reason": None, "deleted": False, "attachments": []}
        # not kept: a 10,000-thread backfill would otherwise hold every post
        return p

    def _own(self, pid):
        """The stored post dict (a generated post is kept once it changes)."""
        p = self.post(pid)
        self.posts[pid] = p
        return p

    def first_post(self, thread):
        with self.lock:
            return self.threads[thread]["posts"][0]

    def thread_posts(self, thread):
        with self.lock:
            return list(self.threads[thread]["posts"])

    def page_of(self, post):
        """The 1-based page of its thread that shows the post."""
        with self.lock:
            p = self.post(post)
            return self.threads[p["thread"]]["posts"].index(post) // self.posts_per_page + 1

    # ---- views used by the engines (under the lock) ----

    def tpost(self, t, i):
        return self.post(t["posts"][i])

    def last_post(self, t):
        return self.post(t["posts"][-1])

    def board_threads(self, bid):
        """Thread ids, stickies first, then by last post (newest first)."""
        c = self._sorted.get(bid)
        if c and c[0] == self.version:
            return c[1]
        ts = [self.threads[i] for i in self.boards[bid]["threads"]]
        ts.sort(key=lambda t: (not t["sticky"], -self.last_post(t)["date"],
                               -t["posts"][-1]))
        ids = [t["id"] for t in ts]
        self._sorted[bid] = (self.version, ids)
        return ids

    def children(self, bid):
        return [b for b in self.boards.values() if b["parent"] == bid]

    def board_chain(self, bid):
        out = []
        while bid is not None:
            b = self.boards[bid]
            out.append(b)
            bid = b["parent"]
        return out[::-1]

    def board_members_only(self, bid):
        return any(b["members_only"] for b in self.board_chain(bid))

    def board_stats(self, bid):
        """(threads, posts, last post dict or None) with the sub-boards."""
        nt, np_, last = 0, 0, None
        stack = [bid]
        while stack:
            b = self.boards[stack.pop()]
            stack += [c["id"] for c in self.children(b["id"])]
            for tid in b["threads"]:
                t = self.threads[tid]
                if t.get("moved_to"):
                    continue
                nt += 1
                np_ += len(t["posts"])
                lp = self.last_post(t)
                if last is None or (lp["date"], lp["id"]) > (last["date"], last["id"]):
                    last = lp
        return nt, np_, last

    def signature_of(self, p):
        if p["signature"] is not None:
            return p["signature"]
        if p["guest"]:
            return None
        u = self.users.get(p["author"])
        return u["signature"] if u else None

    def local(self, ts):
        return datetime.fromtimestamp(ts, self.tz)

    def day_word(self, ts):
        """"Today"/"Yesterday" (localized) when relative dates apply, else None."""
        if not self.relative_dates:
            return None
        d = self.local(ts).date()
        today = self.local(self.now()).date()
        if d == today:
            return self.lang.t("Today")
        if d == today - timedelta(days=1):
            return self.lang.t("Yesterday")
        return None

    # ---- sessions ----

    def new_session(self, user=None):
        sid = hashlib.md5(os.urandom(16)).hexdigest()
        self.sessions[sid] = {"user": user, "t": self.now(),
                              "csrf": hashlib.md5(os.urandom(8)).hexdigest()[:16]}
        return sid

    def check_password(self, name, password, md5=None):
        u = self.users.get(name)
        if u is None or u["password"] is None:
            return None
        if password == u["password"] or (md5 and md5 == hashlib.md5(u["password"].encode()).hexdigest()):
            return u
        return False

    # ---- posting (engines map the error keys to their wording) ----

    def submit(self, req, user, thread=None, board=None, message="", title=None):
        """Checks and stores a reply (thread=) or a new thread (board=) by
        user (dict or None). Returns (post id, None) or (None, (key, arg))."""
        if user is None:
            return None, ("no_permission", None)
        if thread is not None:
            t = self.threads.get(thread)
            if t is None or t["deleted"]:
                return None, ("no_thread", None)
            if t["closed"]:
                return None, ("closed", None)
        elif board is None or board not in self.boards:
            return None, ("no_board", None)
        if self.flood_seconds:
            last = self.last_post_time.get(user["name"])
            if last is not None and self.now() - last < self.flood_seconds:
                left = int(self.flood_seconds - (self.now() - last)) + 1
                return None, ("flood", left)
        body, quote_of, _ = message_to_html(message)
        if len(message.strip()) < self.min_chars:
            return None, ("too_short", self.min_chars)
        if thread is None and not (title or "").strip():
            return None, ("no_title", None)
        if quote_of is not None:
            try:
                self.post(quote_of)
            except KeyError:
                quote_of = None
        self.last_post_time[user["name"]] = self.now()
        if thread is not None:
            pid = self.add_post(thread, user["name"], body, quote_of=quote_of)
        else:
            tid = self.add_thread(board, title.strip(), user["name"], body)
            pid = self.threads[tid]["posts"][0]
        return pid, None

    def record_post(self, req, user, status, pid=None, error=None):
        self.posts_received.append({"path": req.path, "query": dict(req.query),
                                    "fields": dict(req.fields),
                                    "user": user["name"] if user else None,
                                    "status": status, "post_id": pid, "error": error})

    # ---- faults ----

    def fault(self, mode, path=None, count=None, retry_after=1, hang=30.0):
        """Requests whose path (with query) matches the regex `path` (all
        when None) get: "429"/"503" (with Retry-After), "500", "403",
        "hang" (no answer for `hang` seconds), "garbage" (200 with broken
        markup), "empty" (200 without a body), "reset" (connection closed).
        count = how many requests (None = until clear_faults())."""
        assert mode in ("429", "503", "500", "403", "hang", "garbage", "empty", "reset")
        with self.lock:
            self.faults.append(Fault(mode, path, count, retry_after, hang))

    def clear_faults(self):
        with self.lock:
            self.faults = []

    def fetched(self, pattern):
        """Paths (with query) of the GETs that matched the regex."""
        with self.lock:
            return [r.path for r in self.requests if r.method == "GET" and re.search(pattern, r.path)]

    # ---- server ----

    def start(self):
        handler = type("Handler", (_Handler,), {"fx": self})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        if self.tls:
            self.tmp = tempfile.mkdtemp(prefix="bfix")
            cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-days", "2", "-subj", "/CN=localhost", "-keyout", key,
                            "-out", cert], check=True, capture_output=True)
            self.cert = cert
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.origin = "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)
        self.url = self.origin + self.prefix
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- URLs of pages, for tests (absolute) ----

    def thread_url(self, thread, page=1):
        with self.lock:
            return self.url + "/" + self.engine.thread_link(self.threads[thread], page).lstrip("./")

    def board_url(self, board, page=1):
        with self.lock:
            return self.url + "/" + self.engine.board_link(self.boards[board], page).lstrip("./")

    def index_url(self):
        return self.url + "/" + self.engine.INDEX

    def login_url(self):
        return self.url + "/" + self.engine.LOGIN

    def feed_url(self, thread=None, board=None):
        with self.lock:
            return self.url + "/" + self.engine.feed_link(thread, board)

    def reply_url(self, thread):
        with self.lock:
            return self.url + "/" + self.engine.reply_link(self.threads[thread])


# ---- engines ---------------------------------------------------------------

def window(cur, n, r=3):
    return list(range(max(1, cur - r), min(n, cur + r) + 1))


class Engine:
    POSTS_PER_PAGE = 10
    THREADS_PER_PAGE = 20
    MIN_CHARS = 10
    INDEX = "index.php"
    LOGIN = "login.php"
    # classes/ids renamed when template_changed is set: (regex, replacement)
    CHANGED = []

    def __init__(self, fx):
        self.fx = fx
        self.L = fx.lang

    def t(self, s):
        return self.L.t(s)

    def npages(self, n, per):
        return max(1, (n + per - 1) // per)

    def change_template(self, body):
        for a, b in self.CHANGED:
            body = re.sub(a, b, body)
        return body

    def handle(self, req):
        self.session(req)
        r = self.serve_attachment(req)
        return r if r is not None else self.route(req)

    ATTACH_RE = r"^/attachment\.php\?(?:.*&)?attachmentid=(\d+)"

    def attachment_link(self, a):
        return "attachment.php?attachmentid=%d&d=%d" % (a["id"], 1700000000 + a["id"])

    def serve_attachment(self, req):
        m = re.search(self.ATTACH_RE, req.path + ("?" + req.raw_query if req.raw_query else ""))
        if not m:
            return None
        a = self.fx.attachments.get(int(m.group(1)))
        if a is None:
            return Resp(404, "<html><body>Invalid attachment specified.</body></html>")
        t = self.fx.threads[self.fx.post(a["post"])["thread"]]
        if not self.can_read(req, t["board"]):
            return self.no_permission(req)
        ext = a["name"].rsplit(".", 1)[-1].lower()
        ctype = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
                 "pdf": "application/pdf", "txt": "text/plain"}.get(ext, "application/octet-stream")
        data = (("fixture attachment %d %s\n" % (a["id"], a["name"])).encode() * (a["size"] // 20 + 1))[:a["size"]]
        return Resp(200, data, ctype, {"Content-Disposition": 'inline; filename="%s"' % a["name"]})

    def size_text(self, n, unit="KB"):
        return "%.1f %s" % (n / 1024.0, unit)

    def attachments_of(self, p):
        return [self.fx.attachments[i] for i in p.get("attachments") or []]

    def visible_threads(self, req, bid):
        return self.fx.board_threads(bid)

    def can_read(self, req, bid):
        return req.user is not None or not self.fx.board_members_only(bid)

    def boards_visible(self, req):
        return [b for b in self.fx.boards.values()
                if not (self.fx.hide_private and not self.can_read(req, b["id"]))]

    def visible_ids(self, req, t):
        """The thread's post ids as this visitor sees them (moderators also see
        soft-deleted posts, as placeholders)."""
        if req.user is not None and req.user.get("moderator") and t.get("soft"):
            return sorted(list(t["posts"]) + t["soft"])
        return t["posts"]

    def stats(self, req, bid):
        """board_stats, without the last post of a board the visitor may not read
        (the engines show a private forum's name but not its latest thread)."""
        nt, np_, last = self.fx.board_stats(bid)
        return nt, np_, (last if self.can_read(req, bid) and (
            last is None or self.can_read(req, self.fx.threads[last["thread"]]["board"])) else None)

    def thread_for(self, tid):
        t = self.fx.threads.get(tid)
        if t is not None and t.get("moved_to"):
            t = self.fx.threads.get(t["moved_to"])     # a "Moved" stub leads to the thread
        return None if t is None or t["deleted"] else t

    def post_index(self, pid):
        """(thread, index) of a post id, or (None, None)."""
        try:
            p = self.fx.post(pid)
        except KeyError:
            return None, None
        t = self.thread_for(p["thread"])
        if t is None or p["deleted"]:
            return None, None
        return t, t["posts"].index(pid)

    def quoted(self, p):
        if p["quote_of"] is None:
            return None
        try:
            return self.fx.post(p["quote_of"])
        except KeyError:
            return None

    def rfc822(self, ts):
        return email.utils.formatdate(ts, usegmt=True)

    def iso(self, ts, sep=":"):
        d = self.fx.local(ts)
        s = d.strftime("%Y-%m-%dT%H:%M:%S%z")
        if sep == ":":
            s = s[:-2] + ":" + s[-2:]
        return s

    def feed_response(self, body, ctype, last):
        r = Resp(200, body, ctype)
        r.validators = True
        r.last_modified = last
        return r


# ---- vBulletin 4 -----------------------------------------------------------

class VBulletin4(Engine):
    POSTS_PER_PAGE = 10
    THREADS_PER_PAGE = 20
    MIN_CHARS = 10
    INDEX = "forum.php"
    LOGIN = "login.php?do=login"
    COOKIE = "bb_"
    VERSION = "4.2.3"
    CHANGED = [(r'\bpostcontainer\b', 'postwrap'), (r'\bpostbitlegacy\b', 'postbit_new'),
               (r'id="post_(\d+)"', r'id="entry_\1"'),
               (r'id="post_message_(\d+)"', r'id="entry_text_\1"'),
               (r'\bpostcontent\b', 'entrytext'), (r'\bthreadbit\b', 'topicrow'),
               (r'id="thread_title_(\d+)"', r'id="topic_title_\1"'),
               (r'\bthreadtitle\b', 'topictitle')]

    def __init__(self, fx):
        super().__init__(fx)
        self.captchas = {}

    # links

    def slug(self, s):
        return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-") or "thread"

    def thread_link(self, t, page=1, style=None):
        style = self.fx.link_style if style is None else style
        if style == 0:
            return "showthread.php?t=%d%s" % (t["id"], "&page=%d" % page if page > 1 else "")
        base = "%d-%s" % (t["id"], self.slug(t["title"]))
        suffix = "/page%d" % page if page > 1 else ""
        return {1: "showthread.php?", 2: "showthread.php/", 3: "threads/"}[style] + base + suffix

    def board_link(self, b, page=1, style=None):
        style = self.fx.link_style if style is None else style
        if style == 0:
            return "forumdisplay.php?f=%d%s" % (b["id"], "&page=%d" % page if page > 1 else "")
        base = "%d-%s" % (b["id"], self.slug(b["name"]))
        suffix = "/page%d" % page if page > 1 else ""
        return {1: "forumdisplay.php?", 2: "forumdisplay.php/", 3: "forums/"}[style] + base + suffix

    def post_link(self, pid):
        return "showthread.php?p=%d#post%d" % (pid, pid)

    def feed_link(self, thread=None, board=None):
        return "external.php?type=RSS2" + ("&forumids=%d" % board if board else "")

    def reply_link(self, t):
        return "newreply.php?do=newreply&noquote=1&t=%d" % t["id"]

    # dates

    def date_parts(self, ts):
        d = self.fx.local(ts)
        c = self.L.code
        if c == "en":
            ds = d.strftime("%m-%d-%Y")
            h, ap = h12(d)
            tm = "%02d:%02d %s" % (h, d.minute, ap)
        else:
            ds = d.strftime("%d.%m.%Y" if c == "de" else "%d/%m/%Y")
            tm = d.strftime("%H:%M")
        return self.fx.day_word(ts) or ds, tm

    def date_html(self, ts):
        ds, tm = self.date_parts(ts)
        return '%s,&nbsp;<span class="time">%s</span>' % (html.escape(ds, False), tm)

    def joined(self, u):
        d = self.fx.local(u["joined"]) if u else self.fx.local(0)
        return "%s %d" % (self.L.months_abbr[d.month - 1], d.year)

    # session and tokens

    def session(self, req):
        fx = self.fx
        sid = req.cookies.get(self.COOKIE + "sessionhash")
        s = fx.sessions.get(sid) if sid else None
        if s is not None:
            req.sid, req.sid_from_cookie = sid, True
            req.user = fx.users.get(s["user"]) if s["user"] else None
            return
        name = fx.remember.get(req.cookies.get(self.COOKIE + "password") or "")
        if name and str(fx.users[name]["id"]) == req.cookies.get(self.COOKIE + "userid"):
            req.user = fx.users[name]
        req.sid = fx.new_session(req.user["name"] if req.user else None)
        req.set_cookies.append((self.COOKIE + "sessionhash", req.sid, None))
        req.set_cookies.append((self.COOKIE + "lastvisit", str(int(fx.now())), 31536000))

    def token(self, req):
        if req.user is None:
            return "guest"
        t = int(self.fx.now())
        return "%d-%s" % (t, hashlib.sha1(("%d%s%s" % (t, req.user["salt"], req.sid)).encode()).hexdigest())

    def token_ok(self, req, tok):
        if req.user is None:
            return tok == "guest"
        m = re.match(r"^(\d+)-([0-9a-f]{40})$", tok or "")
        if not m:
            return False
        t = int(m.group(1))
        good = hashlib.sha1(("%d%s%s" % (t, req.user["salt"], req.sid)).encode()).hexdigest()
        return good == m.group(2) and self.fx.now() - t < 3 * 3600

    # routing

    def route(self, req):
        p = req.path
        if p in ("/", "/index.php", "/forum.php"):
            return self.page_index(req)
        m = re.match(r"^/(?:forumdisplay\.php/|forums/)(\d+)(?:-[^/]*)?(?:/page(\d+))?/?$", p)
        if m:
            return self.page_board(req, int(m.group(1)), int(m.group(2) or 1))
        if p == "/forumdisplay.php":
            f = req.qint("f")
            page = req.qint("page", 1)
            if not f:
                m = re.match(r"^(\d+)(?:-[^/&]*)?(?:/page(\d+))?", req.raw_query)
                if m:
                    f, page = int(m.group(1)), int(m.group(2) or page)
            return self.page_board(req, f, page)
        m = re.match(r"^/(?:showthread\.php/|threads/)(\d+)(?:-[^/]*)?(?:/page(\d+))?/?$", p)
        if m:
            return self.page_thread(req, int(m.group(1)), int(m.group(2) or 1))
        if p == "/showthread.php":
            if req.qint("p"):
                t, i = self.post_index(req.qint("p"))
                if t is None:
                    return self.error(req, self.INVALID_POST, 404)
                return self.page_thread(req, t["id"], i // self.fx.posts_per_page + 1)
            tid, page = req.qint("t"), req.qint("page", 1)
            if not tid:
                m = re.match(r"^(\d+)(?:-[^/&]*)?(?:/page(\d+))?", req.raw_query)
                if m:
                    tid, page = int(m.group(1)), int(m.group(2) or page)
            return self.page_thread(req, tid, page)
        if p == "/printthread.php":
            return self.page_print(req, req.qint("t"), req.qint("page", 1), req.qint("pp", 40))
        if p == "/archive/index.php" or p == "/archive/" or p.startswith("/archive/index.php/"):
            return self.archive(req, p[len("/archive/index.php"):] if p.startswith("/archive/index.php") else "")
        if p == "/login.php":
            if req.method == "POST" and (req.q("do") == "login" or req.f("do") == "login"):
                return self.do_login(req)
            if req.q("do") == "logout":
                return self.do_logout(req)
            return self.page_login(req)
        if p == "/newreply.php":
            if req.method == "POST":
                return self.do_reply(req)
            return self.page_reply(req)
        if p == "/newthread.php":
            if req.method == "POST":
                return self.do_newthread(req)
            return self.page_newthread(req)
        if p == "/external.php":
            return self.feed(req)
        return self.error(req, "Invalid Action Specified", 404)

    # phrases

    INVALID_THREAD = ("Invalid Thread specified. If you followed a valid link, "
                      "please notify the <a href=\"sendmessage.php\">administrator</a>")
    INVALID_FORUM = ("Invalid Forum specified. If you followed a valid link, "
                     "please notify the <a href=\"sendmessage.php\">administrator</a>")
    INVALID_POST = ("Invalid Post specified. If you followed a valid link, "
                    "please notify the <a href=\"sendmessage.php\">administrator</a>")
    ERRORS = {
        "token": ("Your submission could not be processed because a security token was invalid."
                  "<br /><br />If this occurred unexpectedly, please <a href=\"sendmessage.php\" "
                  "rel=\"nofollow\">inform the administrator</a> and describe the action you "
                  "performed before you received this error."),
        "flood": ("This forum requires that you wait %d seconds between posts. "
                  "Please try again in %d seconds."),
        "too_short": ("The message you have entered is too short. Please lengthen your "
                      "message to at least %d characters."),
        "closed": "Sorry! This thread is closed!",
        "no_title": "The title you have entered is too short. Please lengthen your title to at least 5 characters.",
        "captcha": "The string you entered for the image verification did not match what was displayed.",
        "badlogin": ("You have entered an invalid username or password. Please press the back "
                     "button, enter the correct details and try again. Don't forget that the "
                     "password is case sensitive. <a href=\"login.php?do=lostpw\">Forgotten Your "
                     "Password?</a><br /><br />You have used %d out of 5 login attempts. After "
                     "all 5 have been used, you will be unable to login for 15 minutes."),
        "strikes": ("Wrong username or password. You have used up your failed login quota! "
                    "Please wait 15 minutes before trying again. Don't forget that the password "
                    "is case sensitive. <a href=\"login.php?do=lostpw\">Forgotten Your Password?</a>"),
    }

    def error_text(self, key, arg):
        if key == "flood":
            return self.ERRORS["flood"] % (self.fx.flood_seconds, arg)
        if key == "too_short":
            return self.ERRORS["too_short"] % arg
        if key in ("no_thread",):
            return self.INVALID_THREAD
        if key == "no_board":
            return self.INVALID_FORUM
        return self.ERRORS.get(key, key)

    # shell

    def head(self, title, req, extra=""):
        fx = self.fx
        return """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" dir="ltr" lang="%s" id="vbulletin_html">
<head>
	<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta id="e_vb_meta_bburl" name="vb_meta_bburl" content="%s" />
<base href="%s/" /><!--[if IE]></base><![endif]-->
<meta name="generator" content="vBulletin %s" />
	<link rel="Shortcut Icon" href="favicon.ico" type="image/x-icon" />
<script type="text/javascript">
<!--
	var SESSIONURL = "";
	var SECURITYTOKEN = "%s";
	var IMGDIR_MISC = "images/misc";
	var IMGDIR_BUTTON = "images/buttons";
// -->
</script>
	<link rel="alternate" type="application/rss+xml" title="%s RSS Feed" href="%s/external.php?type=RSS2" />
	<link rel="stylesheet" type="text/css" href="clientscript/vbulletin_css/style00001l/main-rollup.css?d=1506453009" />
%s	<title>%s</title>
</head>
""" % (self.L.code, fx.url, fx.url, self.VERSION, self.token(req), esc(fx.title), fx.url, extra,
       esc(title))

    def navbar(self, req):
        fx = self.fx
        if req.user is None:
            toplinks = """			<ul class="nouser">
				<li><a href="register.php" rel="nofollow">Register</a></li>
				<li><a rel="help" href="faq.php">Help</a></li>
				<li>
			<script type="text/javascript" src="clientscript/vbulletin_md5.js?v=423"></script>
			<form id="navbar_loginform" action="login.php?do=login" method="post" onsubmit="md5hash(vb_login_password, vb_login_md5password, vb_login_md5password_utf, 0)">
				<fieldset id="logindetails" class="logindetails">
					<div>
					<div>
					<input type="text" class="textbox default-value" name="vb_login_username" id="navbar_username" size="10" accesskey="u" tabindex="101" value="User Name" />
					<input type="password" class="textbox" tabindex="102" name="vb_login_password" id="navbar_password" size="10" />
					<input type="submit" class="loginbutton" tabindex="104" value="Log in" title="Enter your username and password in the boxes provided to login, or click the 'register' button to create a profile for yourself." accesskey="s" />
					</div>
					</div>
				</fieldset>
				<div id="remember" class="remember">
					<label for="cb_cookieuser_navbar"><input type="checkbox" name="cookieuser" value="1" id="cb_cookieuser_navbar" class="cb_cookieuser_navbar" accesskey="c" tabindex="103" /> Remember Me?</label>
				</div>
				<input type="hidden" name="s" value="" />
				<input type="hidden" name="securitytoken" value="guest" />
				<input type="hidden" name="do" value="login" />
				<input type="hidden" name="vb_login_md5password" />
				<input type="hidden" name="vb_login_md5password_utf" />
			</form>
				</li>
			</ul>"""
        else:
            toplinks = """			<ul class="isuser">
				<li><a href="login.php?do=logout&amp;logouthash=%s" onclick="return log_out('Are you sure you want to log out?')">Log Out</a></li>
				<li><a href="usercp.php">Settings</a></li>
				<li><a href="member.php?u=%d">My Profile</a></li>
				<li class="welcomelink">Welcome, <a href="member.php?u=%d">%s</a></li>
			</ul>""" % (self.token(req), req.user["id"], req.user["id"], esc(req.user["name"]))
        return """<body>
<div class="above_body"> <!-- closing tag is in template navbar -->
<div id="header" class="floatcontainer doc_header">
	<div><a name="top" href="forum.php" class="logo-image"><img src="images/misc/vbulletin4_logo.png" alt="%s - Powered by vBulletin" /></a></div>
	<div id="toplinks" class="toplinks">
%s
	</div>
	<div class="ad_global_header">
		<div id="ad_global_header1"><div class="ad728x90"><script type="text/javascript">OAS_AD("728x90_1");</script></div></div>
	</div>
	<hr />
</div>
<div id="navbar" class="navbar">
	<ul id="navtabs" class="navtabs floatcontainer">
		<li class="selected" id="vbtab_forum">
			<a class="navtab" href="forum.php">Forum</a>
			<ul class="floatcontainer">
				<li id="vbflink_newposts"><a href="search.php?do=getnew&amp;contenttype=vBForum_Post">New Posts</a></li>
				<li id="vbflink_faq"><a href="faq.php">FAQ</a></li>
				<li id="vbflink_calendar"><a href="calendar.php">Calendar</a></li>
				<li class="popupmenu" id="vbmenu_qlinks">
					<a href="javascript://" class="popupctrl">Quick Links</a>
					<ul class="popupbody popuphover">
						<li id="vbqlink_posts"><a href="search.php?do=getdaily&amp;contenttype=vBForum_Post">Today's Posts</a></li>
					</ul>
				</li>
			</ul>
		</li>
	</ul>
	<div id="globalsearch" class="globalsearch">
		<form action="search.php?do=process" method="post" id="navbar_search" class="navbar_search">
			<input type="hidden" name="securitytoken" value="%s" />
			<input type="hidden" name="do" value="process" />
			<span class="textboxcontainer"><span><input type="text" value="" name="query" class="textbox" tabindex="99"/></span></span>
			<span class="buttoncontainer"><span><input type="image" class="searchbutton" src="images/buttons/search.png" name="submit" tabindex="100"/></span></span>
		</form>
	</div>
</div>
</div><!-- closing div for above_body -->
<div class="body_wrapper">
""" % (esc(fx.title), toplinks, self.token(req))

    def breadcrumb(self, crumbs, last):
        out = ['<div id="breadcrumb" class="breadcrumb">\n\t<ul class="floatcontainer">\n'
               '\t\t<li class="navbithome"><a href="index.php" accesskey="1"><img src="images/misc/navbit-home.png" alt="Home" /></a></li>\n'
               '\t<li class="navbit"><a href="forum.php">Forum</a></li>\n']
        for href, name in crumbs:
            out.append('\t<li class="navbit"><a href="%s">%s</a></li>\n' % (esc(href), esc(name)))
        if last:
            out.append('\t<li class="navbit lastnavbit"><span> %s</span></li>\n' % esc(last))
        out.append('\t</ul>\n\t<hr />\n</div>\n')
        return "".join(out)

    def footer(self, req):
        fx = self.fx
        now = fx.local(fx.now())
        h, ap = h12(now)
        tm = "%02d:%02d %s" % (h, now.minute, ap) if self.L.code == "en" else now.strftime("%H:%M")
        off = now.utcoffset().total_seconds()
        zone = "GMT" if not off else "GMT %+g" % (off / 3600)
        return """
<div id="footer" class="floatcontainer footer">
	<form action="forum.php" method="get" id="footer_select" class="footer_select">
	</form>
	<ul id="footer_links" class="footer_links">
		<li><a href="sendmessage.php" rel="nofollow" accesskey="9">Contact Us</a></li>
		<li><a href="%s/">%s</a></li>
		<li><a href="archive/index.php">Archive</a></li>
		<li><a href="#top" onclick="document.location.hash='top'; return false;">Top</a></li>
	</ul>
</div>
</div> <!-- closing div for body_wrapper -->
<div class="below_body">
<div id="footer_time" class="shade footer_time">All times are %s. The time now is <span class="time">%s</span>.</div>
<div id="footer_copyright" class="shade footer_copyright">
	<!-- Do not remove this copyright notice -->
	Powered by <a href="https://www.vbulletin.com" id="vbulletinlink">vBulletin&reg;</a> Version %s <br />Copyright &copy; 2026 vBulletin Solutions, Inc. All rights reserved.
	<!-- Do not remove this copyright notice -->
</div>
<div id="footer_morecopyright" class="shade footer_morecopyright">
	<!-- Do not remove cronimage or your scheduled tasks will cease to function -->
	<img src="cron.php?rand=1" alt="" width="1" height="1" border="0" />
	<!-- Do not remove cronimage or your scheduled tasks will cease to function -->
</div>
</div>
</body>
</html>""" % (fx.url, esc(fx.title), zone, tm, self.VERSION)

    def page(self, req, title, crumbs, last, content, extra_head=""):
        return Resp(200, self.head(title, req, extra_head) + self.navbar(req) +
                    self.breadcrumb(crumbs, last) +
                    '<div id="ad_global_below_navbar"><div class="ad728x90_2"><script type="text/javascript">OAS_AD("728x90_2");</script></div></div>\n' +
                    content + self.footer(req))

    def crumbs_for(self, bid):
        return [(self.board_link(b), b["name"]) for b in self.fx.board_chain(bid)]

    def error(self, req, message, status=200, login_form=False):
        body = """
<div class="standard_error">
	<form class="block vbform" method="post" action="login.php?do=login">
		<h2 class="blockhead">%s Message</h2>
		<div class="blockbody formcontrols">
			<div class="blockrow restore">%s</div>
		</div>
		<div class="blockfoot actionbuttons">
			<div class="group">
				<input type="button" class="button" value="Go Back" onclick="history.back(1); return true" />
			</div>
		</div>
	</form>
</div>
""" % (esc(self.fx.title), message)
        if login_form:
            body += self.login_block(req, "")
        r = self.page(req, self.fx.title, [], None, body)
        r.status = status
        return r

    def no_permission(self, req):
        if req.user is None:
            msg = ("You are not logged in or you do not have permission to access this page. "
                   "This could be due to one of several reasons:\n<ol>\n"
                   "<li>You are not logged in. Fill in the form at the bottom of this page and try again.</li>\n"
                   "<li>You may not have sufficient privileges to access this page. Are you trying to edit "
                   "someone else's post, access administrative features or some other privileged system?</li>\n"
                   "<li>If you are trying to post, the administrator may have disabled your account, "
                   "or it may be awaiting activation.</li>\n</ol>")
            return self.error(req, msg, login_form=True)
        msg = ("%s, you do not have permission to access this page. This could be due to one "
               "of several reasons:\n<ol>\n<li>Your user account may not have sufficient "
               "privileges to access this page. Are you trying to edit someone else's post, "
               "access administrative features or some other privileged system?</li>\n"
               "<li>If you are trying to post, the administrator may have disabled your account, "
               "or it may be awaiting activation.</li>\n</ol>" % esc(req.user["name"]))
        return self.error(req, msg)

    def redirect(self, req, message, url):
        body = """
<div class="standard_error">
	<form class="block vbform" method="post" action="%s" name="postvarform">
		<h2 class="blockhead">Redirecting...</h2>
		<div class="blockbody formcontrols">
			<p class="blockrow restore">%s</p>
		</div>
		<div class="blockfoot actionbuttons redirect_button">
			<div class="group" id="redirect_button">
				<a href="%s">Click here if your browser does not automatically redirect you.</a>
			</div>
		</div>
	</form>
</div>
""" % (esc(url), message, esc(url))
        return self.page(req, self.fx.title, [], None, body,
                         '<meta http-equiv="Refresh" content="2; URL=%s" />\n' % esc(url))

    def captcha_block(self):
        h = hashlib.md5(os.urandom(8)).hexdigest()
        self.captchas[h] = hashlib.md5(h.encode()).hexdigest()[:6].upper()
        return """			<div class="blockrow">
				<label for="imageval">Image Verification:</label>
				<div class="rightcol">
					<img id="imagereg" src="image.php?type=hv&amp;hash=%s" alt="" width="201" height="61" border="0" />
					<input type="text" class="primary textbox" id="imageval" name="humanverify[input]" size="10" maxlength="6" />
					<input type="hidden" name="humanverify[hash]" value="%s" />
				</div>
				<p class="description">Please enter the six letters or digits that appear in the image opposite.</p>
			</div>
""" % (h, h)

    def login_block(self, req, url):
        return """
<form class="block vbform" action="login.php?do=login" method="post" onsubmit="md5hash(vb_login_password, vb_login_md5password, vb_login_md5password_utf, 0)">
	<input type="hidden" name="do" value="login" />
	<input type="hidden" name="vb_login_md5password" value="" />
	<input type="hidden" name="vb_login_md5password_utf" value="" />
	<input type="hidden" name="s" value="" />
	<input type="hidden" name="securitytoken" value="guest" />
	<input type="hidden" name="url" value="%s" />
	<h3 class="blocksubhead">Log in</h3>
	<div class="blockbody">
		<div class="blockrow">
			<label for="vb_login_username">User Name:</label>
			<input type="text" class="primary textbox" id="vb_login_username" name="vb_login_username" accesskey="u" tabindex="1" />
		</div>
		<div class="blockrow">
			<label for="vb_login_password">Password:</label>
			<input type="password" class="primary textbox" id="vb_login_password" name="vb_login_password" tabindex="1" />
		</div>
%s		<div class="blockrow singlecheck">
			<label for="cb_cookieuser"><input type="checkbox" name="cookieuser" id="cb_cookieuser" value="1" tabindex="1" /> Remember Me?</label>
		</div>
	</div>
	<div class="blockfoot actionbuttons">
		<div class="group">
			<input type="submit" class="button" value="Log in" accesskey="s" tabindex="1" />
			<input type="reset" class="button" value="Reset Fields" accesskey="r" tabindex="1" />
		</div>
	</div>
</form>
""" % (esc(url), self.captcha_block() if self.fx.require_captcha else "")

    # pagination

    def pagination(self, n_items, per, cur, link, key, hidden_name, hidden_value):
        n = self.npages(n_items, per)
        t = self.t
        num = self.L.num

        def rng(p):
            return num((p - 1) * per + 1), num(min(p * per, n_items)), num(n_items)
        if n <= 1:
            return ""
        out = ['<form action="%s" method="get" class="pagination popupmenu nohovermenu">\n'
               '<input type="hidden" name="%s" value="%s" />\n'
               '\t\t<span><a href="javascript://" class="popupctrl">%s</a></span>\n'
               % (esc(link(min(cur + 1, n))), hidden_name, hidden_value, t("Page %d of %d") % (cur, n))]
        if cur > 1:
            out.append('\t\t<span class="first_last"><a rel="start" href="%s" title="First Page - %s">'
                       '<img src="images/pagination/first-right.png" alt="First" />First</a></span>\n'
                       % (esc(link(1)), t("Results %s to %s of %s") % rng(1)))
            out.append('\t\t<span class="prev_next"><a rel="prev" href="%s" title="Prev Page - %s">'
                       '<img src="images/pagination/previous-right.png" alt="Previous" /></a></span>\n'
                       % (esc(link(cur - 1)), t("Results %s to %s of %s") % rng(cur - 1)))
        out.append("\t\t")
        for p in window(cur, n):
            if p == cur:
                out.append('<span class="selected"><a href="javascript://" title="%s">%d</a></span>'
                           % (t("Results %s to %s of %s") % rng(p), p))
            else:
                out.append('<span><a href="%s" title="%s">%d</a></span>'
                           % (esc(link(p)), t("Show results %s to %s of %s") % rng(p), p))
        out.append("\n")
        if cur < n:
            out.append('\t\t<span class="prev_next"><a rel="next" href="%s" title="Next Page - %s">'
                       '<img src="images/pagination/next-right.png" alt="Next" /></a></span>\n'
                       % (esc(link(cur + 1)), t("Results %s to %s of %s") % rng(cur + 1)))
            out.append('\t\t<span class="first_last"><a href="%s" title="Last Page - %s">Last'
                       '<img src="images/pagination/last-right.png" alt="Last" /></a></span>\n'
                       % (esc(link(n)), t("Results %s to %s of %s") % rng(n)))
        out.append('\t<ul class="popupbody popuphover">\n\t\t<li class="formsubmit jumptopage"><label>'
                   'Jump to page: <input type="text" name="page" size="4" /></label> <input type="submit" '
                   'class="button" value="Go" /></li>\n\t</ul>\n</form>\n')
        return "".join(out)

    # forum home

    def forumbit(self, req, b, depth):
        fx = self.fx
        if b.get("link"):
            return """<li id="forum%d" class="forumbit_post old L%d">
	<div class="forumrow table">
		<div class="foruminfo td">
			<img src="images/statusicon/forum_link-48.png" class="forumicon" id="forum_statusicon_%d" alt="" />
			<div class="forumdata">
				<div class="datacontainer">
					<div class="titleline">
						<h2 class="forumtitle"><a href="%s">%s</a></h2>
					</div>
					<p class="forumdescription">%s</p>
				</div>
			</div>
		</div>
		<ul class="forumstats td">
			<li>Threads: -</li>
			<li>Posts: -</li>
		</ul>
		<div class="forumlastpost td"></div>
	</div>
</li>
""" % (b["id"], depth, b["id"], esc(b["link"]), esc(b["name"]), esc(b["description"]))
        nt, np_, last = self.stats(req, b["id"])
        kids = [c for c in fx.children(b["id"]) if c in self.boards_visible(req)]
        if depth == 1 and kids:
            inner = "".join(self.forumbit(req, c, 2) for c in kids)
            return """<li id="cat%d" class="forumbit_nopost new L1">
	<div class="forumhead foruminfo L1 collapse">
		<h2>
			<span class="forumtitle"><a href="%s">%s</a></span>
			<span class="forumthreadcount">Threads / Posts&nbsp;</span>
			<span class="forumlastpost">Last Post</span>
		</h2>
		<p class="forumdescription"><span>%s</span></p>
	</div>
	<ol id="c_cat%d" class="childforum">
%s	</ol>
</li>
""" % (b["id"], esc(self.board_link(b)), esc(b["name"]), esc(b["description"]), b["id"], inner)
        sub = ""
        if kids:
            sub = ('\t\t\t<div class="subforums">\n\t\t\t\t<h4 class="subforumslabel">%s:</h4>\n'
                   '\t\t\t\t<ol class="subforumlist commalist">\n%s\t\t\t\t</ol>\n\t\t\t</div>\n'
                   % (self.t("Sub-Forums"), "".join(
                       '\t\t\t\t\t<li class="subforum"><a href="%s">%s</a></li>\n'
                       % (esc(self.board_link(c)), esc(c["name"])) for c in kids)))
        lastpost = '<div>Never</div>'
        if last is not None:
            lt = fx.threads[last["thread"]]
            lastpost = """<div>
					<p class="lastposttitle">
					<a href="%s&amp;goto=newpost" class="threadtitle" title="Go to first unread post in thread '%s'">%s</a>
					<a href="%s"><img src="images/buttons/lastpost-right.png" alt="Go to last post" /></a>
					</p>
					<div class="lastpostby">by %s</div>
					<p class="lastpostdate">%s</p>
				</div>""" % (esc(self.thread_link(lt, style=0)), esc(lt["title"]), esc(lt["title"]),
                             esc(self.post_link(last["id"])), self.user_link(last), self.date_html(last["date"]))
        return """<li id="forum%d" class="forumbit_post old L%d">
	<div class="forumrow table">
		<div class="foruminfo td">
			<img src="images/statusicon/forum_old-48.png" class="forumicon" id="forum_statusicon_%d" alt="" />
			<div class="forumdata">
				<div class="datacontainer">
					<div class="titleline">
						<h2 class="forumtitle"><a href="%s">%s</a></h2>
					</div>
					<p class="forumdescription">%s</p>
%s				</div>
			</div>
		</div>
		<h4 class="nocss_label">Forum Actions:</h4>
		<h4 class="nocss_label">Forum Statistics:</h4>
		<ul class="forumstats_2 td">
			<li>Threads: %s</li>
			<li>Posts: %s</li>
		</ul>
		<div class="forumlastpost td">
			<h4 class="lastpostlabel">Last Post:</h4>
			%s
		</div>
	</div>
</li>
""" % (b["id"], depth, b["id"], esc(self.board_link(b)), esc(b["name"]), esc(b["description"]),
       sub, self.L.num(nt), self.L.num(np_), lastpost)

    def user_link(self, p):
        if p["guest"]:
            return '<span class="username guest">%s</span>' % esc(p["author"])
        u = self.fx.users.get(p["author"])
        return ('<div class="popupmenu memberaction">\n\t<a class="username offline popupctrl" '
                'href="member.php?u=%d" title="%s is offline"><strong>%s</strong></a>\n</div>'
                % (u["id"] if u else 0, esc(p["author"]), esc(p["author"])))

    def page_index(self, req):
        fx = self.fx
        tops = [b for b in self.boards_visible(req) if b["parent"] is None]
        body = '<div id="pagetitle">\n\t<h1 class="description">%s</h1>\n</div>\n' % esc(fx.title)
        body += '<ol id="forums" class="floatcontainer">\n%s</ol>\n' % "".join(
            self.forumbit(req, b, 1) for b in tops)
        body += """<div id="wgo" class="collapse wgo_block block">
	<h2 class="blockhead">What's Going On?</h2>
	<div class="blockbody formcontrols floatcontainer">
		<div id="wgo_onlineusers" class="wgo_subblock section">
			<h3 class="blocksubhead">Currently Active Users</h3>
		</div>
		<div id="wgo_stats" class="wgo_subblock section">
			<h3 class="blocksubhead">%s Statistics</h3>
			<dl>
				<dt>Threads</dt><dd>%s</dd>
				<dt>Members</dt><dd>%s</dd>
			</dl>
		</div>
	</div>
</div>
""" % (esc(fx.title), self.L.num(len(fx.threads)), self.L.num(len(fx.users)))
        return self.page(req, fx.title, [], None, body)

    # forumdisplay

    def threadbit(self, req, t):
        fx = self.fx
        if t.get("moved_to"):
            target = fx.threads[t["moved_to"]]
            return """<li class="threadbit moved" id="thread_%d">
	<div class="rating0 nonsticky">
		<div class="threadinfo" title="">
			<div class="inner">
				<h3 class="threadtitle">
					<span class="prefix understate">Moved:</span>
					<a class="title" href="%s" id="thread_title_%d">%s</a>
				</h3>
				<div class="threadmeta">
					<div class="author">
						<span class="label">%s&nbsp;<a href="member.php?u=%d" class="username understate">%s</a></span>
					</div>
				</div>
			</div>
		</div>
		<ul class="threadstats td alt" title="">
			<li>%s: -</li>
			<li>%s: -</li>
		</ul>
		<dl class="threadlastpost td">
			<dd>-</dd>
		</dl>
	</div>
</li>
""" % (t["id"], esc(self.thread_link(target)), t["id"], esc(t["title"]), self.t("Started by"),
       fx.users[t["author"]]["id"] if t["author"] in fx.users else 0, esc(t["author"]), self.t("Replies"),
       self.t("Views"))
        first, last = fx.tpost(t, 0), fx.last_post(t)
        replies = len(t["posts"]) - 1
        cls = "threadbit" + (" lock" if t["closed"] else "") + (" hot" if replies >= 15 else "")
        prefix = ('<span class="prefix understate">\n\t\t\t\t\t%s\n\t\t\t\t</span>\n' % self.t("Sticky:")
                  if t["sticky"] else "")
        ds, tm = self.date_parts(first["date"])
        pages = self.npages(len(t["posts"]), fx.posts_per_page)
        pag = ""
        if pages > 1:
            pag = ('\t\t\t\t<dl class="pagination" id="pagination_threadbit_%d">\n'
                   '\t\t\t\t\t<dt class="label">%d Pages <span class="separator">&bull;</span></dt>\n'
                   '\t\t\t\t\t<dd>\n\t\t\t\t\t\t<span><a href="%s">1</a></span> <span><a href="%s">2</a></span>%s'
                   '\n\t\t\t\t\t\t <span><a href="%s">Last Page</a></span>\n\t\t\t\t\t</dd>\n\t\t\t\t</dl>\n'
                   % (t["id"], pages, esc(self.thread_link(t)), esc(self.thread_link(t, 2)),
                      (' <span><a href="%s">3</a></span>' % esc(self.thread_link(t, 3))) if pages > 2 else "",
                      esc(self.thread_link(t, pages))))
        return """<li class="%s" id="thread_%d">
	<div class="rating0 %s">
		<div class="threadinfo" title="%s">
			<div class="inner">
				<h3 class="threadtitle">
				%s
					<a class="title" href="%s" id="thread_title_%d">%s</a>
				</h3>
				<div class="threadmeta">
					<div class="author">
						<span class="label">%s&nbsp;<a href="member.php?u=%d" class="username understate" title="%s %s, %s %s">%s</a>,&nbsp;%s&nbsp;%s</span>
					</div>
%s				</div>
			</div>
		</div>
		<ul class="threadstats td alt" title="">
			<li>%s: <a href="misc.php?do=whoposted&amp;t=%d" onclick="who(%d); return false;" class="understate">%s</a></li>
			<li>%s: %s</li>
		</ul>
		<dl class="threadlastpost td">
			<dt class="lastpostby hidden">Last Post By</dt>
			<dd>%s</dd>
			<dd>%s
			<a href="%s" class="lastpostdate understate" title="Go to last post"><img title="Go to last post" class="inlineimg" src="images/buttons/lastpost-right.png" alt="Go to last post" /></a>
			</dd>
		</dl>
	</div>
</li>
""" % (cls, t["id"], "sticky" if t["sticky"] else "nonsticky", esc(strip_tags(first["body"])[:200]),
       prefix, esc(self.thread_link(t)), t["id"], esc(t["title"]), self.t("Started by"),
       fx.users[first["author"]]["id"] if first["author"] in fx.users else 0,
       self.t("Started by"), esc(first["author"]), ds, tm, esc(first["author"]), ds, tm, pag,
       self.t("Replies"), t["id"], t["id"], self.L.num(replies), self.t("Views"),
       self.L.num(t["views"] or len(t["posts"]) * 10), self.user_link(last),
       self.date_html(last["date"]), esc("%s&p=%d#post%d" % (self.thread_link(t, style=0), last["id"], last["id"])))

    def page_board(self, req, bid, page):
        fx = self.fx
        b = fx.boards.get(bid)
        if b is None:
            return self.error(req, self.INVALID_FORUM, 404)
        if b.get("link"):
            return Resp(302, "", headers={"Location": b["link"]})
        if not self.can_read(req, bid):
            return self.no_permission(req)
        ids = self.visible_threads(req, bid)
        per = fx.threads_per_page
        n = self.npages(len(ids), per)
        page = max(1, min(page, n))
        chunk = [fx.threads[i] for i in ids[(page - 1) * per: page * per]]
        sticky = [t for t in chunk if t["sticky"]]
        normal = [t for t in chunk if not t["sticky"]]
        kids = [c for c in fx.children(bid) if c in self.boards_visible(req)]
        subs = ""
        if kids:
            subs = ('<div id="forumbits" class="forumbits">\n\t<div class="forumhead">\n\t\t<h2>\n'
                    '\t\t\t<span class="forumtitle">%s: %s</span>\n\t\t</h2>\n\t</div>\n'
                    '\t<ol>\n%s\t</ol>\n</div>\n'
                    % (self.t("Sub-Forums"), esc(b["name"]),
                       "".join(self.forumbit(req, c, 2) for c in kids)))
        pag = self.pagination(len(ids), per, page, lambda p: self.board_link(b, p), "threads", "f", bid)
        first = (page - 1) * per + 1 if ids else 0
        stats = self.t("Threads %s to %s of %s") % (self.L.num(first), self.L.num(min(page * per, len(ids))),
                                                    self.L.num(len(ids)))
        body = """<div id="pagetitle">
	<h1>%s <span class="forumtitle">%s</span></h1>
	<p class="description">%s</p>
</div>
%s<div id="above_threadlist" class="above_threadlist">
	<a href="newthread.php?do=newthread&amp;f=%d" class="newcontentlink" id="newthreadlink_top" title="Post New Thread"><span></span>Post New Thread</a>
	<div class="threadpagenav">
		%s
		<div id="threadpagestats" class="threadpagestats">%s</div>
	</div>
</div>
<div id="threadlist" class="threadlist">
	<form id="thread_inlinemod_form" action="inlinemod.php?forumid=%d" method="post">
		<h2 class="hidden">Threads in This Forum</h2>
		<div>
			<div class="threadlisthead table">
				<div>
				<span class="threadinfo">
					<span class="threadtitle">
						<a href="%s&amp;sort=title&amp;order=asc" rel="nofollow">Title</a> /
						<a href="%s&amp;sort=postusername&amp;order=asc" rel="nofollow">Thread Starter</a>
					</span>
				</span>
				<span class="threadstats td"><a href="%s&amp;sort=replycount&amp;order=desc" rel="nofollow">Replies</a> / <a href="%s&amp;sort=views&amp;order=desc" rel="nofollow">Views</a></span>
				<span class="threadlastpost td"><a href="%s&amp;sort=lastpost&amp;order=asc" rel="nofollow">Last Post By</a></span>
				</div>
			</div>
			<ol id="stickies" class="stickies">
%s			</ol>
			<ol id="threads" class="threads">
%s			</ol>
		</div>
		<hr />
	</form>
</div>
<div id="below_threadlist" class="noinlinemod below_threadlist">
	<div class="threadpagenav">
		%s
	</div>
</div>
""" % ("Forum:", esc(b["name"]), esc(b["description"]), subs, bid, pag, stats, bid,
       esc(self.board_link(b, style=0)), esc(self.board_link(b, style=0)), esc(self.board_link(b, style=0)),
       esc(self.board_link(b, style=0)), esc(self.board_link(b, style=0)),
       "".join(self.threadbit(req, t) for t in sticky), "".join(self.threadbit(req, t) for t in normal),
       pag)
        return self.page(req, b["name"] + (" - Page %d" % page if page > 1 else ""),
                         self.crumbs_for(bid)[:-1], b["name"], body)

    # showthread

    def quote_html(self, q):
        return """<div class="bbcode_container">
	<div class="bbcode_quote">
		<div class="quote_container">
			<div class="bbcode_quote_container"></div>
				<div class="bbcode_postedby">
					<img src="images/misc/quote_icon.png" alt="%s" /> %s <strong>%s</strong>
					<a href="showthread.php?p=%d#post%d" rel="nofollow"><img class="inlineimg" src="images/buttons/viewpost-right.png" alt="View Post" /></a>
				</div>
				<div class="message">%s</div>
		</div>
	</div>
</div>""" % (self.t("Quote"), self.t("Originally Posted by"), esc(q["author"]), q["id"], q["id"], q["body"])

    def edit_note(self, p):
        ds, tm = self.date_parts(p["edited_date"])
        note = self.t("Last edited by %s; %s at %s.") % (esc(p["edited_by"]), ds, '<span class="time">%s</span>' % tm)
        if p["edit_reason"]:
            note += ' <span class="reason">%s</span> %s' % (self.t("Reason:"), esc(p["edit_reason"]))
        return ('\t\t\t\t<!-- edit note -->\n\t\t\t\t<blockquote class="postcontent lastedited">\n'
                '\t\t\t\t\t%s\n\t\t\t\t</blockquote>\n\t\t\t\t<!-- / edit note -->\n' % note)

    def deleted_postbit(self, req, t, p, n):
        ds, tm = self.date_parts(p["date"])
        u = self.fx.users.get(p["author"])
        return """<li class="postbitlegacy postbitdeleted postcontainer" id="post_%d">
	<div class="posthead">
			<span class="postdate old">
					<span class="date">%s,&nbsp;<span class="time">%s</span></span>
			</span>
			<span class="nodecontrols">
					<a name="post%d" href="%s&amp;p=%d&amp;viewfull=1#post%d" class="postcounter">#%d</a><a id="postcount%d" name="%d"></a>
			</span>
	</div>
	<div class="postdetails_noavatar">
		<div class="userinfo_noavatar">
			<div class="username_container">
				<a href="member.php?u=%d" class="username">%s</a>
			</div>
		</div>
		<div class="postbody">
			<div class="postrow">
				<div class="deletedpostinfo">
					<div class="deletedby">
						<img src="images/misc/trashcan.png" class="inlineimg" alt="Deleted" /> This message has been deleted by %s.
					</div>
				</div>
			</div>
		</div>
	</div>
	<hr />
</li>
""" % (p["id"], html.escape(ds, False), tm, p["id"], esc(self.thread_link(t, style=0)), p["id"], p["id"], n, p["id"], n,
       u["id"] if u else 0, esc(p["author"]), esc(p["deleted_by"]))

    def postbit(self, req, t, p, n):
        fx = self.fx
        if p["deleted"]:
            return self.deleted_postbit(req, t, p, n)
        u = None if p["guest"] else fx.users.get(p["author"])
        q = self.quoted(p)
        body = (self.quote_html(q) if q else "") + p["body"]
        sig = fx.signature_of(p)
        after = ""
        if p["edits"]:
            after += self.edit_note(p)
        if sig:
            after += ('\t\t\t\t<blockquote class="signature restore"><div class="signaturecontainer">%s</div></blockquote>\n' % sig)
        if p["guest"]:
            userinfo = """			<div class="username_container">
				<span class="username guest">%s</span>
			</div>
			<span class="usertitle">
				%s
			</span>""" % (esc(p["author"]), self.t("Guest"))
        else:
            userinfo = """			<div class="username_container">
				<div class="popupmenu memberaction">
	<a class="username offline popupctrl" href="member.php?u=%d" title="%s is offline"><strong>%s</strong></a>
	<ul class="popupbody popuphover memberaction_body">
		<li class="left">
			<a href="member.php?u=%d" class="siteicon_profile">
				View Profile
			</a>
		</li>
		<li class="right">
			<a href="search.php?do=finduser&amp;userid=%d&amp;contenttype=vBForum_Post&amp;showposts=1" class="siteicon_forum" rel="nofollow">
				View Forum Posts
			</a>
		</li>
	</ul>
</div>
				<img class="inlineimg onlinestatus" src="images/statusicon/user-offline.png" alt="%s is offline" border="0" />
			</div>
			<span class="usertitle">
				%s
			</span>
				<hr />
				<dl class="userinfo_extra">
					<dt>Join Date</dt> <dd>%s</dd>
					<dt>Posts</dt> <dd>%s</dd>
				</dl>""" % (u["id"], esc(p["author"]), esc(p["author"]), u["id"], u["id"], esc(p["author"]),
                            esc(u["title"]), self.joined(u), self.L.num(u["id"] * 7))
        ds, tm = self.date_parts(p["date"])
        return """<li class="postbitlegacy postbitim postcontainer old" id="post_%d">
<!-- see bottom of postbit.css for .userinfo .popupmenu styles -->
	<div class="posthead">
			<span class="postdate old">
					<span class="date">%s,&nbsp;<span class="time">%s</span></span>
			</span>
			<span class="nodecontrols">
					<a name="post%d" href="%s&amp;p=%d&amp;viewfull=1#post%d" class="postcounter">#%d</a><a id="postcount%d" name="%d"></a>
			</span>
	</div>
	<div class="postdetails">
		<div class="userinfo">
%s
		</div>
		<div class="postbody">
			<div class="postrow%s">
				<div class="content">
					<div id="post_message_%d">
						<blockquote class="postcontent restore ">
							%s
						</blockquote>
					</div>
%s				</div>
			</div>
			%s
			<div class="cleardiv"></div>
		</div>
	</div>
		<div class="postfoot">
			<div class="textcontrols floatcontainer">
				<span class="postcontrols">
					<img style="display:none" id="progress_%d" src="images/misc/progress.gif" alt="" />
						<a id="qrwq_%d" class="newreply" href="newreply.php?do=newreply&amp;p=%d" rel="nofollow" title="%s"><img id="quoteimg_%d" src="clear.gif" alt="%s" />  %s</a> 
				</span>
				<span class="postlinking">
				</span>
			</div>
		</div>
	<hr />
</li>
""" % (p["id"], html.escape(ds, False), tm, p["id"], esc(self.thread_link(t, style=0)), p["id"], p["id"], n, p["id"], n,
       userinfo, " has_after_content" if after else "", p["id"], body, self.attach_block(p),
       ('<div class="after_content">\n%s\t\t\t</div>' % after) if after else "",
       p["id"], p["id"], p["id"], self.t("Reply With Quote"), p["id"], self.t("Reply With Quote"),
       self.t("Reply With Quote"))

    def attach_block(self, p):
        atts = self.attachments_of(p)
        if not atts:
            return ""
        return ('\t\t\t\t\t<div class="attachments">\n\t\t\t\t\t\t<fieldset class="postcontent">\n\t\t\t\t\t\t\t'
                '<legend><img src="images/misc/paperclip.png" class="inlineimg" alt="" /> Attached Files</legend>\n'
                '\t\t\t\t\t\t\t<ul>\n%s\t\t\t\t\t\t\t</ul>\n\t\t\t\t\t\t</fieldset>\n\t\t\t\t\t</div>\n'
                % "".join('\t\t\t\t\t\t\t\t<li>\n\t\t\t\t\t\t\t\t\t<img class="inlineimg" src="images/attach/%s.gif" '
                          'alt="" />\n\t\t\t\t\t\t\t\t\t<a href="%s">%s</a> (%s, 0 views)\n\t\t\t\t\t\t\t\t</li>\n'
                          % (esc(a["name"].rsplit(".", 1)[-1].lower()), esc(self.attachment_link(a)), esc(a["name"]),
                             self.size_text(a["size"])) for a in atts))

    def similar(self, req, t):
        fx = self.fx
        others = [fx.threads[i] for i in fx.board_threads(t["board"])
                  if i != t["id"] and not fx.threads[i].get("moved_to")][:5]
        if not others:
            return ""
        rows = "".join("""			<tr>
				<td class="alt1" align="left"><span class="smallfont"><a href="%s" title="">%s</a></span></td>
				<td class="alt2" align="left"><span class="smallfont">%s</span></td>
				<td class="alt1" align="left"><span class="smallfont">%s</span></td>
			</tr>
""" % (esc(self.thread_link(o)), esc(o["title"]), esc(o["author"]), esc(fx.boards[o["board"]]["name"]))
            for o in others)
        return """<div id="similarthreads" class="block">
	<h4 class="blockhead">%s</h4>
	<div class="blockbody">
		<table class="similarthreads">
%s		</table>
	</div>
</div>
""" % (self.t("Similar Threads"), rows)

    def page_thread(self, req, tid, page):
        fx = self.fx
        t = self.thread_for(tid)
        if t is None:
            return self.error(req, self.INVALID_THREAD, 404)
        if not self.can_read(req, t["board"]):
            return self.no_permission(req)
        per = fx.posts_per_page
        ids = self.visible_ids(req, t)
        total = len(ids)
        n = self.npages(total, per)
        page = max(1, min(page, n))
        start = (page - 1) * per
        posts = [fx.post(ids[i]) for i in range(start, min(start + per, total))]
        bits = "".join(self.postbit(req, t, p, start + k + 1) for k, p in enumerate(posts))
        pag = self.pagination(total, per, page, lambda pg: self.thread_link(t, pg), "posts", "t", tid)
        stats = self.t("Results %s to %s of %s") % (self.L.num(start + 1), self.L.num(start + len(posts)),
                                                    self.L.num(total))
        reply = ("" if t["closed"] else
                 '<a href="newreply.php?do=newreply&amp;noquote=1&amp;p=%d" class="newcontentlink" '
                 'id="newreplylink_top" rel="nofollow" title="Reply to Thread"><span></span>Reply to Thread</a>'
                 % t["posts"][-1])
        closed = ('<span class="threadclosed">Thread Closed</span>' if t["closed"] else "")
        body = """	<div id="above_postlist" class="above_postlist">
		%s%s
		<div id="pagination_top" class="pagination_top">
			%s
			<div id="postpagestats_above" class="postpagestats">
				%s
			</div>
		</div>
	</div>
	<div id="pagetitle" class="pagetitle">
		<h1>
			%s: <span class="threadtitle"><a href="%s" title="Reload this Page">%s</a></span>
		</h1>
	</div>
	<div id="thread_controls" class="thread_controls toolsmenu">
		<div>
		<ul id="postlist_popups" class="postlist_popups popupgroup">
			<li class="popupmenu" id="threadtools">
				<h6><a class="popupctrl" href="javascript://">Thread Tools</a></h6>
				<ul class="popupbody popuphover">
					<li><a href="printthread.php?t=%d&amp;pp=%d&amp;page=%d" accesskey="3" rel="nofollow">Show Printable Version</a></li>
				</ul>
			</li>
		</ul>
		</div>
	</div>
<div id="postlist" class="postlist restrain">
		<ol id="posts" class="posts" start="%d">
%s		</ol>
		<div class="separator"></div>
		<div class="postlistfoot">
		</div>
</div>
<div id="below_postlist" class="noinlinemod below_postlist">
	<div id="pagination_bottom" class="pagination_bottom">
		%s
		<div class="clear"></div>
	</div>
</div>
	<!-- next / previous links -->
	<div class="navlinks">
			<strong>&laquo;</strong>
			<a href="%s&amp;goto=nextoldest" rel="nofollow">Previous Thread</a>
			|
			<a href="%s&amp;goto=nextnewest" rel="nofollow">Next Thread</a>
			<strong>&raquo;</strong>
	</div>
	<!-- / next / previous links -->
%s<div id="ad_thread_last_post_content"><div class="ad300x250_2"><script type="text/javascript">OAS_AD("300x250_2");</script></div></div>
""" % (reply, closed, pag, stats, self.t("Thread"), esc(self.thread_link(t, page)), esc(t["title"]),
       tid, per, page, start + 1, bits, pag, esc(self.thread_link(t, style=0)),
       esc(self.thread_link(t, style=0)), self.similar(req, t))
        return self.page(req, t["title"] + (" - Page %d" % page if page > 1 else ""),
                         self.crumbs_for(t["board"]), t["title"], body,
                         '<link rel="canonical" href="%s" />\n' % esc(self.thread_link(t, page)))

    def page_print(self, req, tid, page, pp):
        fx = self.fx
        t = self.thread_for(tid)
        if t is None:
            return self.error(req, self.INVALID_THREAD, 404)
        if not self.can_read(req, t["board"]):
            return self.no_permission(req)
        pp = max(1, min(pp or 40, 40))
        ids = self.visible_ids(req, t)
        total = len(ids)
        n = self.npages(total, pp)
        page = max(1, min(page, n))
        start = (page - 1) * pp
        out = []
        for i in range(start, min(start + pp, total)):
            p = fx.post(ids[i])
            q = self.quoted(p)
            ds, tm = self.date_parts(p["date"])
            out.append("""<div class="tborder">
	<div class="page">
		<div style="padding:0px 0px 6px 0px">
			<div class="smallfont"><strong>%s</strong> <span class="postdate">%s, %s</span></div>
			<div id="post_message_%d" class="post">%s%s</div>
		</div>
	</div>
</div>
""" % (esc(p["author"]), ds, tm, p["id"], self.quote_html(q) if q else "", p["body"]))
        pag = ""
        if n > 1:
            pag = '<div class="pagenav">%s %s</div>\n' % (self.t("Page %d of %d") % (page, n), " ".join(
                '<a href="printthread.php?t=%d&amp;pp=%d&amp;page=%d">%d</a>' % (tid, pp, p, p) if p != page
                else "<strong>%d</strong>" % p for p in range(1, n + 1)))
        body = """<!DOCTYPE html>
<html dir="ltr" lang="%s">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="generator" content="vBulletin %s" />
<title>%s - Printable View</title>
</head>
<body>
<div class="page">
	<div class="largefont"><strong>%s</strong></div>
	<div><a href="%s">Show 40 post(s) from this thread on one page</a></div>
	%s%s%s
</div>
</body>
</html>""" % (self.L.code, self.VERSION, esc(fx.title), esc(t["title"]), esc(self.thread_link(t)),
              pag, "".join(out), pag)
        return Resp(200, body)

    # archive (archive/index.php/t-N-p-P.html): the cheap way to read a whole thread

    ARCHIVE_PER_PAGE = 250

    def archive(self, req, rest):
        fx = self.fx
        base = fx.url + "/archive/index.php"
        m = re.match(r"^/(t|f)-(\d+)(?:-p-(\d+))?\.html$", rest)
        crumbs = ['<a href="%s">%s</a>' % (base, esc(fx.title))]
        per = self.ARCHIVE_PER_PAGE
        pages_html, content, title, full = "", "", fx.title, fx.url + "/" + self.INDEX
        if m and m.group(1) == "t":
            t = self.thread_for(int(m.group(2)))
            if t is None or not self.can_read(req, t["board"]):
                return self.error(req, self.INVALID_THREAD, 404) if t is None else self.no_permission(req)
            page = int(m.group(3) or 1)
            n = self.npages(len(t["posts"]), per)
            page = max(1, min(page, n))
            crumbs += ['<a href="%s/f-%d.html">%s</a>' % (base, b["id"], esc(b["name"])) for b in fx.board_chain(t["board"])]
            crumbs.append(esc(t["title"]))
            title, full = t["title"], fx.url + "/" + self.thread_link(t, style=0)
            out = []
            for i in range((page - 1) * per, min(page * per, len(t["posts"]))):
                p = fx.tpost(t, i)
                q = self.quoted(p)
                ds, tm = self.date_parts(p["date"])
                out.append('<div class="post"><div class="posttop"><div class="username">%s</div><div class="date">%s, '
                           '%s</div></div><div class="posttext">%s%s</div></div><hr />\n'
                           % (esc(p["author"]), ds, tm, self.quote_html(q) if q else "", p["body"]))
            content = "".join(out)
            if n > 1:
                pages_html = ('<div id="pagenumbers"><b>Pages :</b>\n%s</div>\n<hr />\n' % "\n".join(
                    '<a href="%s/t-%d%s.html">%d</a>' % (base, t["id"], "-p-%d" % k if k > 1 else "", k)
                    for k in range(1, n + 1)))
        elif m:
            b = fx.boards.get(int(m.group(2)))
            if b is None or not self.can_read(req, b["id"]):
                return self.error(req, self.INVALID_FORUM, 404) if b is None else self.no_permission(req)
            ids = fx.board_threads(b["id"])
            page = int(m.group(3) or 1)
            n = self.npages(len(ids), per)
            crumbs += ['<a href="%s/f-%d.html">%s</a>' % (base, x["id"], esc(x["name"])) for x in fx.board_chain(b["id"])[:-1]]
            crumbs.append(esc(b["name"]))
            title, full = b["name"], fx.url + "/" + self.board_link(b, style=0)
            kids = "".join('<li><a href="%s/f-%d.html">%s</a></li>\n' % (base, c["id"], esc(c["name"]))
                           for c in fx.children(b["id"]))
            content = '<div id="content">\n%s<ol start="%d">\n%s</ol>\n</div>\n' % (
                ("<ul>\n%s</ul>\n" % kids) if kids else "", (page - 1) * per + 1,
                "".join('\t<li><a href="%s/t-%d.html">%s</a> (%d replies)</li>\n'
                        % (base, i, esc(fx.threads[i]["title"]), len(fx.threads[i]["posts"]) - 1)
                        for i in ids[(page - 1) * per: page * per]))
            if n > 1:
                pages_html = ('<div id="pagenumbers"><b>Pages :</b>\n%s</div>\n<hr />\n' % "\n".join(
                    '<a href="%s/f-%d%s.html">%d</a>' % (base, b["id"], "-p-%d" % k if k > 1 else "", k)
                    for k in range(1, n + 1)))
        elif rest in ("", "/"):
            def tree(parent):
                kids = [b for b in fx.boards.values() if b["parent"] == parent]
                if not kids:
                    return ""
                return "<ul>\n%s</ul>\n" % "".join('\t<li><a href="%s/f-%d.html">%s</a>\n%s\t</li>\n'
                                                   % (base, b["id"], esc(b["name"]), tree(b["id"])) for b in kids)
            content = '<div id="content">\n%s</div>\n' % tree(None)
        else:
            return self.error(req, "Invalid Action Specified", 404)
        body = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" dir="ltr" lang="%s">
<head>
	<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
	<meta name="description" content="[Archive] %s" />
	<title>%s [Archive]  - %s</title>
	<link rel="stylesheet" type="text/css" href="%s/archive/archive.css" />
</head>
<body>
<div class="pagebody">
<div id="navbar">%s</div>
<hr />
<div class="pda"><a href="%s%s?pda=1" rel="nofollow">PDA</a></div>
<p class="largefont">View Full Version : <a href="%s">%s</a></p>
<hr />
%s%s%s<div id="copyright">Powered by vBulletin&reg; Version %s Copyright &copy; 2026 vBulletin Solutions, Inc. All rights reserved.</div>
</div>
</body>
</html>""" % (self.L.code, esc(title), esc(title), esc(fx.title), fx.url, " &gt; ".join(crumbs), base, rest, esc(full),
              esc(title), pages_html, content, pages_html, self.VERSION)
        return Resp(200, body)

    # login

    def page_login(self, req, error=None):
        msg = ('<div class="blockrow error">%s</div>' % error) if error else ""
        return self.page(req, fx_title(self.fx, "Log in"), [], "Log in",
                         msg + self.login_block(req, req.q("url")))

    def do_login(self, req):
        fx = self.fx
        name = req.f("vb_login_username")
        if fx.require_captcha:
            h = req.f("humanverify[hash]")
            if not h or self.captchas.get(h) != req.f("humanverify[input]").upper():
                return self.error(req, self.ERRORS["captcha"], login_form=True)
        fails = fx.login_failures.get(name, 0)
        if fails >= 5:
            return self.error(req, self.ERRORS["strikes"])
        u = fx.check_password(name, req.f("vb_login_password"), req.f("vb_login_md5password"))
        if not u:
            fx.login_failures[name] = fails + 1
            return self.error(req, self.ERRORS["badlogin"] % (fails + 1), login_form=True)
        fx.login_failures.pop(name, None)
        fx.sessions.pop(req.sid, None)
        req.user = u
        req.sid = fx.new_session(u["name"])
        req.set_cookies.append((self.COOKIE + "sessionhash", req.sid, None))
        if req.f("cookieuser") == "1":
            tok = hashlib.md5((u["salt"] + str(time.time())).encode()).hexdigest()
            fx.remember[tok] = u["name"]
            req.set_cookies.append((self.COOKIE + "userid", str(u["id"]), 31536000))
            req.set_cookies.append((self.COOKIE + "password", tok, 31536000))
        url = req.f("url") or "forum.php"
        return self.redirect(req, "Thank you for logging in, %s." % esc(u["name"]), url)

    def do_logout(self, req):
        self.fx.sessions.pop(req.sid, None)
        req.user = None
        req.set_cookies += [(self.COOKIE + "sessionhash", "", 0), (self.COOKIE + "userid", "", 0),
                            (self.COOKIE + "password", "", 0)]
        return self.redirect(req, "All cookies cleared!", "forum.php")

    # posting

    def editor_form(self, req, action, do, hidden, title_value, message, heading):
        fx = self.fx
        start = int(fx.now())
        posthash = hashlib.md5(("%d%d%s" % (start, req.user["id"], req.user["salt"])).encode()).hexdigest()
        hidden_html = "".join('\t\t<input type="hidden" name="%s" value="%s" />\n' % (k, esc(v))
                              for k, v in hidden)
        return """<form action="%s" method="post" name="vbform" id="vbform" class="vbform">
	<h2 class="blockhead">%s</h2>
	<div class="blockbody formcontrols">
		<div class="blockrow">
			<label for="title" class="full">Title:</label>
			<input type="text" class="primary full textbox" name="title" value="%s" id="title" size="50" maxlength="85" tabindex="1" title="Optional" />
		</div>
		<div class="blockrow texteditor">
			<div id="vB_Editor_001" class="vB_Editor">
				<textarea name="message" id="vB_Editor_001_editor" rows="10" cols="60" tabindex="1">%s</textarea>
			</div>
		</div>
	</div>
	<div class="blockfoot actionbuttons">
		<div class="group">
		<input type="hidden" name="s" value="" />
		<input type="hidden" name="securitytoken" value="%s" />
		<input type="hidden" name="do" value="%s" />
%s		<input type="hidden" name="posthash" value="%s" />
		<input type="hidden" name="poststarttime" value="%d" />
		<input type="hidden" name="loggedinuser" value="%d" />
		<input type="hidden" name="multiquoteempty" value="" />
		<input type="submit" class="button" name="sbutton" id="vB_Editor_001_save" value="Submit Reply" accesskey="s" tabindex="1" />
		<input type="submit" class="button" name="preview" value="Preview Post" accesskey="r" tabindex="1" />
		</div>
	</div>
</form>
""" % (action, heading, esc(title_value), esc(message), self.token(req), do, hidden_html, posthash,
       start, req.user["id"])

    def page_reply(self, req):
        fx = self.fx
        pid = req.qint("p")
        tid = req.qint("t")
        quote = ""
        if pid:
            t, _ = self.post_index(pid)
            if t is None:
                return self.error(req, self.INVALID_POST, 404)
            if req.q("noquote") != "1":
                qp = fx.post(pid)
                quote = "[QUOTE=%s;%d]%s[/QUOTE]\n" % (qp["author"], pid, strip_tags(qp["body"]))
        else:
            t = self.thread_for(tid)
            if t is None:
                return self.error(req, self.INVALID_THREAD, 404)
        if req.user is None or not self.can_read(req, t["board"]):
            return self.no_permission(req)
        if t["closed"]:
            return self.error(req, self.ERRORS["closed"])
        form = self.editor_form(req, "newreply.php?do=postreply&amp;t=%d" % t["id"], "postreply",
                                [("t", t["id"]), ("p", pid or t["posts"][-1]), ("specifiedpost", 1 if pid else 0),
                                 ("wysiwyg", 0)], "", quote,
                                "Reply to Thread: %s" % esc(t["title"]))
        return self.page(req, "Reply to Thread", self.crumbs_for(t["board"]) +
                         [(self.thread_link(t), t["title"])], "Reply to Thread", form)

    def posting_refusal(self, req, key, arg):
        if key == "no_permission":
            return self.no_permission(req)
        status = 404 if key in ("no_thread", "no_board") else 200
        return self.error(req, self.error_text(key, arg), status)

    def do_reply(self, req):
        fx = self.fx
        tid = int(req.f("t") or req.q("t") or 0)
        if not tid and req.f("p"):
            t, _ = self.post_index(int(req.f("p")))
            tid = t["id"] if t else 0
        t = self.thread_for(tid)
        if req.user is not None and not self.token_ok(req, req.f("securitytoken")):
            fx.record_post(req, req.user, 200, error="token")
            return self.error(req, self.ERRORS["token"])
        if t is not None and not self.can_read(req, t["board"]):
            fx.record_post(req, req.user, 200, error="no_permission")
            return self.no_permission(req)
        pid, err = fx.submit(req, req.user, thread=tid, message=req.f("message"))
        if err:
            fx.record_post(req, req.user, 200, error=err[0])
            return self.posting_refusal(req, *err)
        fx.record_post(req, req.user, 200, pid=pid)
        return self.redirect(req, "Thank you for posting! You will now be taken to your post. If you "
                             "opted to receive notifications of replies to this thread, you will be "
                             "notified by email when anyone else replies.", self.post_link(pid))

    def page_newthread(self, req):
        fx = self.fx
        b = fx.boards.get(req.qint("f"))
        if b is None:
            return self.error(req, self.INVALID_FORUM, 404)
        if req.user is None or not self.can_read(req, b["id"]):
            return self.no_permission(req)
        form = self.editor_form(req, "newthread.php?do=postthread&amp;f=%d" % b["id"], "postthread",
                                [("f", b["id"])], "", "", "Post New Thread in %s" % esc(b["name"]))
        form = form.replace('name="title"', 'name="subject"').replace('title="Optional" ', "")
        return self.page(req, "Post New Thread", self.crumbs_for(b["id"]), "Post New Thread", form)

    def do_newthread(self, req):
        fx = self.fx
        bid = int(req.f("f") or req.q("f") or 0)
        if req.user is not None and not self.token_ok(req, req.f("securitytoken")):
            fx.record_post(req, req.user, 200, error="token")
            return self.error(req, self.ERRORS["token"])
        if bid in fx.boards and not self.can_read(req, bid):
            fx.record_post(req, req.user, 200, error="no_permission")
            return self.no_permission(req)
        pid, err = fx.submit(req, req.user, board=bid, message=req.f("message"), title=req.f("subject"))
        if err:
            fx.record_post(req, req.user, 200, error=err[0])
            return self.posting_refusal(req, *err)
        fx.record_post(req, req.user, 200, pid=pid)
        return self.redirect(req, "Thank you for posting! You will now be taken to your post.",
                             self.post_link(pid))

    # external.php

    def feed(self, req):
        fx = self.fx
        ids = [int(x) for x in re.findall(r"\d+", req.q("forumids"))]
        boards = [b for b in fx.boards.values() if (not ids or b["id"] in ids)
                  and not fx.board_members_only(b["id"])]
        if ids and not boards:
            return self.feed_response('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                                      '<title>%s</title></channel></rss>' % esc(fx.title),
                                      "text/xml; charset=UTF-8", None)
        by_last = req.q("lastpost") in ("1", "true")
        ts = [fx.threads[i] for b in boards for i in b["threads"] if not fx.threads[i].get("moved_to")]
        key = (lambda t: fx.last_post(t)["date"]) if by_last else (lambda t: fx.tpost(t, 0)["date"])
        ts.sort(key=lambda t: (key(t), t["id"]), reverse=True)
        ts = ts[:int(req.q("count") or 15)]
        items = []
        for t in ts:
            first = fx.tpost(t, 0)
            b = fx.boards[t["board"]]
            items.append("""		<item>
			<title>%s</title>
			<link>%s/showthread.php?t=%d&amp;goto=newpost</link>
			<pubDate>%s</pubDate>
			<description>%s</description>
			<content:encoded><![CDATA[<div>%s</div>]]></content:encoded>
			<category domain="%s/forumdisplay.php?f=%d">%s</category>
			<dc:creator>%s</dc:creator>
			<guid isPermaLink="true">%s/showthread.php?t=%d</guid>
		</item>
""" % (esc(t["title"]), fx.url, t["id"], self.rfc822(key(t)), esc(strip_tags(first["body"])[:300]),
       first["body"], fx.url, b["id"], esc(b["name"]), esc(first["author"]), fx.url, t["id"]))
        last = max([key(t) for t in ts] or [0])
        title = fx.title + (" - " + boards[0]["name"] if ids and len(boards) == 1 else "")
        body = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
	<channel>
		<title>%s</title>
		<link>%s/</link>
		<description>vBulletin Discussion Board</description>
		<language>%s</language>
		<lastBuildDate>%s</lastBuildDate>
		<generator>vBulletin</generator>
		<ttl>60</ttl>
%s	</channel>
</rss>
""" % (esc(title), fx.url, self.L.code, self.rfc822(last or fx.now()), "".join(items))
        return self.feed_response(body, "text/xml; charset=UTF-8", last or None)


def fx_title(fx, s):
    return "%s - %s" % (fx.title, s)


# ---- HTTP ------------------------------------------------------------------

GARBAGE = (b'<html><head><title>Fixture</ti<body><div class="pos\x00t" id=\n<<<< '
           b'\xff\xfe<li class="postbit id="post_1"><blockquote class=postcontent>cut')


class _Handler(BaseHTTPRequestHandler):
    fx = None
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as a board behind nginx sends: http.server writes an
    # answer's headers and body in two writes, and with Nagle on the body
    # waits for the ACK of the headers, which the client delays by 40 ms
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.serve("GET")

    def do_HEAD(self):
        self.serve("HEAD")

    def do_POST(self):
        self.serve("POST")

    def send(self, status, body, ctype="text/html; charset=UTF-8", headers=(), cookies=()):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        for name, value, max_age in cookies:
            c = "%s=%s; path=/; HttpOnly" % (name, value)
            if max_age is not None:
                c += "; Max-Age=%d" % max_age
                if max_age == 0:
                    c += "; expires=Thu, 01 Jan 1970 00:00:01 GMT"
            self.send_header("Set-Cookie", c)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def apply_fault(self):
        fx = self.fx
        with fx.lock:
            f = next((f for f in fx.faults if (f.path is None or f.path.search(self.path))
                      and (f.count is None or f.count > 0)), None)
            if f is None:
                return False
            if f.count is not None:
                f.count -= 1
        if f.mode in ("429", "503"):
            text = ("Too Many Requests" if f.mode == "429" else "Service Unavailable")
            self.send(int(f.mode), "<html><head><title>%s %s</title></head><body><h1>%s</h1></body></html>"
                      % (f.mode, text, text), headers=[("Retry-After", str(f.retry_after))])
        elif f.mode == "500":
            self.send(500, "<html><body><h1>500 Internal Server Error</h1></body></html>")
        elif f.mode == "403":
            self.send(403, "<html><body><h1>403 Forbidden</h1></body></html>")
        elif f.mode == "garbage":
            self.send(200, GARBAGE)
        elif f.mode == "empty":
            self.send(200, b"")
        elif f.mode == "reset":
            self.close_connection = True
        elif f.mode == "hang":
            fx.stopping.wait(f.hang)
            self.close_connection = True
        return True

    def serve(self, method):
        fx = self.fx
        body = b""
        if method == "POST":
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
        with fx.lock:
            fx.requests.append(Request(method, self.path, dict(self.headers.items())))
        if self.apply_fault():
            return
        u = urllib.parse.urlsplit(self.path)
        path = u.path
        if fx.prefix:
            if not (path == fx.prefix or path.startswith(fx.prefix + "/")):
                return self.send(404, "<html><body><h1>404 Not Found</h1></body></html>")
            path = path[len(fx.prefix):] or "/"
        if path == "/robots.txt":
            return self.send(200, fx.robots, "text/plain; charset=UTF-8")
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
        fields = {}
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if body and ctype in ("", "application/x-www-form-urlencoded"):
            fields = {k: v[-1] for k, v in urllib.parse.parse_qs(
                body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        elif body and ctype == "multipart/form-data":
            # the engines' posting forms are multipart (attachments): browsers send that
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + self.headers.get("Content-Type").encode() + b"\r\n\r\n" + body)
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name and part.get_filename() is None:
                    fields[name] = part.get_payload(decode=True).decode("utf-8", "replace")
        cookies = {}
        for part in (self.headers.get("Cookie") or "").split(";"):
            if "=" in part:
                k, v = part.split("=", 1)
                cookies[k.strip()] = urllib.parse.unquote(v.strip())
        req = Req(method, path, query, fields, cookies, self.headers)
        req.raw_query = urllib.parse.unquote(u.query)
        with fx.lock:
            try:
                resp = fx.engine.handle(req)
            except Exception:
                # a fixture bug: say so (and keep it for the test) instead of a dropped connection
                import traceback
                fx.errors.append(traceback.format_exc())
                resp = Resp(500, "<html><body><h1>board_fixture error</h1><pre>%s</pre></body></html>"
                            % esc(fx.errors[-1]))
            text = resp.body
            if fx.template_changed and isinstance(text, str) and resp.ctype.startswith("text/html"):
                text = fx.engine.change_template(text)
            if fx.lang.code != "en" and isinstance(text, str) and resp.ctype.startswith("text/html"):
                text = translate_furniture(text, fx.lang.code)
        data = text.encode("utf-8") if isinstance(text, str) else text
        headers = list(resp.headers.items())
        if resp.status == 200 and (resp.validators or (fx.page_validators and resp.ctype.startswith("text/html"))):
            etag = '"%s"' % hashlib.md5(data).hexdigest()
            headers.append(("ETag", etag))
            lm = None
            if resp.last_modified:
                lm = email.utils.formatdate(resp.last_modified, usegmt=True)
                headers.append(("Last-Modified", lm))
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            fresh = False
            if inm is not None:
                fresh = etag in [x.strip() for x in inm.split(",")] or inm.strip() == "*"
            elif ims is not None and resp.last_modified:
                try:
                    fresh = email.utils.parsedate_to_datetime(ims).timestamp() >= int(resp.last_modified)
                except (TypeError, ValueError):
                    fresh = False
            if fresh:
                self.send_response(304)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if resp.ctype.startswith("text/html"):
            headers += [("Cache-Control", "private"), ("Pragma", "private")]
        self.send(resp.status, data, resp.ctype, headers, req.set_cookies)


def make_engine(name, fx):
    cls = {"vbulletin4": "VBulletin4", "vbulletin3": "VBulletin3", "phpbb3": "PhpBB3",
           "phpbb30": "PhpBB30", "phpbb_subsilver2": "PhpBBSubsilver2", "xenforo2": "XenForo2",
           "xenforo1": "XenForo1", "mybb": "MyBB"}[name]
    return globals()[cls](fx)


# ---- phpBB 3.1-3.3 prosilver ----------------------------------------------

class PhpBB3(Engine):
    POSTS_PER_PAGE = 10
    THREADS_PER_PAGE = 25
    MIN_CHARS = 1
    INDEX = "index.php"
    LOGIN = "ucp.php?mode=login"
    COOKIE = "phpbb3_fx_"
    FORM_LIFETIME = 7200
    CHANGED = [(r'class="post has-profile', 'class="message has-profile'),
               (r'id="p(\d+)"', r'id="msg\1"'), (r'class="content"', 'class="message-text"'),
               (r'class="postbody"', 'class="msgbody"'), (r'\btopictitle\b', 'topic-link'),
               (r'class="author"', 'class="byline"')]
    ERRORS = {
        "form": "The submitted form was invalid. Try submitting again.",
        "flood": "You cannot make another post so soon after your last.",
        "too_short": "Your message contains too few characters.",
        "closed": "This topic is locked, you cannot edit posts or make further replies.",
        "no_title": "You must specify a subject when posting a new topic.",
        "no_thread": "The requested topic does not exist.",
        "no_board": "The forum you selected does not exist.",
        "no_post": "The requested post does not exist.",
        "badpass": ("You have specified an incorrect password. Please check your password and try "
                    "again. If you continue to have problems please contact the "
                    '<a href="./memberlist.php?mode=contactadmin">Board Administrator</a>.'),
        "baduser": ("You have specified an incorrect username. Please check your username and try "
                    "again. If you continue to have problems please contact the "
                    '<a href="./memberlist.php?mode=contactadmin">Board Administrator</a>.'),
        "attempts": ("You exceeded the maximum allowed number of login attempts. In addition to your "
                     "username and password you now also have to solve the CAPTCHA below."),
        "captcha": "The submitted confirmation code was incorrect.",
        "login_view": "The board requires you to be registered and logged in to view this forum.",
        "login_reply": "You need to login in order to reply to topics within this forum.",
        "login_post": "You need to login in order to post within this forum.",
        "auth_read": "You are not authorised to read this forum.",
    }

    def __init__(self, fx):
        super().__init__(fx)
        self.captchas = {}

    # links

    def thread_link(self, t, page=1):
        return "./viewtopic.php?f=%d&t=%d%s" % (t["board"], t["id"],
                                                 "&start=%d" % ((page - 1) * self.fx.posts_per_page)
                                                 if page > 1 else "")

    def board_link(self, b, page=1):
        return "./viewforum.php?f=%d%s" % (b["id"], "&start=%d" % ((page - 1) * self.fx.threads_per_page)
                                           if page > 1 else "")

    def post_link(self, pid):
        return "./viewtopic.php?p=%d#p%d" % (pid, pid)

    def feed_link(self, thread=None, board=None):
        if thread:
            return "app.php/feed/topic/%d" % thread
        if board:
            return "app.php/feed/forum/%d" % board
        return "app.php/feed"

    def reply_link(self, t):
        return "posting.php?mode=reply&f=%d&t=%d" % (t["board"], t["id"])

    def profile(self, p_or_name):
        name = p_or_name if isinstance(p_or_name, str) else p_or_name["author"]
        if not isinstance(p_or_name, str) and p_or_name["guest"]:
            return '<span class="username">%s</span>' % esc(name)
        u = self.fx.users.get(name)
        return ('<a href="./memberlist.php?mode=viewprofile&amp;u=%d" class="username">%s</a>'
                % (u["id"] if u else 1, esc(name)))

    # dates

    def fmt_date(self, ts, relative=True):
        """The board's date format with relative days ("|D M d, Y|, g:i a"),
        which also prints "x minutes ago" in the first hour."""
        d = self.fx.local(ts)
        c = self.L.code
        if relative and self.fx.relative_dates and -60 < self.fx.now() - ts < 3600:
            mins = int(max(0, self.fx.now() - ts) // 60)
            if mins == 0:
                return self.t("less than a minute ago")
            return self.t("1 minute ago") if mins == 1 else self.t("%d minutes ago") % mins
        day = self.fx.day_word(ts) if relative else None
        if c == "en":
            h, ap = h12(d)
            tm = "%d:%02d %s" % (h, d.minute, ap.lower())
            if day:
                return "%s, %s" % (day, tm)
            return "%s %s %02d, %d %s" % (self.L.days_abbr[d.weekday()], self.L.months_abbr[d.month - 1],
                                          d.day, d.year, tm)
        tm = d.strftime("%H:%M")
        if day:
            return "%s, %s" % (day, tm)
        sep = ". " if c == "de" else " "
        return "%s %d%s%s %d, %s" % (self.L.days_abbr[d.weekday()], d.day, sep,
                                      self.L.months_abbr[d.month - 1], d.year, tm)

    def time_html(self, ts):
        return '<time datetime="%s">%s</time>' % (self.iso(ts), self.fmt_date(ts))

    # session and tokens

    def session(self, req):
        fx = self.fx
        sid = req.cookies.get(self.COOKIE + "sid")
        from_cookie = sid is not None
        if not sid or sid not in fx.sessions:
            sid = req.q("sid") or req.f("sid")
            from_cookie = False
        s = fx.sessions.get(sid) if sid else None
        if s is not None:
            req.sid, req.sid_from_cookie = sid, from_cookie
            req.user = fx.users.get(s["user"]) if s["user"] else None
            if not from_cookie:
                req.set_cookies.append((self.COOKIE + "sid", sid, None))
            return
        name = fx.remember.get(req.cookies.get(self.COOKIE + "k") or "-")
        if name and str(fx.users[name]["id"]) == req.cookies.get(self.COOKIE + "u"):
            req.user = fx.users[name]
        req.sid = fx.new_session(req.user["name"] if req.user else None)
        req.set_cookies.append((self.COOKIE + "u", str(req.user["id"] if req.user else 1), 31536000))
        req.set_cookies.append((self.COOKIE + "k", "", 31536000))
        req.set_cookies.append((self.COOKIE + "sid", req.sid, 31536000))

    def form_key(self, req, name):
        t = int(self.fx.now())
        salt = req.user["salt"] if req.user else "guestsalt"
        sid = "" if req.user else req.sid
        tok = hashlib.sha1(("%d%s%s%s" % (t, salt, name, sid)).encode()).hexdigest()
        return ('<input type="hidden" name="creation_time" value="%d" />\n'
                '<input type="hidden" name="form_token" value="%s" />\n' % (t, tok))

    def form_ok(self, req, name, min_age=0):
        try:
            t = int(req.f("creation_time"))
        except ValueError:
            return False
        salt = req.user["salt"] if req.user else "guestsalt"
        sid = "" if req.user else req.sid
        good = hashlib.sha1(("%d%s%s%s" % (t, salt, name, sid)).encode()).hexdigest()
        age = self.fx.now() - t
        return good == req.f("form_token") and min_age <= age <= self.FORM_LIFETIME

    def handle(self, req):
        self.session(req)
        r = self.serve_attachment(req)
        if r is None:
            r = self.route(req)
        if not req.sid_from_cookie and req.sid and isinstance(r.body, str) and r.ctype.startswith("text/html"):
            sid = req.sid
            # append_sid(): a browser that sent no session cookie gets the sid in every link
            r.body = re.sub(r'(href|action)="(\./[a-z_]+\.php)(\?[^"#]*)?(#[^"]*)?"',
                            lambda m: '%s="%s%s%ssid=%s%s"' % (m.group(1), m.group(2), m.group(3) or "",
                                                             "&amp;" if m.group(3) else "?", sid,
                                                             m.group(4) or ""), r.body)
        return r

    # routing

    def route(self, req):
        p = req.path
        if p in ("/", "/index.php"):
            return self.page_index(req)
        if p == "/viewforum.php":
            per = self.fx.threads_per_page
            return self.page_board(req, req.qint("f"), req.qint("start") // per + 1)
        if p == "/viewtopic.php":
            per = self.fx.posts_per_page
            if req.qint("p"):
                t, i = self.post_index(req.qint("p"))
                if t is None:
                    return self.message(req, self.ERRORS["no_post"], 404)
                return self.page_thread(req, t["id"], i // per + 1, req.q("view") == "print")
            return self.page_thread(req, req.qint("t"), req.qint("start") // per + 1, req.q("view") == "print")
        if p == "/ucp.php":
            mode = req.q("mode")
            if mode == "login":
                if req.method == "POST":
                    return self.do_login(req)
                return self.page_login(req)
            if mode == "logout":
                self.fx.sessions.pop(req.sid, None)
                req.user = None
                req.sid = self.fx.new_session()
                req.set_cookies += [(self.COOKIE + "sid", req.sid, None), (self.COOKIE + "u", "1", 31536000),
                                    (self.COOKIE + "k", "", 31536000)]
                return self.message(req, "You have been successfully logged out.", refresh="./index.php")
            return self.page_login(req)
        if p == "/posting.php":
            return self.posting(req)
        r = self.route_feed(req)
        if r is not None:
            return r
        return self.message(req, "The requested page could not be found.", 404, title="General Error")

    def route_feed(self, req):
        m = re.match(r"^/app\.php/feed(?:/(topic|forum)/(\d+)|/(forums|topics|news|topics_new|topics_active))?/?$",
                     req.path)
        if m:
            return self.feed(req, m.group(1), int(m.group(2) or 0))
        return None

    # shell

    def head(self, req, title, extra=""):
        fx = self.fx
        return """<!DOCTYPE html>
<html dir="ltr" lang="%s">
<head>
<meta charset="utf-8" />
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>%s</title>
<link rel="alternate" type="application/atom+xml" title="Feed - %s" href="%s/app.php/feed">
%s<link href="./assets/css/font-awesome.min.css?assets_version=24" rel="stylesheet">
<link href="./styles/prosilver/theme/stylesheet.css?assets_version=24" rel="stylesheet">
<link href="./styles/prosilver/theme/%s/stylesheet.css?assets_version=24" rel="stylesheet">
</head>
<body id="phpbb" class="nojs notouch section-%s ltr ">
""" % ("en-gb" if self.L.code == "en" else self.L.code, esc(title), esc(fx.title), fx.url, extra,
       "en" if self.L.code == "en" else self.L.code, req.path.strip("/").split(".")[0] or "index")

    def header(self, req, crumbs):
        fx = self.fx
        if req.user is None:
            account = ('\t\t<li class="rightside"  data-skip-responsive="true">\n\t\t\t<a href="./ucp.php?mode=login" '
                       'title="%s" accesskey="x" role="menuitem">\n\t\t\t\t<i class="icon fa-power-off fa-fw" '
                       'aria-hidden="true"></i><span>%s</span>\n\t\t\t</a>\n\t\t</li>\n'
                       '\t\t<li class="rightside"  data-skip-responsive="true">\n\t\t\t<a href="./ucp.php?mode=register" '
                       'role="menuitem">\n\t\t\t\t<i class="icon fa-pencil-square-o  fa-fw" aria-hidden="true"></i>'
                       '<span>Register</span>\n\t\t\t</a>\n\t\t</li>\n' % (self.t("Login"), self.t("Login")))
        else:
            account = ('\t\t<li id="username_logged_in" class="rightside  no-bulletin" data-skip-responsive="true">\n'
                       '\t\t\t<div class="header-profile dropdown-container">\n\t\t\t\t<a href="./ucp.php" '
                       'class="header-avatar dropdown-trigger"> <span class="username">%s</span></a>\n'
                       '\t\t\t\t<div class="dropdown">\n\t\t\t\t\t<ul class="dropdown-contents" role="menu">\n'
                       '\t\t\t\t\t\t<li><a href="./ucp.php?mode=logout" title="Logout" accesskey="x" '
                       'role="menuitem"><i class="icon fa-power-off fa-fw" aria-hidden="true"></i>'
                       '<span>Logout</span></a></li>\n\t\t\t\t\t</ul>\n\t\t\t\t</div>\n\t\t\t</div>\n\t\t</li>\n'
                       % esc(req.user["name"]))
        crumb_html = ['\t\t\t\t<span class="crumb"  itemtype="https://schema.org/ListItem" itemprop="itemListElement" '
                      'itemscope><a href="./index.php" itemtype="https://schema.org/Thing" itemscope itemprop="item" '
                      'accesskey="h" data-navbar-reference="index"><i class="icon fa-home fa-fw"></i><span '
                      'itemprop="name">%s</span></a><meta itemprop="position" content="1" /></span>\n'
                      % self.t("Board index")]
        for i, b in enumerate(crumbs):
            crumb_html.append('\t\t\t\t<span class="crumb"  itemtype="https://schema.org/ListItem" '
                              'itemprop="itemListElement" itemscope data-forum-id="%d"><a href="%s" '
                              'itemtype="https://schema.org/Thing" itemscope itemprop="item"><span '
                              'itemprop="name">%s</span></a><meta itemprop="position" content="%d" /></span>\n'
                              % (b["id"], esc(self.board_link(b)), esc(b["name"]), i + 2))
        return """<div id="wrap" class="wrap">
	<a id="top" class="top-anchor" accesskey="t"></a>
	<div id="page-header">
		<div class="headerbar" role="banner">
			<div class="inner">
			<div id="site-description" class="site-description">
				<a id="logo" class="logo" href="./index.php" title="%s"><span class="site_logo"></span></a>
				<h1>%s</h1>
				<p>A fixture board</p>
				<p class="skiplink"><a href="#start_here">Skip to content</a></p>
			</div>
			<div id="search-box" class="search-box search-header" role="search">
				<form action="./search.php" method="get" id="search">
				<fieldset>
					<input name="keywords" id="keywords" type="search" maxlength="128" title="Search for keywords" class="inputbox search tiny" size="20" value="" placeholder="Search…" />
					<button class="button button-search" type="submit" title="Search"><i class="icon fa-search fa-fw" aria-hidden="true"></i><span class="sr-only">Search</span></button>
				</fieldset>
				</form>
			</div>
			</div>
		</div>
		<div class="navbar" role="navigation">
	<div class="inner">
	<ul id="nav-main" class="nav-main linklist" role="menubar">
		<li id="quick-links" class="quick-links dropdown-container responsive-menu" data-skip-responsive="true">
			<a href="#" class="dropdown-trigger"><i class="icon fa-bars fa-fw" aria-hidden="true"></i><span>Quick links</span></a>
			<div class="dropdown">
				<ul class="dropdown-contents" role="menu">
					<li><a href="./search.php?search_id=unanswered" role="menuitem"><i class="icon fa-file-o fa-fw icon-gray" aria-hidden="true"></i><span>Unanswered topics</span></a></li>
					<li><a href="./search.php?search_id=active_topics" role="menuitem"><i class="icon fa-file-o fa-fw icon-blue" aria-hidden="true"></i><span>Active topics</span></a></li>
				</ul>
			</div>
		</li>
		<li data-skip-responsive="true">
			<a href="/app.php/help/faq" rel="help" title="Frequently Asked Questions" role="menuitem"><i class="icon fa-question-circle fa-fw" aria-hidden="true"></i><span>FAQ</span></a>
		</li>
%s	</ul>
	<ul id="nav-breadcrumbs" class="nav-breadcrumbs linklist navlinks" role="menubar">
		<li class="breadcrumbs" itemscope itemtype="https://schema.org/BreadcrumbList">
%s		</li>
	</ul>
	</div>
</div>
	</div>
	<a id="start_here" class="anchor"></a>
	<div id="page-body" class="page-body" role="main">
""" % (self.t("Board index"), esc(fx.title), account, "".join(crumb_html))

    def footer(self, req):
        tz = self.fx.tz_name if isinstance(self.fx.tz_name, str) else "UTC%+g" % self.fx.tz_name
        return """	</div>
<div id="page-footer" class="page-footer" role="contentinfo">
	<div class="navbar" role="navigation">
	<div class="inner">
	<ul id="nav-footer" class="nav-footer linklist" role="menubar">
		<li class="breadcrumbs">
			<span class="crumb"><a href="./index.php" data-navbar-reference="index"><i class="icon fa-home fa-fw" aria-hidden="true"></i><span>%s</span></a></span>
		</li>
		<li class="rightside">All times are <span title="%s">%s</span></li>
		<li class="rightside"><a href="./ucp.php?mode=delete_cookies" data-ajax="true" data-refresh="true" role="menuitem"><i class="icon fa-trash fa-fw" aria-hidden="true"></i><span>Delete cookies</span></a></li>
	</ul>
	</div>
</div>
	<div class="copyright">
		<p class="footer-row">
			<span class="footer-copyright">Powered by <a href="https://www.phpbb.com/">phpBB</a>&reg; Forum Software &copy; phpBB Limited</span>
		</p>
		<p class="footer-row" role="menu">
			<a class="footer-link" href="./ucp.php?mode=privacy" title="Privacy" role="menuitem"><span class="footer-link-text">Privacy</span></a>
			|
			<a class="footer-link" href="./ucp.php?mode=terms" title="Terms" role="menuitem"><span class="footer-link-text">Terms</span></a>
		</p>
	</div>
	<div id="darkenwrapper" class="darkenwrapper" data-ajax-error-title="AJAX error" data-ajax-error-text="Something went wrong when processing your request.">
		<div id="darken" class="darken">&nbsp;</div>
	</div>
</div>
</div>
<div>
	<a id="bottom" class="anchor" accesskey="z"></a>
	<img src="./cron.php?cron_type=cron.task.core.tidy_sessions" width="1" height="1" alt="cron" />
</div>
</body>
</html>
""" % (self.t("Board index"), esc(tz), esc(tz))

    def page(self, req, title, crumbs, content, extra_head=""):
        return Resp(200, self.head(req, title, extra_head) + self.header(req, crumbs) + content +
                    self.footer(req))

    def message(self, req, text, status=200, title="Information", refresh=None):
        extra = '<meta http-equiv="refresh" content="3; url=%s" />\n' % esc(refresh) if refresh else ""
        body = """<div class="panel" id="message">
	<div class="inner">
	<h2 class="message-title">%s</h2>
	<p>%s</p>
	</div>
</div>
""" % (title, text)
        r = self.page(req, "%s - %s" % (self.fx.title, title), [], body, extra)
        r.status = status
        return r

    def captcha_html(self):
        cid = hashlib.md5(os.urandom(8)).hexdigest()
        self.captchas[cid] = cid[:6].upper()
        return """		<dl>
			<dt><label for="confirm_code">Confirmation code:</label><br /><span>Please enter the code exactly as it appears in the image, it is case insensitive.</span></dt>
			<dd><img src="./ucp.php?mode=confirm&amp;confirm_id=%s&amp;type=1" alt="Confirmation code" /></dd>
			<dd><input type="text" name="confirm_code" id="confirm_code" size="8" maxlength="8" tabindex="3" class="inputbox narrow" title="Confirmation code" />
			<input type="hidden" name="confirm_id" id="confirm_id" value="%s" /></dd>
		</dl>
""" % (cid, cid)

    def login_form(self, req, error="", explain="", redirect="./index.php", captcha=False, username=""):
        return """<form action="./ucp.php?mode=login" method="post" id="login" data-focus="username">
<div class="panel">
	<div class="inner">
	<div class="content">
		<h2 class="login-title">%s</h2>
		%s
		<fieldset class="fields1">
		%s
		<dl>
			<dt><label for="username">Username:</label></dt>
			<dd><input type="text" tabindex="1" name="username" id="username" size="25" value="%s" class="inputbox autowidth" /></dd>
		</dl>
		<dl>
			<dt><label for="password">Password:</label></dt>
			<dd><input type="password" tabindex="2" id="password" name="password" size="25" class="inputbox autowidth" autocomplete="off" /></dd>
			<dd><a href="/app.php/user/forgot_password">I forgot my password</a></dd>
		</dl>
%s		<dl>
			<dd><label for="autologin"><input type="checkbox" name="autologin" id="autologin" tabindex="4" /> Remember me</label></dd>
			<dd><label for="viewonline"><input type="checkbox" name="viewonline" id="viewonline" tabindex="5" /> Hide my online status this session</label></dd>
		</dl>
		%s
		<dl>
			<dt>&nbsp;</dt>
			<dd><input type="hidden" name="sid" value="%s" />
<input type="hidden" name="redirect" value="%s" />
<input type="submit" name="login" tabindex="6" value="Login" class="button1" /></dd>
		</dl>
		</fieldset>
	</div>
	</div>
</div>
</form>
""" % (self.t("Login"), ('<p>%s</p>' % explain) if explain else "",
       ('<div class="error">%s</div>' % error) if error else "", esc(username),
       self.captcha_html() if captcha else "", self.form_key(req, "login") if self.check_login_token else "",
       req.sid, esc(redirect))

    def login_box(self, req, explain, status=200):
        redirect = "./" + req.path.lstrip("/") + ("?" + req.raw_query if req.raw_query else "")
        r = self.page(req, "%s - %s" % (self.fx.title, self.t("Login")), [],
                      self.login_form(req, explain=explain, redirect=redirect,
                                      captcha=self.fx.require_captcha))
        r.status = status
        return r

    def no_permission(self, req):
        if req.user is None:
            return self.login_box(req, self.ERRORS["login_view"])
        return self.message(req, self.ERRORS["auth_read"])

    def captcha_needed(self, name):
        """require_captcha: the board already wants the CAPTCHA (as phpBB does once
        max_login_attempts failed for the address); else after that many failures."""
        return self.fx.require_captcha or self.fx.login_failures.get(name, 0) >= self.fx.max_login_attempts

    def page_login(self, req, error="", username=""):
        captcha = self.captcha_needed(username)
        return self.page(req, "%s - %s" % (self.fx.title, self.t("Login")), [],
                         self.login_form(req, error=error, redirect=req.q("redirect") or "./index.php",
                                         captcha=captcha, username=username))

    def do_login(self, req):
        fx = self.fx
        name = req.f("username")
        if self.check_login_token and not self.form_ok(req, "login"):
            return self.page_login(req, self.ERRORS["form"], name)
        fails = fx.login_failures.get(name, 0)
        if self.captcha_needed(name):
            cid = req.f("confirm_id")
            if not cid or self.captchas.get(cid) != req.f("confirm_code").upper():
                fx.login_failures[name] = fails + 1
                return self.page_login(req, self.ERRORS["attempts"] if not req.f("confirm_code")
                                       else self.ERRORS["captcha"], name)
        u = fx.check_password(name, req.f("password"))
        if not u:
            fx.login_failures[name] = fails + 1
            err = self.ERRORS["baduser"] if u is None else self.ERRORS["badpass"]
            if fails + 1 == fx.max_login_attempts:
                err = self.ERRORS["attempts"]
            return self.page_login(req, err, name)
        fx.login_failures.pop(name, None)
        fx.sessions.pop(req.sid, None)
        req.user = u
        req.sid = fx.new_session(u["name"])
        req.sid_from_cookie = False
        req.set_cookies.append((self.COOKIE + "sid", req.sid, 31536000))
        req.set_cookies.append((self.COOKIE + "u", str(u["id"]), 31536000))
        if req.f("autologin"):
            key = hashlib.md5((u["salt"] + str(time.time())).encode()).hexdigest()[:16]
            fx.remember[key] = u["name"]
            req.set_cookies.append((self.COOKIE + "k", key, 31536000))
        redirect = req.f("redirect") or "./index.php"
        return self.message(req, "You have been successfully logged in.<br /><br /><a href=\"%s\">Return to "
                            "the previous page</a>" % esc(redirect), refresh=redirect)

    check_login_token = True

    # pagination

    def pagination(self, total, per, cur, link, noun):
        n = self.npages(total, per)
        count = self.t("1 %s" % noun) if total == 1 else self.t("%%d %ss" % noun) % total
        if n <= 1:
            return ('<div class="pagination">\n\t\t\t%s\n\t\t\t\t\t\t&bull; Page <strong>1</strong> of '
                    '<strong>1</strong>\n\t\t\t\t\t</div>' % count)
        items = ['\t<li class="dropdown-container dropdown-button-control dropdown-page-jump page-jump">\n'
                 '\t\t<a class="button button-icon-only dropdown-trigger" href="#" title="Click to jump to page…" '
                 'role="button"><i class="icon fa-level-down fa-rotate-270" aria-hidden="true"></i><span>%d of %d'
                 '</span></a>\n\t</li>\n' % (cur, n)]
        if cur > 1:
            items.append('\t<li class="arrow previous"><a class="button button-icon-only" href="%s" rel="prev" '
                         'role="button"><i class="icon fa-chevron-left fa-fw" aria-hidden="true"></i><span '
                         'class="sr-only">Previous</span></a></li>\n' % esc(link(cur - 1)))
        shown = sorted({1, n} | set(window(cur, n, 2)))
        prev = 0
        for p in shown:
            if p - prev > 1:
                items.append('\t<li class="ellipsis" role="separator"><span>…</span></li>\n')
            if p == cur:
                items.append('\t<li class="active"><span>%d</span></li>\n' % p)
            else:
                items.append('\t<li><a class="button" href="%s" role="button">%d</a></li>\n' % (esc(link(p)), p))
            prev = p
        if cur < n:
            items.append('\t<li class="arrow next"><a class="button button-icon-only" href="%s" rel="next" '
                         'role="button"><i class="icon fa-chevron-right fa-fw" aria-hidden="true"></i><span '
                         'class="sr-only">Next</span></a></li>\n' % esc(link(cur + 1)))
        return '<div class="pagination">\n\t\t\t%s\n\t<ul>\n%s\t</ul>\n\t\t\t\t\t</div>' % (count, "".join(items))

    # index

    def link_row(self, b):
        return """		<li class="row">
			<dl class="row-item forum_link">
				<dt title="No unread posts">
					<div class="list-inner">
						<a href="%s" class="forumtitle">%s</a>
						<br />%s
					</div>
				</dt>
				<dd class="redirect"><span>Redirects: 0</span></dd>
			</dl>
		</li>
""" % (esc(self.board_link(b)), esc(b["name"]), esc(b["description"]))

    def forumrow(self, req, b):
        fx = self.fx
        if b.get("link"):
            return self.link_row(b)
        nt, np_, last = self.stats(req, b["id"])
        kids = [c for c in fx.children(b["id"]) if c in self.boards_visible(req)]
        subs = ""
        if kids:
            subs = "\n\t\t\t\t\t\t\t<br /><strong>Subforum:</strong> " + ", ".join(
                '<a href="%s" class="subforum read" title="No unread posts"><i class="icon fa-file-o fa-fw  '
                'icon-blue icon-md" aria-hidden="true"></i>%s</a>' % (esc(self.board_link(c)), esc(c["name"]))
                for c in kids)
        lp = '<span>No posts<br />&nbsp;</span>'
        if last is not None:
            lt = fx.threads[last["thread"]]
            subj = ("" if lt["posts"][0] == last["id"] else "Re: ") + lt["title"]
            lp = ('<span>\n\t\t\t\t\t\t\t<dfn>%s</dfn>\n\t\t\t\t\t\t\t<a href="%s" title="%s" class="lastsubject">%s</a> '
                  '<br />\n\t\t\t\t\t\t\t%s %s\n\t\t\t\t\t\t\t<a href="%s" title="View the latest post"><i class="icon '
                  'fa-external-link-square fa-fw icon-lightgray icon-md" aria-hidden="true"></i><span class="sr-only">'
                  'View the latest post</span></a>\n\t\t\t\t\t\t\t<br />%s\n\t\t\t\t\t\t</span>'
                  % (self.t("Last post"), esc("./viewtopic.php?f=%d&p=%d#p%d" % (lt["board"], last["id"], last["id"])),
                     esc(subj), esc(subj), self.t("by"), self.profile(last),
                     esc("./viewtopic.php?f=%d&p=%d#p%d" % (lt["board"], last["id"], last["id"])),
                     self.time_html(last["date"])))
        return """		<li class="row">
			<dl class="row-item forum_read">
				<dt title="No unread posts">
					<div class="list-inner">
						<a href="%s" class="forumtitle">%s</a>
						<br />%s%s
					</div>
				</dt>
				<dd class="topics">%d <dfn>%s</dfn></dd>
				<dd class="posts">%d <dfn>%s</dfn></dd>
				<dd class="lastpost">
					%s
				</dd>
			</dl>
		</li>
""" % (esc(self.board_link(b)), esc(b["name"]), esc(b["description"]), subs, nt, self.t("Topics"), np_,
       self.t("Posts"), lp)

    def forabg(self, header_board, rows_html):
        head = ('<a href="%s">%s</a>' % (esc(self.board_link(header_board)), esc(header_board["name"]))
                if header_board else self.t("Forums"))
        return """<div class="forabg">
	<div class="inner">
	<ul class="topiclist">
		<li class="header">
			<dl class="row-item">
				<dt><div class="list-inner">%s</div></dt>
				<dd class="topics">%s</dd>
				<dd class="posts">%s</dd>
				<dd class="lastpost"><span>%s</span></dd>
			</dl>
		</li>
	</ul>
	<ul class="topiclist forums">
%s	</ul>
	</div>
</div>
""" % (head, self.t("Topics"), self.t("Posts"), self.t("Last post"), rows_html)

    def page_index(self, req):
        fx = self.fx
        vis = self.boards_visible(req)
        out = []
        leaves = []
        for b in [b for b in vis if b["parent"] is None]:
            kids = [c for c in fx.children(b["id"]) if c in vis]
            if kids:
                if leaves:
                    out.append(self.forabg(None, "".join(self.forumrow(req, x) for x in leaves)))
                    leaves = []
                out.append(self.forabg(b, "".join(self.forumrow(req, c) for c in kids)))
            else:
                leaves.append(b)
        if leaves:
            out.append(self.forabg(None, "".join(self.forumrow(req, x) for x in leaves)))
        body = ('<p class="right responsive-center time">It is currently %s</p>\n' % self.fmt_date(fx.now(), False) +
                "".join(out) +
                '<div class="stat-block online-list">\n\t<h3>Who is online</h3>\n\t<p>In total there is '
                '<strong>1</strong> user online</p>\n</div>\n<div class="stat-block statistics">\n\t<h3>Statistics'
                '</h3>\n\t<p>Total posts <strong>%d</strong> &bull; Total topics <strong>%d</strong> &bull; Total '
                'members <strong>%d</strong></p>\n</div>\n' % (sum(len(t["posts"]) for t in fx.threads.values()),
                                                                len(fx.threads), len(fx.users)))
        return self.page(req, "%s - %s" % (fx.title, self.t("Board index")), [], body)

    # viewforum

    def topicrow(self, req, t, k):
        fx = self.fx
        first, last = fx.tpost(t, 0), fx.last_post(t)
        if t.get("moved_to"):
            # a shadow topic: linked to the real one, no counts
            target = fx.threads[t["moved_to"]]
            return """		<li class="row bg%d">
			<dl class="row-item topic_moved">
				<dt title="Moved topic">
					<div class="list-inner">
						<a href="%s" class="topictitle">%s</a>
						<br />
						<div class="topic-poster responsive-hide left-box">
							%s %s &raquo; %s
						</div>
					</div>
				</dt>
				<dd class="posts">- <dfn>%s</dfn></dd>
				<dd class="views">- <dfn>%s</dfn></dd>
				<dd class="lastpost"><span><dfn>%s </dfn>%s %s<br />%s</span></dd>
			</dl>
		</li>
""" % (k % 2 + 1, esc(self.thread_link(target)), esc(t["title"]), self.t("by"), self.profile(first),
       self.time_html(first["date"]), self.t("Replies"), self.t("Views"), self.t("Last post"), self.t("by"),
       self.profile(last), self.time_html(last["date"]))
        icon = ("sticky" if t["sticky"] else "topic") + "_read" + ("_locked" if t["closed"] else "")
        pages = self.npages(len(t["posts"]), fx.posts_per_page)
        pag = ""
        if pages > 1:
            pag = ('\t\t\t\t\t\t<div class="pagination">\n\t\t\t\t\t\t\t<span><i class="icon fa-clone fa-fw" '
                   'aria-hidden="true"></i></span>\n\t\t\t\t\t\t\t<ul>\n%s\t\t\t\t\t\t\t</ul>\n\t\t\t\t\t\t</div>\n'
                   % "".join('\t\t\t\t\t\t\t\t<li><a class="button" href="%s">%d</a></li>\n'
                             % (esc(self.thread_link(t, p)), p) for p in range(1, pages + 1)
                             if p <= 4 or p == pages))
        return """		<li class="row bg%d%s">
			<dl class="row-item %s">
				<dt title="No unread posts">
					<div class="list-inner">
						<a href="%s" class="topictitle">%s</a>
						<br />
						<div class="topic-poster responsive-hide left-box">
							%s %s &raquo; %s
						</div>
%s					</div>
				</dt>
				<dd class="posts">%d <dfn>%s</dfn></dd>
				<dd class="views">%d <dfn>%s</dfn></dd>
				<dd class="lastpost">
					<span><dfn>%s </dfn>%s %s
						<a href="%s" title="Go to last post"><i class="icon fa-external-link-square fa-fw icon-lightgray icon-md" aria-hidden="true"></i><span class="sr-only"></span></a>
						<br />%s
					</span>
				</dd>
			</dl>
		</li>
""" % (k % 2 + 1, " sticky" if t["sticky"] else "", icon, esc(self.thread_link(t)), esc(t["title"]),
       self.t("by"), self.profile(first), self.time_html(first["date"]), pag, len(t["posts"]) - 1,
       self.t("Replies"), t["views"] or len(t["posts"]) * 10, self.t("Views"), self.t("Last post"),
       self.t("by"), self.profile(last),
       esc("./viewtopic.php?f=%d&t=%d&p=%d#p%d" % (t["board"], t["id"], last["id"], last["id"])),
       self.time_html(last["date"]))

    def page_board(self, req, bid, page):
        fx = self.fx
        b = fx.boards.get(bid)
        if b is None:
            return self.message(req, self.ERRORS["no_board"], 404)
        if b.get("link"):
            return Resp(302, "", headers={"Location": b["link"]})
        if not self.can_read(req, bid):
            return self.login_box(req, self.ERRORS["login_view"])
        ids = self.visible_threads(req, bid)
        per = fx.threads_per_page
        n = self.npages(len(ids), per)
        page = max(1, min(page, n))
        chunk = [fx.threads[i] for i in ids[(page - 1) * per: page * per]]
        kids = [c for c in fx.children(bid) if c in self.boards_visible(req)]
        subs = self.forabg(None, "".join(self.forumrow(req, c) for c in kids)) if kids else ""
        pag = self.pagination(len(ids), per, page, lambda p: self.board_link(b, p), "topic")
        rows = "".join(self.topicrow(req, t, k) for k, t in enumerate(chunk))
        body = """<h2 class="forum-title"><a href="%s">%s</a></h2>
<div>
	<div style="display: none !important;">%s<br /></div>
</div>
%s<div class="action-bar bar-top">
	<a href="./posting.php?mode=post&amp;f=%d" class="button" title="Post a new topic">
		<span>New Topic</span> <i class="icon fa-pencil fa-fw" aria-hidden="true"></i>
	</a>
	%s
</div>
	<div class="forumbg">
		<div class="inner">
		<ul class="topiclist">
			<li class="header">
				<dl class="row-item">
					<dt><div class="list-inner">%s</div></dt>
					<dd class="posts">%s</dd>
					<dd class="views">%s</dd>
					<dd class="lastpost"><span>%s</span></dd>
				</dl>
			</li>
		</ul>
		<ul class="topiclist topics">
%s		</ul>
		</div>
	</div>
<div class="action-bar bar-bottom">
	%s
</div>
""" % (esc(self.board_link(b)), esc(b["name"]), esc(b["description"]), subs, bid, pag, self.t("Topics"),
       self.t("Replies"), self.t("Views"), self.t("Last post"), rows, pag)
        return self.page(req, "%s - %s" % (fx.title, b["name"]), fx.board_chain(bid), body)

    # viewtopic

    ATTACH_RE = r"^/download/file\.php\?(?:.*&)?id=(\d+)"

    def attachment_link(self, a):
        return "./download/file.php?id=%d" % a["id"]

    def attach_block(self, p):
        atts = self.attachments_of(p)
        if not atts:
            return ""
        items = []
        for a in atts:
            info = "%s (%s) %s 0 times" % (esc(a["name"]), self.size_text(a["size"], "KiB"),
                                           "Viewed" if self.is_image(a) else "Downloaded")
            if self.is_image(a):
                items.append('\t\t\t\t\t<dl class="file">\n\t\t\t\t\t\t<dt class="attach-image"><img class="postimage" '
                             'src="%s" alt="%s" onclick="viewableArea(this);" title="%s" /></dt>\n\t\t\t\t\t\t<dd>%s</dd>'
                             '\n\t\t\t\t\t</dl>\n' % (esc(self.attachment_link(a)), esc(a["name"]), info, info))
            else:
                items.append('\t\t\t\t\t<dl class="file">\n\t\t\t\t\t\t<dt><i class="icon fa-paperclip fa-fw" '
                             'aria-hidden="true"></i> <a class="postlink" href="%s">%s</a></dt>\n\t\t\t\t\t\t<dd>(%s) '
                             'Downloaded 0 times</dd>\n\t\t\t\t\t</dl>\n'
                             % (esc(self.attachment_link(a)), esc(a["name"]), self.size_text(a["size"], "KiB")))
        return ('\t\t\t<dl class="attachbox">\n\t\t\t\t<dt>\n\t\t\t\t\tAttachments\n\t\t\t\t</dt>\n\t\t\t\t<dd>\n%s'
                '\t\t\t\t</dd>\n\t\t\t</dl>\n' % "".join(items))

    def is_image(self, a):
        return a["name"].rsplit(".", 1)[-1].lower() in ("jpg", "jpeg", "png", "gif")

    def quote_html(self, q):
        return ('<blockquote><div><cite>%s <a href="./viewtopic.php?p=%d#p%d" data-post-id="%d" '
                'onclick="if(document.getElementById(hash.substr(1)))href=hash">↑</a><span class="responsive-hide">'
                '%s</span></cite>%s</div></blockquote>'
                % (self.t("%s wrote:") % (self.profile(q) if not q["guest"] else esc(q["author"])),
                   q["id"], q["id"], q["id"], self.fmt_date(q["date"]), q["body"]))

    def edit_notice(self, p):
        key = ("Last edited by %s on %s, edited %d time in total." if p["edits"] == 1
               else "Last edited by %s on %s, edited %d times in total.")
        text = self.t(key) % (self.profile(p["edited_by"]), self.time_html(p["edited_date"]), p["edits"])
        if p["edit_reason"]:
            text += "<br />\n\t\t\t\t\t<strong>Reason:</strong> %s" % esc(p["edit_reason"])
        return '\t\t\t\t\t<div class="notice">\n\t\t\t\t\t%s\n\t\t\t\t\t</div>\n' % text

    def deleted_notice(self, p):
        return ('\t\t\t<div class="ignore" id="post_hidden%d">\n\t\t\t\tThis post was deleted by %s on %s.<br />\n'
                '\t\t\t\t<a class="display_post" data-post-id="%d" href="./viewtopic.php?p=%d&amp;view=show#p%d">Display '
                'this post</a>\n\t\t\t</div>\n' % (p["id"], self.profile(p["deleted_by"]), self.time_html(p["deleted_date"]),
                                                     p["id"], p["id"], p["id"]))

    def postrow(self, req, t, p, n):
        fx = self.fx
        if p["deleted"]:
            row = PhpBB3.postrow(self, req, t, dict(p, deleted=False), n)
            row = row.replace('class="post has-profile bg', 'class="post has-profile deleted bg', 1)
            row = row.replace('<div id="post_content%d">' % p["id"],
                              self.deleted_notice(p) + '\t\t\t<div id="post_content%d" style="display: none;">' % p["id"], 1)
            return row
        u = None if p["guest"] else fx.users.get(p["author"])
        q = self.quoted(p)
        sig = fx.signature_of(p)
        subj = ("" if n == 1 else "Re: ") + t["title"]
        if u:
            profile = """		<dl class="postprofile" id="profile%d">
			<dt class="has-profile-rank no-avatar">
				<div class="avatar-container">
				</div>
				<a href="./memberlist.php?mode=viewprofile&amp;u=%d" class="username">%s</a>
			</dt>
			<dd class="profile-rank">%s</dd>
		<dd class="profile-posts"><strong>Posts:</strong> <a href="./search.php?author_id=%d&amp;sr=posts">%d</a></dd>
		<dd class="profile-joined"><strong>Joined:</strong> %s</dd>
		</dl>
""" % (p["id"], u["id"], esc(p["author"]), esc(u["title"]), u["id"], u["id"] * 7, self.fmt_date(u["joined"], False))
        else:
            profile = """		<dl class="postprofile" id="profile%d">
			<dt class="no-profile-rank no-avatar">
				<div class="avatar-container">
				</div>
				<span class="username">%s</span>
			</dt>
		</dl>
""" % (p["id"], esc(p["author"]))
        return """		<div id="p%d" class="post has-profile bg%d">
		<div class="inner">
%s
		<div class="postbody">
			<div id="post_content%d">
			<h3 %s><a href="./viewtopic.php?p=%d#p%d">%s</a></h3>
				<ul class="post-buttons">
					<li>
						<a href="./posting.php?mode=quote&amp;p=%d" title="Reply with quote" class="button button-icon-only">
							<i class="icon fa-quote-left fa-fw" aria-hidden="true"></i><span class="sr-only">Quote</span>
						</a>
					</li>
				</ul>
			<p class="author">
				<a class="unread" href="./viewtopic.php?p=%d#p%d" title="Post">
					<i class="icon fa-file fa-fw icon-lightgray icon-md" aria-hidden="true"></i><span class="sr-only">Post</span>
				</a>
				<span class="responsive-hide">%s <strong>%s</strong> &raquo; </span>%s
			</p>
			<div class="content">%s%s</div>
%s%s%s			</div>
		</div>
		<div class="back2top">
			<a href="#top" class="top" title="Top">
				<i class="icon fa-chevron-circle-up fa-fw icon-gray" aria-hidden="true"></i>
				<span class="sr-only">Top</span>
			</a>
		</div>
		</div>
	</div>
	<hr class="divider" />
""" % (p["id"], 2 if n % 2 else 1, profile, p["id"], 'class="first"' if n == 1 else "", p["id"], p["id"],
       esc(subj), p["id"], p["id"], p["id"], self.t("by"), self.profile(p), self.time_html(p["date"]),
       self.quote_html(q) if q else "", p["body"], self.attach_block(p), self.edit_notice(p) if p["edits"] else "",
       ('\t\t\t<div id="sig%d" class="signature">%s</div>\n' % (p["id"], sig)) if sig else "")

    def page_thread(self, req, tid, page, printview=False):
        fx = self.fx
        t = self.thread_for(tid)
        if t is None:
            return self.message(req, self.ERRORS["no_thread"], 404)
        if not self.can_read(req, t["board"]):
            return self.login_box(req, self.ERRORS["login_view"])
        per = fx.posts_per_page
        ids = self.visible_ids(req, t)
        total = len(ids)
        n = self.npages(total, per)
        page = max(1, min(page, n))
        start = (page - 1) * per
        posts = [fx.post(ids[i]) for i in range(start, min(start + per, total))]
        if printview:
            return self.page_print(req, t, posts, page, n)
        rows = "".join(self.postrow(req, t, p, start + k + 1) for k, p in enumerate(posts))
        pag = self.pagination(total, per, page, lambda pg: self.thread_link(t, pg), "post")
        if t["closed"]:
            button = ('<a href="./posting.php?mode=reply&amp;f=%d&amp;t=%d" class="button" title="%s">\n'
                      '\t\t\t<span>Locked</span> <i class="icon fa-lock fa-fw" aria-hidden="true"></i>\n\t\t</a>'
                      % (t["board"], tid, self.ERRORS["closed"]))
        else:
            button = ('<a href="./posting.php?mode=reply&amp;f=%d&amp;t=%d" class="button" title="%s">\n'
                      '\t\t\t<span>Post Reply</span> <i class="icon fa-reply fa-fw" aria-hidden="true"></i>\n\t\t</a>'
                      % (t["board"], tid, self.t("Post a reply")))
        b = fx.boards[t["board"]]
        body = """<h2 class="topic-title"><a href="%s">%s</a></h2>
<div class="action-bar bar-top">
		%s
	<div class="dropdown-container dropdown-button-control topic-tools">
		<span title="Topic tools" class="button button-secondary dropdown-trigger dropdown-select"><i class="icon fa-wrench fa-fw" aria-hidden="true"></i></span>
		<div class="dropdown">
			<ul class="dropdown-contents">
				<li><a href="%s&amp;view=print" title="Print view" accesskey="p"><i class="icon fa-print fa-fw" aria-hidden="true"></i><span>Print view</span></a></li>
			</ul>
		</div>
	</div>
	%s
</div>
%s<div class="action-bar bar-bottom">
	%s
</div>
<div class="action-bar actions-jump">
	<p class="jumpbox-return">
		<a href="%s" class="left-box arrow-left" accesskey="r">
			<i class="icon fa-angle-left fa-fw icon-black" aria-hidden="true"></i><span>Return to “%s”</span>
		</a>
	</p>
</div>
<div class="stat-block online-list">
	<h3>Who is online</h3>
	<p>Users browsing this forum: No registered users and 1 guest</p>
</div>
""" % (esc(self.thread_link(t, page)), esc(t["title"]), button, esc(self.thread_link(t, page)), pag,
       rows, pag, esc(self.board_link(b)), esc(b["name"]))
        extra = ('<link rel="alternate" type="application/atom+xml" title="Feed - Topic - %s" href="%s/%s">\n'
                 '<link rel="canonical" href="%s/%s">\n'
                 % (esc(t["title"]), fx.url, self.feed_link(thread=tid), fx.url,
                    esc(self.thread_link(t, page)[2:])))
        return self.page(req, "%s - %s" % (t["title"], fx.title), fx.board_chain(t["board"]), body, extra)

    def page_print(self, req, t, posts, page, n):
        out = []
        for p in posts:
            q = self.quoted(p)
            out.append("""	<div class="post">
		<h3>%s</h3>
		<div class="date">Posted: <strong>%s</strong></div>
		<div class="author">by <strong>%s</strong></div>
		<div class="content">%s%s</div>
	</div>
	<hr />
""" % (esc(t["title"]), self.fmt_date(p["date"]), esc(p["author"]), self.quote_html(q) if q else "", p["body"]))
        body = """<!DOCTYPE html>
<html dir="ltr" lang="en-gb">
<head>
<meta charset="utf-8" />
<meta name="robots" content="noindex" />
<title>%s &bull; %s</title>
</head>
<body id="phpbb">
<div id="wrap" class="wrap">
	<div id="page-header">
		<h1>%s</h1>
		<p><a href="%s/index.php">%s/index.php</a></p>
		<h2>%s</h2>
	</div>
	<div id="page-body" class="page-body">
		<div class="page-number">Page <strong>%d</strong> of <strong>%d</strong></div>
%s	</div>
</div>
</body>
</html>""" % (esc(self.fx.title), esc(t["title"]), esc(self.fx.title), self.fx.url, self.fx.url,
              esc(t["title"]), page, n, "".join(out))
        return Resp(200, body)

    # posting

    def posting(self, req):
        fx = self.fx
        mode = req.q("mode")
        if mode == "quote" and req.qint("p"):
            t, _ = self.post_index(req.qint("p"))
            if t is None:
                return self.message(req, self.ERRORS["no_post"], 404)
            return self.posting_reply(req, t, quote=fx.post(req.qint("p")))
        if mode == "reply":
            t = self.thread_for(req.qint("t"))
            if t is None:
                return self.message(req, self.ERRORS["no_thread"], 404)
            return self.posting_reply(req, t)
        if mode == "post":
            b = fx.boards.get(req.qint("f"))
            if b is None:
                return self.message(req, self.ERRORS["no_board"], 404)
            return self.posting_new(req, b)
        return self.message(req, "No valid mode supplied.", 200, title="General Error")

    def editor(self, req, action, heading, subject, message, hidden, error):
        return """<h2 class="posting-title">%s</h2>
<form id="postform" method="post" action="%s" enctype="multipart/form-data">
<div class="panel" id="postingbox">
	<div class="inner">
	<h3>%s</h3>
	%s
	<fieldset class="fields1">
	<dl style="clear: left;">
		<dt><label for="subject">Subject:</label></dt>
		<dd><input type="text" name="subject" id="subject" size="45" maxlength="120" tabindex="2" value="%s" class="inputbox autowidth" /></dd>
	</dl>
	<div id="message-box" class="message-box">
		<textarea name="message" id="message" rows="15" cols="76" tabindex="4" onselect="storeCaret(this);" onclick="storeCaret(this);" onkeyup="storeCaret(this);" onfocus="initInsertions();" class="inputbox">%s</textarea>
	</div>
	</fieldset>
	</div>
</div>
<div class="panel bg2">
	<div class="inner">
	<fieldset class="submit-buttons">
		%s
		%s
		<input type="submit" tabindex="5" name="preview" value="Preview" class="button1" />&nbsp;
		<input type="submit" accesskey="s" tabindex="6" name="post" value="Submit" class="button1 default-submit-action" />&nbsp;
	</fieldset>
	</div>
</div>
</form>
""" % (heading, esc(action), self.t("Post a reply") if "reply" in action else "Post a new topic",
       ('<p class="error">%s</p>' % error) if error else "", esc(subject), esc(message),
       "".join('<input type="hidden" name="%s" value="%s" />\n\t\t' % (k, esc(v)) for k, v in hidden),
       self.form_key(req, "posting"))

    def posting_reply(self, req, t, quote=None):
        fx = self.fx
        if req.user is None:
            return self.login_box(req, self.ERRORS["login_reply"])
        if not self.can_read(req, t["board"]):
            return self.message(req, self.ERRORS["auth_read"])
        if t["closed"]:
            if req.method == "POST":
                fx.record_post(req, req.user, 200, error="closed")
            return self.message(req, self.ERRORS["closed"])
        action = "./posting.php?mode=reply&f=%d&t=%d" % (t["board"], t["id"])
        heading = '<a href="%s">%s</a>' % (esc(self.thread_link(t)), esc(t["title"]))
        hidden = [("topic_cur_post_id", t["posts"][-1]), ("lastclick", int(fx.now()))]
        if req.method != "POST":
            msg = ""
            if quote is not None:
                u = fx.users.get(quote["author"])
                msg = '[quote="%s" post_id=%d time=%d user_id=%d]\n%s\n[/quote]\n' % (
                    quote["author"], quote["id"], quote["date"], u["id"] if u else 1, strip_tags(quote["body"]))
            return self.page(req, "%s - Post a reply" % fx.title, fx.board_chain(t["board"]),
                             self.editor(req, action, heading, "Re: " + t["title"], msg, hidden, ""))
        if not self.form_ok(req, "posting", fx.form_min_age):
            err = ("form", None)
            pid = None
        else:
            pid, err = fx.submit(req, req.user, thread=t["id"], message=req.f("message"))
        if err:
            fx.record_post(req, req.user, 200, error=err[0])
            if err[0] in ("closed", "no_thread"):
                return self.message(req, self.ERRORS[err[0]])
            return self.page(req, "%s - Post a reply" % fx.title, fx.board_chain(t["board"]),
                             self.editor(req, action, heading, req.f("subject"), req.f("message"), hidden,
                                         self.ERRORS[err[0]]))
        fx.record_post(req, req.user, 200, pid=pid)
        url = "./viewtopic.php?f=%d&t=%d&p=%d#p%d" % (t["board"], t["id"], pid, pid)
        return self.message(req, 'This message has been posted successfully.<br /><br /><a href="%s">View your '
                            'submitted message</a><br /><br /><a href="%s">Return to the forum</a>'
                            % (esc(url), esc(self.board_link(fx.boards[t["board"]]))), refresh=url)

    def posting_new(self, req, b):
        fx = self.fx
        if req.user is None:
            return self.login_box(req, self.ERRORS["login_post"])
        if not self.can_read(req, b["id"]):
            return self.message(req, self.ERRORS["auth_read"])
        action = "./posting.php?mode=post&f=%d" % b["id"]
        heading = '<a href="%s">%s</a>' % (esc(self.board_link(b)), esc(b["name"]))
        hidden = [("lastclick", int(fx.now()))]
        if req.method != "POST":
            return self.page(req, "%s - Post a new topic" % fx.title, fx.board_chain(b["id"]),
                             self.editor(req, action, heading, "", "", hidden, ""))
        if not self.form_ok(req, "posting", fx.form_min_age):
            pid, err = None, ("form", None)
        else:
            pid, err = fx.submit(req, req.user, board=b["id"], message=req.f("message"), title=req.f("subject"))
        if err:
            fx.record_post(req, req.user, 200, error=err[0])
            return self.page(req, "%s - Post a new topic" % fx.title, fx.board_chain(b["id"]),
                             self.editor(req, action, heading, req.f("subject"), req.f("message"), hidden,
                                         self.ERRORS[err[0]]))
        fx.record_post(req, req.user, 200, pid=pid)
        t = fx.threads[fx.post(pid)["thread"]]
        url = "./viewtopic.php?f=%d&t=%d&p=%d#p%d" % (b["id"], t["id"], pid, pid)
        return self.message(req, 'This message has been posted successfully.<br /><br /><a href="%s">View your '
                            'submitted message</a>' % esc(url), refresh=url)

    # feeds

    def feed_base(self):
        return self.fx.url + "/app.php/feed"

    def feed(self, req, kind, ident):
        fx = self.fx
        if kind == "topic":
            t = self.thread_for(ident)
            if t is None or fx.board_members_only(t["board"]):
                return self.message(req, "The requested topic does not exist.", 404)
            posts = [fx.post(i) for i in t["posts"][-15:]][::-1]
            title, selfurl = "%s - %s" % (fx.title, t["title"]), "%s/topic/%d" % (self.feed_base(), ident)
        else:
            if kind == "forum":
                b = fx.boards.get(ident)
                if b is None or fx.board_members_only(ident):
                    return self.message(req, self.ERRORS["no_board"], 404)
                bids, title = {ident}, "%s - %s" % (fx.title, b["name"])
                selfurl = "%s/forum/%d" % (self.feed_base(), ident)
            else:
                bids, title, selfurl = ({b for b in fx.boards if not fx.board_members_only(b)}, fx.title,
                                        self.feed_base())
            # the newest posts: the last ones of the most recently active topics
            ts = sorted((t for bid in bids for t in (fx.threads[i] for i in fx.boards[bid]["threads"])
                         if not t.get("moved_to")),
                        key=lambda t: fx.last_post(t)["date"], reverse=True)[:15]
            posts = sorted((fx.post(i) for t in ts for i in t["posts"][-15:]),
                           key=lambda p: (p["date"], p["id"]), reverse=True)[:15]
        entries = []
        for p in posts:
            t = fx.threads[p["thread"]]
            b = fx.boards[t["board"]]
            link = "%s/viewtopic.php?t=%d&amp;p=%d#p%d" % (fx.url, t["id"], p["id"], p["id"])
            upd = p["edited_date"] or p["date"]
            q = self.quoted(p)
            subj = ("" if t["posts"][0] == p["id"] else "Re: ") + t["title"]
            entries.append("""<entry>
<author><name><![CDATA[%s]]></name></author>
<updated>%s</updated>
<published>%s</published>
<id>%s</id>
<link href="%s"/>
<title type="html"><![CDATA[%s • %s]]></title>
<category term="%s" scheme="%s/viewforum.php?f=%d" label="%s"/>
<content type="html" xml:base="%s"><![CDATA[
%s%s<p>Statistics: Posted by <a href="%s/memberlist.php?mode=viewprofile&amp;u=%d">%s</a> — %s</p><hr />
]]></content>
</entry>
""" % (p["author"], self.iso(upd), self.iso(p["date"]), link, link, b["name"], subj, esc(b["name"]), fx.url,
       b["id"], esc(b["name"]), link, self.quote_html(q) if q else "", p["body"], fx.url,
       fx.users[p["author"]]["id"] if p["author"] in fx.users else 1, p["author"], self.fmt_date(p["date"], False)))
        last = max([(p["edited_date"] or p["date"]) for p in posts] or [0])
        body = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-gb">
<link rel="self" type="application/atom+xml" href="%s" />
<title>%s</title>
<subtitle>A fixture board</subtitle>
<link href="%s/index.php" />
<updated>%s</updated>
<author><name><![CDATA[%s]]></name></author>
<id>%s</id>
%s</feed>""" % (selfurl, esc(title), fx.url, self.iso(last or fx.now()), fx.title, selfurl, "".join(entries))
        return self.feed_response(body, "application/atom+xml", last or None)


# ---- XenForo 2 -------------------------------------------------------------

class XenForo2(Engine):
    POSTS_PER_PAGE = 20
    THREADS_PER_PAGE = 20
    MIN_CHARS = 1
    INDEX = "forums/"
    LOGIN = "login/"
    CHANGED = [(r'class="message message--post', 'class="post post--message'),
               (r'data-content="post-', 'data-entry="post-'), (r'id="js-post-', 'id="js-entry-'),
               (r'\bbbWrapper\b', 'bbContent'), (r'\bstructItem--thread\b', 'structItem--topic'),
               (r'\bstructItem-title\b', 'structItem-heading'), (r'\bmessage-body\b', 'message-text')]
    ERRORS = {
        "token": "Security error occurred. Please press back, refresh the page, and try again.",
        "flood": "You must wait at least %d seconds before performing this action.",
        "too_short": "Please enter a valid message.",
        "no_title": "Please enter a valid title.",
        "closed": "You do not have permission to view this page or perform this action.",
        "no_permission": "You do not have permission to view this page or perform this action.",
        "login_required": "You must be logged-in to do that.",
        "no_thread": "The requested thread could not be found.",
        "no_board": "The requested forum could not be found.",
        "no_post": "The requested post could not be found.",
        "badpass": "Incorrect password. Please try again.",
        "baduser": "The requested user '%s' could not be found.",
        "captcha": "You did not complete the CAPTCHA verification properly. Please try again.",
        "not_found": "The requested page could not be found.",
    }

    def __init__(self, fx):
        super().__init__(fx)
        self.captchas = {}

    # links (relative to the board root; abs() adds the prefix)

    def slug(self, s):
        return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")

    def thread_link(self, t, page=1):
        slug = self.slug(t["title"])
        return "threads/%s%d/%s" % (slug + "." if slug else "", t["id"], "page-%d" % page if page > 1 else "")

    def board_link(self, b, page=1):
        slug = self.slug(b["name"])
        return "forums/%s%d/%s" % (slug + "." if slug else "", b["id"], "page-%d" % page if page > 1 else "")

    def category_link(self, b):
        return "categories/%s.%d/" % (self.slug(b["name"]), b["id"])

    def member_link(self, u):
        return "members/%s.%d/" % (self.slug(u["name"]) or "member", u["id"])

    def post_link(self, p):
        return self.thread_link(self.fx.threads[p["thread"]]) + "post-%d" % p["id"]

    def feed_link(self, thread=None, board=None):
        if board:
            return self.board_link(self.fx.boards[board]) + "index.rss"
        return "forums/-/index.rss"

    def reply_link(self, t):
        return self.thread_link(t) + "reply"

    def abs(self, link):
        return self.fx.prefix + "/" + link

    # dates

    def date_string(self, d):
        c = self.L.code
        m = self.L.months_abbr[d.month - 1]
        if c == "en":
            return "%s %d, %d" % (m, d.day, d.year)
        if c == "de":
            return "%d. %s%s %d" % (d.day, m, "" if m.endswith(".") or len(m) < 4 and m in ("Mai",) else ".", d.year)
        return "%d %s %d" % (d.day, m, d.year)

    def time_string(self, d):
        if self.L.code == "en":
            h, ap = h12(d)
            return "%d:%02d %s" % (h, d.minute, ap)
        return d.strftime("%H:%M")

    def relative(self, ts):
        fx = self.fx
        if not fx.relative_dates:
            return None
        age = fx.now() - ts
        if 0 <= age < 60:
            return self.t("A moment ago")
        if 0 <= age < 3600:
            mins = int(age // 60)
            return self.t("1 minute ago") if mins == 1 else self.t("%d minutes ago") % mins
        d = fx.local(ts)
        day = fx.day_word(ts)
        if day:
            return self.t("%s at %s") % (day, self.time_string(d))
        today = fx.local(fx.now()).date()
        if 0 < (today - d.date()).days < 7:
            return self.t("%s at %s") % (self.L.days[d.weekday()], self.time_string(d))
        return None

    def time_html(self, ts, cls="u-dt"):
        d = self.fx.local(ts)
        ds, tm = self.date_string(d), self.time_string(d)
        full = self.t("%s at %s") % (ds, tm)
        return ('<time class="%s" dir="auto" datetime="%s" data-time="%d" data-date-string="%s" '
                'data-time-string="%s" title="%s">%s</time>'
                % (cls, d.strftime("%Y-%m-%dT%H:%M:%S%z"), int(ts), ds, tm, full, self.relative(ts) or ds))

    # session and tokens

    def session(self, req):
        fx = self.fx
        sid = req.cookies.get("xf_session")
        s = fx.sessions.get(sid) if sid else None
        if s is not None:
            req.sid, req.sid_from_cookie = sid, True
            req.user = fx.users.get(s["user"]) if s["user"] else None
        else:
            name = fx.remember.get(req.cookies.get("xf_user") or "-")
            if name:
                req.user = fx.users[name]
                req.sid = fx.new_session(name)
                req.set_cookies.append(("xf_session", req.sid, None))
        req.csrf = req.cookies.get("xf_csrf")
        if not req.csrf:
            req.csrf = hashlib.md5(os.urandom(8)).hexdigest()[:16]
            req.set_cookies.append(("xf_csrf", req.csrf, None))

    def token(self, req):
        t = int(self.fx.now())
        return "%d,%s" % (t, hashlib.md5(("%s%d%s" % (req.csrf, t, req.user["salt"] if req.user else "")).encode()).hexdigest())

    def token_ok(self, req, tok):
        m = re.match(r"^(\d+),([0-9a-f]{32})$", tok or "")
        if not m:
            return False
        t = int(m.group(1))
        good = hashlib.md5(("%s%d%s" % (req.csrf, t, req.user["salt"] if req.user else "")).encode()).hexdigest()
        return good == m.group(2) and self.fx.now() - t < 86400

    # routing

    def route(self, req):
        fx = self.fx
        p = req.path
        if p in ("/", "/forums/", "/forums", "/index.php"):
            return self.page_index(req)
        m = re.match(r"^/forums/(?:[^/]*\.)?(\d+)/(?:page-(\d+))?$", p)
        if m:
            return self.page_board(req, int(m.group(1)), int(m.group(2) or 1))
        m = re.match(r"^/link-forums/(?:[^/]*\.)?(\d+)/$", p)
        if m and fx.boards.get(int(m.group(1)), {}).get("link"):
            return self.redirect(req, fx.boards[int(m.group(1))]["link"])
        m = re.match(r"^/forums/(?:[^/]*\.)?(\d+)/index\.rss$", p)
        if m or p == "/forums/-/index.rss":
            return self.feed(req, int(m.group(1)) if m else None)
        m = re.match(r"^/forums/(?:[^/]*\.)?(\d+)/post-thread$", p)
        if m:
            return self.post_thread(req, int(m.group(1)))
        m = re.match(r"^/threads/(?:[^/]*\.)?(\d+)/(page-(\d+)|post-(\d+)|reply|add-reply|latest|unread)?$", p)
        if m:
            tid = int(m.group(1))
            what = m.group(2) or ""
            if what.startswith("post-"):
                return self.goto_post(req, int(m.group(4)))
            if what == "add-reply":
                return self.add_reply(req, tid)
            if what == "reply":
                return self.page_reply(req, tid)
            if what in ("latest", "unread"):
                t = self.thread_for(tid)
                if t is None:
                    return self.error(req, self.ERRORS["no_thread"], 404)
                return self.goto_post(req, t["posts"][-1])
            return self.page_thread(req, tid, int(m.group(3) or 1))
        m = re.match(r"^/posts/(\d+)/?$", p)
        if m:
            return self.goto_post(req, int(m.group(1)))
        if p == "/goto/post":
            return self.goto_post(req, req.qint("id"))
        if p in ("/login/", "/login"):
            return self.page_login(req)
        if p == "/login/login":
            if req.method == "POST":
                return self.do_login(req)
            return self.page_login(req)
        if p in ("/logout/", "/logout"):
            fx.sessions.pop(req.sid, None)
            req.user = None
            req.set_cookies += [("xf_session", "", 0), ("xf_user", "", 0)]
            return self.redirect(req, self.abs(""))
        return self.error(req, self.ERRORS["not_found"], 404)

    def redirect(self, req, url, status=303):
        r = Resp(status, "", headers={"Location": url})
        return r

    def goto_post(self, req, pid):
        t, i = self.post_index(pid)
        if t is None:
            return self.error(req, self.ERRORS["no_post"], 404)
        if not self.can_read(req, t["board"]):
            return self.no_permission(req)
        page = i // self.fx.posts_per_page + 1
        return self.redirect(req, "%s%s#post-%d" % (self.fx.origin, self.abs(self.thread_link(t, page)), pid), 301)

    # shell

    def page(self, req, title, crumbs, content, template="forum_list", h1=None, desc="", extra_head="",
             content_key=""):
        fx = self.fx
        crumb_html = ""
        items = [(self.abs(""), self.t("Forums"))] + crumbs
        for i, (href, name) in enumerate(items):
            crumb_html += ('\t\t\t<li itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">\n'
                           '\t\t\t\t<a href="%s" itemprop="item">\n\t\t\t\t\t<span itemprop="name">%s</span>\n'
                           '\t\t\t\t</a>\n\t\t\t\t<meta itemprop="position" content="%d" />\n\t\t\t</li>\n'
                           % (esc(href), esc(name), i + 1))
        if req.user is None:
            account = ('<div class="p-navgroup p-account p-navgroup--guest">\n'
                       '\t<a href="%s" class="p-navgroup-link p-navgroup-link--textual p-navgroup-link--logIn" '
                       'data-xf-click="overlay" data-follow-redirects="on">\n\t\t<span class="p-navgroup-linkText">'
                       'Log in</span>\n\t</a>\n\t<div class="js-visitorMenuBody"></div>\n'
                       '\t<a href="%s" class="p-navgroup-link p-navgroup-link--textual p-navgroup-link--register" '
                       'data-xf-click="overlay" data-follow-redirects="on">\n\t\t<span class="p-navgroup-linkText">'
                       'Register</span>\n\t</a>\n</div>' % (self.abs("login/"), self.abs("register/")))
        else:
            account = ('<div class="p-navgroup p-account p-navgroup--member">\n'
                       '\t<a href="%s" class="p-navgroup-link p-navgroup-link--iconic p-navgroup-link--user" '
                       'data-xf-click="menu" data-xf-key="m" data-menu-pos-ref="< .p-navgroup" title="%s">\n'
                       '\t\t<span class="avatar avatar--xxs avatar--default avatar--default--dynamic" data-user-id="%d" '
                       'title="%s"><span class="avatar-u%d-s">%s</span></span>\n\t\t<span class="p-navgroup-linkText">'
                       '%s</span>\n\t</a>\n\t<a href="%s" class="p-navgroup-link">Log out</a>\n</div>'
                       % (self.abs("account/"), esc(req.user["name"]), req.user["id"], esc(req.user["name"]),
                          req.user["id"], esc(req.user["name"][:1].upper()), esc(req.user["name"]),
                          self.abs("logout/?t=" + urllib.parse.quote(self.token(req)))))
        lang = {"en": "en-US", "de": "de-DE", "fr": "fr-FR", "es": "es-ES"}[self.L.code]
        return Resp(200, """<!DOCTYPE html>
<html id="XF" lang="%s" dir="LTR"
	data-app="public"
	data-template="%s"
	data-container-key=""
	data-content-key="%s"
	data-logged-in="%s"
	data-cookie-prefix="xf_"
	data-csrf="%s"
	class="has-no-js template-%s"
	>
<head>
	<meta charset="utf-8" />
	<meta http-equiv="X-UA-Compatible" content="IE=Edge" />
	<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
	<title>%s</title>
	<link rel="alternate" type="application/rss+xml" title="RSS feed for %s" href="%s" />
%s	<link rel="stylesheet" href="%s/css.php?css=public%%3Anormalize.css%%2Cpublic%%3Acore.less%%2Cpublic%%3Aapp.less&amp;s=1&amp;l=1&amp;d=1700000000&amp;k=0" />
</head>
<body data-template="%s">
<div class="p-pageWrapper" id="top">
<header class="p-header" id="header">
	<div class="p-header-inner">
		<div class="p-header-content">
			<div class="p-header-logo p-header-logo--image">
				<a href="%s">
					<img src="%s/styles/default/xenforo/xenforo-logo.png" alt="%s" />
				</a>
			</div>
		</div>
	</div>
</header>
<div class="p-navSticky p-navSticky--primary" data-xf-init="sticky-header">
	<nav class="p-nav">
		<div class="p-nav-inner">
			<div class="p-nav-scroller hScroller" data-xf-init="h-scroller" data-auto-scroll=".p-navEl.is-selected">
				<div class="hScroller-scroll">
					<ul class="p-nav-list js-offCanvasNavSource">
						<li>
							<div class="p-navEl is-selected" data-has-children="true">
								<a href="%s" class="p-navEl-link p-navEl-link--splitMenu " data-nav-id="forums">Forums</a>
							</div>
						</li>
						<li>
							<div class="p-navEl " data-has-children="true">
								<a href="%s" class="p-navEl-link p-navEl-link--splitMenu " data-nav-id="whatsNew">What's new</a>
							</div>
						</li>
					</ul>
				</div>
			</div>
			<div class="p-nav-opposite">
				%s
			</div>
		</div>
	</nav>
</div>
<div class="p-body">
	<div class="p-body-inner">
		<!--XF:EXTRA_OUTPUT-->
		<ul class="p-breadcrumbs "
			itemscope itemtype="https://schema.org/BreadcrumbList">
%s		</ul>
		<div class="p-body-header">
			<div class="p-title ">
				<h1 class="p-title-value">%s</h1>
			</div>
			%s
		</div>
		<div class="p-body-main  ">
			<div class="p-body-content">
				<div class="p-body-pageContent">
%s
				</div>
			</div>
		</div>
		<ul class="p-breadcrumbs p-breadcrumbs--bottom"
			itemscope itemtype="https://schema.org/BreadcrumbList">
%s		</ul>
	</div>
</div>
<footer class="p-footer" id="footer">
	<div class="p-footer-inner">
		<div class="p-footer-row">
			<div class="p-footer-row-opposite">
				<ul class="p-footer-linkList">
					<li><a href="%s" data-xf-click="overlay">Contact us</a></li>
					<li><a href="%s">Terms and rules</a></li>
					<li><a href="%s">Privacy policy</a></li>
					<li><a href="%s">Help</a></li>
					<li><a href="%s" target="_blank" class="p-footer-rssLink" title="RSS"><span aria-hidden="true"><i class="fa--xf far fa-rss" aria-hidden="true"></i><span class="u-srOnly">RSS</span></span></a></li>
				</ul>
			</div>
		</div>
		<div class="p-footer-copyright">
			<a href="https://xenforo.com" class="u-concealed" dir="ltr" target="_blank" rel="sponsored noopener">Community platform by XenForo<sup>&reg;</sup> <span class="copyright">&copy; 2010-2026 XenForo Ltd.</span></a>
		</div>
	</div>
</footer>
</div> <!-- closing p-pageWrapper -->
<div class="u-bottomFixer js-bottomFixTarget"></div>
<script src="%s/js/xf/preamble.min.js?_v=0"></script>
</body>
</html>
""" % (lang, template, content_key, "true" if req.user else "false", self.token(req), template,
       esc(title), esc(fx.title), self.abs("forums/-/index.rss"), extra_head, fx.prefix, template,
       self.abs(""), fx.prefix, esc(fx.title), self.abs(""), self.abs("whats-new/"), account, crumb_html,
       esc(h1 if h1 is not None else title), desc, content, crumb_html, self.abs("misc/contact"),
       self.abs("help/terms/"), self.abs("help/privacy-policy/"), self.abs("help/"),
       self.abs("forums/-/index.rss"), fx.prefix))

    def error(self, req, message, status=200):
        r = self.page(req, "Oops! We ran into some problems. | %s" % self.fx.title, [],
                      '<div class="blockMessage blockMessage--error blockMessage--iconic">\n\t%s\n</div>' % message,
                      template="error", h1="Oops! We ran into some problems.")
        r.status = status
        return r

    def login_form(self, req, redirect="/"):
        fx = self.fx
        captcha = ""
        if fx.require_captcha:
            cid = hashlib.md5(os.urandom(8)).hexdigest()
            self.captchas[cid] = cid[:6]
            captcha = """			<dl class="formRow formRow--captcha">
				<dt><div class="formRow-labelWrapper"><label class="formRow-label">Verification</label></div></dt>
				<dd>
					<div data-xf-init="re-captcha" data-sitekey="6Lfixture%s" data-invisible=""></div>
					<noscript><div><input type="hidden" name="captcha_id" value="%s" /><input type="text" name="g-recaptcha-response" class="input" /></div></noscript>
					<div class="formRow-explain">Please verify that you are human.</div>
				</dd>
			</dl>
""" % (cid[:8], cid)
        return """<form action="%s" method="post" class="block"
	 data-xf-init="ajax-submit">
	<input type="hidden" name="_xfToken" value="%s" />
	<div class="block-container">
		<div class="block-body">
			<dl class="formRow formRow--input">
				<dt><div class="formRow-labelWrapper"><label class="formRow-label" for="_xfUid-1-1700000000">Your name or email address</label></div></dt>
				<dd><input type="text" class="input" name="login" autofocus="autofocus" autocomplete="username" id="_xfUid-1-1700000000" /></dd>
			</dl>
			<dl class="formRow formRow--input">
				<dt><div class="formRow-labelWrapper"><label class="formRow-label" for="_xfUid-2-1700000000">Password</label></div></dt>
				<dd>
					<div class="inputGroup inputGroup--joined inputGroup--inline" data-xf-init="password-hide-show">
						<input type="password" class="input js-password" name="password" autocomplete="current-password" id="_xfUid-2-1700000000" />
					</div>
					<a href="%s" data-xf-click="overlay">Forgot your password?</a>
				</dd>
			</dl>
%s			<dl class="formRow">
				<dt></dt>
				<dd>
					<ul class="inputChoices">
						<li class="inputChoices-choice"><label class="iconic"><input type="checkbox" name="remember" value="1" checked="checked" /><i aria-hidden="true"></i><span class="iconic-label">Stay logged in</span></label></li>
					</ul>
				</dd>
			</dl>
		</div>
		<dl class="formRow formSubmitRow">
			<dt></dt>
			<dd>
				<div class="formSubmitRow-main">
					<div class="formSubmitRow-bar"></div>
					<div class="formSubmitRow-controls">
						<button type="submit" class="button--primary button button--icon button--icon--login"><span class="button-text">Log in</span></button>
					</div>
				</div>
			</dd>
		</dl>
	</div>
	<input type="hidden" name="_xfRedirect" value="%s" />
</form>
""" % (self.abs("login/login"), self.token(req), self.abs("lost-password/"), captcha, esc(redirect))

    def no_permission(self, req):
        if req.user is None:
            r = self.page(req, "Log in | %s" % self.fx.title, [],
                          '<div class="blockMessage blockMessage--error blockMessage--iconic">\n\t%s\n</div>\n%s'
                          % (self.ERRORS["login_required"], self.login_form(req, self.fx.prefix + req.path)),
                          template="login", h1="Log in")
        else:
            r = self.error(req, self.ERRORS["no_permission"])
        r.status = 403
        return r

    def page_login(self, req, error=None):
        msg = ('<div class="blockMessage blockMessage--error blockMessage--iconic">\n\t%s\n</div>\n' % error
               if error else "")
        return self.page(req, "Log in | %s" % self.fx.title, [], msg + self.login_form(req, req.q("_xfRedirect") or "/"),
                         template="login", h1="Log in")

    def do_login(self, req):
        fx = self.fx
        if not self.token_ok(req, req.f("_xfToken")):
            return self.error(req, self.ERRORS["token"], 400)
        name = req.f("login")
        if fx.require_captcha:
            cid = req.f("captcha_id")
            if not cid or self.captchas.get(cid) != req.f("g-recaptcha-response"):
                return self.error(req, self.ERRORS["captcha"], 400)
        u = fx.check_password(name, req.f("password"))
        if u is None:
            return self.page_login(req, self.ERRORS["baduser"] % esc(name))
        if not u:
            fx.login_failures[name] = fx.login_failures.get(name, 0) + 1
            return self.page_login(req, self.ERRORS["badpass"])
        fx.sessions.pop(req.sid, None)
        req.user = u
        req.sid = fx.new_session(u["name"])
        req.set_cookies.append(("xf_session", req.sid, None))
        if req.f("remember") == "1":
            tok = "%d,%s" % (u["id"], hashlib.sha1((u["salt"] + str(time.time())).encode()).hexdigest())
            fx.remember[tok] = u["name"]
            req.set_cookies.append(("xf_user", tok, 31536000))
        return self.redirect(req, req.f("_xfRedirect") or self.abs(""))

    # pageNav

    def page_nav(self, total, per, cur, link):
        n = self.npages(total, per)
        if n <= 1:
            return ""
        lk = lambda p: esc(self.abs(link(p)))
        items = []
        shown = sorted({1, n} | set(window(cur, n, 2)))
        prev = 0
        for p in shown:
            if p - prev > 1:
                items.append('\t\t<li class="pageNav-page pageNav-page--skip pageNav-page--skip%s"><a data-xf-init='
                             '"tooltip" title="Go to page" data-xf-click="menu" role="button" tabindex="0" '
                             'aria-expanded="false" aria-haspopup="true">…</a></li>\n' % ("Start" if p > cur else "End"))
            cls = "pageNav-page--current " if p == cur else ("pageNav-page--earlier" if p == cur - 1 else
                                                             "pageNav-page--later" if p == cur + 1 else "")
            items.append('\t\t<li class="pageNav-page %s"><a href="%s">%d</a></li>\n' % (cls, lk(p), p))
            prev = p
        return """<div class="block-outer-main"><nav class="pageNavWrapper pageNavWrapper--mixed ">
<div class="pageNav  ">
	%s
	<ul class="pageNav-main">
%s	</ul>
	%s
</div>
<div class="pageNavSimple">
	%s<a class="pageNavSimple-el pageNavSimple-el--current" data-xf-init="tooltip" title="Go to page" data-xf-click="menu" role="button" tabindex="0" aria-expanded="false" aria-haspopup="true">%d of %d</a>
	%s
</div>
</nav></div>""" % (
            ('<a href="%s" class="pageNav-jump pageNav-jump--prev">%s</a>' % (lk(cur - 1), self.t("Prev"))) if cur > 1 else "",
            "".join(items),
            ('<a href="%s" class="pageNav-jump pageNav-jump--next">%s</a>' % (lk(cur + 1), self.t("Next"))) if cur < n else "",
            ('<a href="%s" class="pageNavSimple-el pageNavSimple-el--first" data-xf-init="tooltip" title="First"><i aria-hidden="true"></i> <span class="u-srOnly">First</span></a>\n\t'
             '<a href="%s" class="pageNavSimple-el pageNavSimple-el--prev"><i aria-hidden="true"></i> %s</a>\n\t'
             % (lk(1), lk(cur - 1), self.t("Prev"))) if cur > 1 else "",
            cur, n,
            ('<a href="%s" class="pageNavSimple-el pageNavSimple-el--next">%s <i aria-hidden="true"></i></a>\n\t'
             '<a href="%s" class="pageNavSimple-el pageNavSimple-el--last" data-xf-init="tooltip" title="Last"><i aria-hidden="true"></i> <span class="u-srOnly">Last</span></a>'
             % (lk(cur + 1), self.t("Next"), lk(n))) if cur < n else "")

    # node list

    def username(self, p_or_user, cls="username "):
        if isinstance(p_or_user, dict) and "author" in p_or_user:
            if p_or_user["guest"]:
                return '<span class="%s" dir="auto" data-user-id="0">%s</span>' % (cls, esc(p_or_user["author"]))
            u = self.fx.users.get(p_or_user["author"])
        else:
            u = p_or_user
        return ('<a href="%s" class="%s" dir="auto" data-user-id="%d" data-xf-init="member-tooltip">%s</a>'
                % (esc(self.abs(self.member_link(u))), cls, u["id"], esc(u["name"])))

    def node(self, req, b, depth):
        fx = self.fx
        if b.get("link"):
            return """<div class="node node--id%d node--depth%d node--link">
	<div class="node-body">
		<span class="node-icon" aria-hidden="true"><i class="fa--xf far fa-link" aria-hidden="true"></i></span>
		<div class="node-main js-nodeMain">
			<h3 class="node-title">
				<a href="%s" data-xf-init="element-tooltip" data-shortcut="node-description">%s</a>
			</h3>
			<div class="node-description node-description--tooltip js-nodeDescTooltip">%s</div>
		</div>
	</div>
</div>
""" % (b["id"], depth, esc(self.abs("link-forums/%s.%d/" % (self.slug(b["name"]), b["id"]))), esc(b["name"]),
       esc(b["description"]))
        nt, np_, last = self.stats(req, b["id"])
        kids = [c for c in fx.children(b["id"]) if c in self.boards_visible(req)]
        subs = ""
        if kids:
            subs = ('\t\t\t\t<div class="node-subNodesFlat">\n\t\t\t\t\t<span class="node-subNodesLabel">Sub-forums:'
                    '</span>\n\t\t\t\t\t<ol class="node-subNodeFlatList">\n%s\t\t\t\t\t</ol>\n\t\t\t\t</div>\n'
                    % "".join('\t\t\t\t\t\t<li><a href="%s" class="subNodeLink subNodeLink--forum ">'
                              '<i class="fa--xf far fa-comments subNodeLink-icon" aria-hidden="true"></i>%s</a></li>\n'
                              % (esc(self.abs(self.board_link(c))), esc(c["name"])) for c in kids))
        extra = '<span class="node-extra-placeholder">None</span>'
        if last is not None:
            lt = fx.threads[last["thread"]]
            extra = """<div class="node-extra-row"><a href="%s" class="node-extra-title" title="%s">%s</a></div>
					<div class="node-extra-row">
						<ul class="listInline listInline--bullet">
							<li class="node-extra-date">%s</li>
							<li class="node-extra-user">%s</li>
						</ul>
					</div>""" % (esc(self.abs(self.post_link(last))), esc(lt["title"]), esc(lt["title"]),
                                 self.time_html(last["date"]), self.username(last))
        return """<div class="node node--id%d node--depth%d node--forum node--read">
	<div class="node-body">
		<span class="node-icon" aria-hidden="true"><i class="fa--xf far fa-comments" aria-hidden="true"></i></span>
		<div class="node-main js-nodeMain">
			<h3 class="node-title">
				<a href="%s" data-xf-init="element-tooltip" data-shortcut="node-description">%s</a>
			</h3>
			<div class="node-description node-description--tooltip js-nodeDescTooltip">%s</div>
			<div class="node-meta">
				<div class="node-statsMeta">
					<dl class="pairs pairs--inline"><dt>%s</dt><dd>%s</dd></dl>
					<dl class="pairs pairs--inline"><dt>%s</dt><dd>%s</dd></dl>
				</div>
			</div>
%s		</div>
		<div class="node-stats">
			<dl class="pairs pairs--rows"><dt>%s</dt><dd>%s</dd></dl>
			<dl class="pairs pairs--rows"><dt>%s</dt><dd>%s</dd></dl>
		</div>
		<div class="node-extra">
			%s
		</div>
	</div>
</div>
""" % (b["id"], depth, esc(self.abs(self.board_link(b))), esc(b["name"]), esc(b["description"]),
       self.t("Threads"), self.L.num(nt), self.t("Messages"), self.L.num(np_), subs,
       self.t("Threads"), self.L.num(nt), self.t("Messages"), self.L.num(np_), extra)

    def page_index(self, req):
        fx = self.fx
        vis = self.boards_visible(req)
        out, leaves = [], []
        for b in [b for b in vis if b["parent"] is None]:
            kids = [c for c in fx.children(b["id"]) if c in vis]
            if kids:
                out.append("""<div class="block block--category block--category%d">
	<span class="u-anchorTarget" id="%s.%d"></span>
	<div class="block-container">
		<h2 class="block-header">
			<a href="%s">%s</a>
		</h2>
		<div class="block-body">
%s		</div>
	</div>
</div>
""" % (b["id"], self.slug(b["name"]), b["id"], esc(self.abs(self.category_link(b))), esc(b["name"]),
       "".join(self.node(req, c, 2) for c in kids)))
            else:
                leaves.append(b)
        if leaves:
            out.insert(0, '<div class="block">\n\t<div class="block-container">\n\t\t<div class="block-body">\n%s'
                          '\t\t</div>\n\t</div>\n</div>\n' % "".join(self.node(req, b, 1) for b in leaves))
        return self.page(req, fx.title, [], '<div class="block-outer"></div>\n' + "".join(out),
                         template="forum_list", h1=fx.title)

    # forum view

    def struct_item(self, req, t):
        fx = self.fx
        first, last = fx.tpost(t, 0), fx.last_post(t)
        statuses = ""
        if t.get("moved_to"):
            statuses = ('\t\t<ul class="structItem-statuses">\n\t\t\t<li><i class="structItem-status '
                        'structItem-status--redirect" aria-hidden="true" title="Redirect"></i><span class="u-srOnly">'
                        'Redirect</span></li>\n\t\t</ul>\n')
        elif t["sticky"] or t["closed"]:
            statuses = '\t\t<ul class="structItem-statuses">\n%s%s\t\t</ul>\n' % (
                ('\t\t\t<li><i class="structItem-status structItem-status--locked" aria-hidden="true" title="%s"></i>'
                 '<span class="u-srOnly">%s</span></li>\n' % (self.t("Locked"), self.t("Locked"))) if t["closed"] else "",
                ('\t\t\t<li><i class="structItem-status structItem-status--sticky" aria-hidden="true" title="%s"></i>'
                 '<span class="u-srOnly">%s</span></li>\n' % (self.t("Sticky"), self.t("Sticky"))) if t["sticky"] else "")
        pages = self.npages(len(t["posts"]), fx.posts_per_page)
        jump = ""
        if pages > 1:
            nums = [p for p in range(2, pages + 1) if p <= 4 or p == pages]
            jump = ('\t\t\t<span class="structItem-pageJump">\n%s\t\t\t</span>\n'
                    % "".join('\t\t\t\t<a href="%s">%d</a>\n' % (esc(self.abs(self.thread_link(t, p))), p) for p in nums))
        author = first if first["guest"] else fx.users.get(first["author"])
        moved = bool(t.get("moved_to"))
        return """<div class="structItem structItem--thread%s%s js-inlineModContainer js-threadListItem-%d" data-author="%s">
	<div class="structItem-cell structItem-cell--icon">
		<div class="structItem-iconContainer">
			<span class="avatar avatar--s avatar--default avatar--default--dynamic" data-user-id="%d">%s</span>
		</div>
	</div>
	<div class="structItem-cell structItem-cell--main" data-xf-init="touch-proxy">
%s		<div class="structItem-title">
			<a href="%s" class="" data-tp-primary="on" data-xf-init="preview-tooltip" data-preview-url="%spreview">%s</a>
		</div>
		<div class="structItem-minor">
			<ul class="structItem-parts">
				<li>%s</li>
				<li class="structItem-startDate"><a href="%s" rel="nofollow">%s</a></li>
			</ul>
%s		</div>
	</div>
	<div class="structItem-cell structItem-cell--meta" title="First message reaction score: 0">
		<dl class="pairs pairs--justified"><dt>%s</dt><dd>%s</dd></dl>
		<dl class="pairs pairs--justified structItem-minor"><dt>%s</dt><dd>%s</dd></dl>
	</div>
	<div class="structItem-cell structItem-cell--latest">
		<a href="%slatest" rel="nofollow">%s</a>
		<div class="structItem-minor">
			%s
		</div>
	</div>
</div>
""" % (" is-locked" if t["closed"] else "", " is-sticky" if t["sticky"] else "", t["id"], esc(first["author"]),
       0 if first["guest"] else author["id"], esc(first["author"][:1].upper()), statuses,
       esc(self.abs(self.thread_link(t))), esc(self.abs(self.thread_link(t))), esc(t["title"]),
       self.username(first), esc(self.abs(self.thread_link(t))), self.time_html(first["date"]), "" if moved else jump,
       self.t("Replies"), "&ndash;" if moved else self.L.num(len(t["posts"]) - 1), self.t("Views"),
       "&ndash;" if moved else self.L.num(t["views"] or len(t["posts"]) * 10), esc(self.abs(self.thread_link(t))),
       self.time_html(last["date"], "structItem-latestDate u-dt"), self.username(last))

    def page_board(self, req, bid, page):
        fx = self.fx
        b = fx.boards.get(bid)
        if b is None:
            return self.error(req, self.ERRORS["no_board"], 404)
        if b.get("link"):
            return Resp(302, "", headers={"Location": b["link"]})
        if not self.can_read(req, bid):
            return self.no_permission(req)
        ids = self.visible_threads(req, bid)
        per = fx.threads_per_page
        n = self.npages(len(ids), per)
        if page > n:
            return self.redirect(req, fx.origin + self.abs(self.board_link(b, n)), 301)
        chunk = [fx.threads[i] for i in ids[(page - 1) * per: page * per]]
        sticky = [t for t in chunk if t["sticky"]]
        normal = [t for t in chunk if not t["sticky"]]
        kids = [c for c in fx.children(bid) if c in self.boards_visible(req)]
        subs = ""
        if kids:
            subs = ('<div class="block block--nodes">\n\t<div class="block-container">\n\t\t<div class="block-body">\n'
                    '%s\t\t</div>\n\t</div>\n</div>\n' % "".join(self.node(req, c, 1) for c in kids))
        nav = self.page_nav(len(ids), per, page, lambda p: self.board_link(b, p))
        body = """%s<div class="block" data-xf-init="" data-type="thread" data-href="%s">
	<div class="block-outer">%s<div class="block-outer-opposite">
		<div class="buttonGroup">
			<a href="%s" class="button--cta button button--icon button--icon--write" rel="nofollow"><span class="button-text">Post thread</span></a>
		</div>
	</div></div>
	<div class="block-container">
		<div class="block-body">
			<div class="structItemContainer">
				%s
				<div class="structItemContainer-group js-threadList">
%s				</div>
			</div>
		</div>
	</div>
	<div class="block-outer block-outer--after">%s</div>
</div>
""" % (subs, self.abs("inline-mod/"), nav, esc(self.abs(self.board_link(b) + "post-thread")),
       ('<div class="structItemContainer-group structItemContainer-group--sticky">\n%s\t\t\t\t</div>\n'
        % "".join(self.struct_item(req, t) for t in sticky)) if sticky else "",
       "".join(self.struct_item(req, t) for t in normal), nav)
        crumbs = [(self.abs(self.board_link(x)), x["name"]) for x in fx.board_chain(bid)[:-1]]
        title = b["name"] + (" | Page %d" % page if page > 1 else "") + " | " + fx.title
        return self.page(req, title, crumbs, body, template="forum_view", h1=b["name"],
                         desc='<div class="p-description">%s</div>' % esc(b["description"]) if b["description"] else "",
                         content_key="forum-%d" % bid)

    # thread view

    def quote_html(self, q):
        u = None if q["guest"] else self.fx.users.get(q["author"])
        return """<blockquote data-attributes="member: %d" data-quote="%s" data-source="post: %d"
	class="bbCodeBlock bbCodeBlock--expandable bbCodeBlock--quote js-expandWatch">
	<div class="bbCodeBlock-title">
		<a href="%s" class="bbCodeBlock-sourceJump" rel="nofollow" data-xf-click="attribution" data-content-selector="#post-%d">%s</a>
	</div>
	<div class="bbCodeBlock-content">
		<div class="bbCodeBlock-expandContent js-expandContent ">
			%s
		</div>
		<div class="bbCodeBlock-expandLink js-expandLink"><a role="button" tabindex="0">Click to expand...</a></div>
	</div>
</blockquote>""" % (u["id"] if u else 0, esc(q["author"]), q["id"], esc(self.abs("goto/post?id=%d" % q["id"])),
                    q["id"], self.t("%s said:") % esc(q["author"]), q["body"])

    def deleted_article(self, req, t, p, n):
        return """<article class="message message--deleted message--post js-post js-inlineModContainer is-deleted  "
	data-author="%s"
	data-content="post-%d"
	id="js-post-%d">
	<span class="u-anchorTarget" id="post-%d"></span>
	<div class="message-inner">
		<div class="message-cell message-cell--user">
			<section class="message-user">
				<div class="message-userDetails">
					<h4 class="message-name">%s</h4>
				</div>
			</section>
		</div>
		<div class="message-cell message-cell--main">
			<div class="message-main">
				<header class="message-attribution message-attribution--split">
					<ul class="message-attribution-main listInline ">
						<li class="u-concealed"><a href="%s" rel="nofollow">%s</a></li>
					</ul>
					<ul class="message-attribution-opposite message-attribution-opposite--list ">
						<li><a href="%s" rel="nofollow">#%d</a></li>
					</ul>
				</header>
				<div class="messageNotice messageNotice--deleted">
					Deleted by %s, %s.
				</div>
			</div>
		</div>
	</div>
</article>
""" % (esc(p["author"]), p["id"], p["id"], p["id"], self.username(p), esc(self.abs(self.post_link(p))),
       self.time_html(p["date"]), esc(self.abs(self.post_link(p))), n, esc(p["deleted_by"]),
       self.time_html(p["deleted_date"]))

    def article(self, req, t, p, n):
        fx = self.fx
        if p["deleted"]:
            return self.deleted_article(req, t, p, n)
        u = None if p["guest"] else fx.users.get(p["author"])
        q = self.quoted(p)
        sig = fx.signature_of(p)
        link = esc(self.abs(self.post_link(p)))
        if u:
            user = """				<div class="message-avatar ">
					<div class="message-avatar-wrapper">
						<a href="%s" class="avatar avatar--m avatar--default avatar--default--dynamic" data-user-id="%d" data-xf-init="member-tooltip">
							<span class="avatar-u%d-m" role="img" aria-label="%s">%s</span>
						</a>
					</div>
				</div>
				<div class="message-userDetails">
					<h4 class="message-name"><a href="%s" class="username " dir="auto" data-user-id="%d" data-xf-init="member-tooltip" itemprop="name">%s</a></h4>
					<h5 class="userTitle message-userTitle" dir="auto" itemprop="jobTitle">%s</h5>
				</div>
				<div class="message-userExtras">
					<dl class="pairs pairs--justified"><dt>Joined</dt><dd>%s</dd></dl>
					<dl class="pairs pairs--justified"><dt>%s</dt><dd>%s</dd></dl>
				</div>""" % (esc(self.abs(self.member_link(u))), u["id"], u["id"], esc(u["name"]),
                             esc(u["name"][:1].upper()), esc(self.abs(self.member_link(u))), u["id"], esc(u["name"]),
                             esc(u["title"]), self.date_string(fx.local(u["joined"])), self.t("Messages"),
                             self.L.num(u["id"] * 7))
        else:
            user = """				<div class="message-avatar ">
					<div class="message-avatar-wrapper">
						<span class="avatar avatar--m avatar--default avatar--default--dynamic" data-user-id="0"><span class="avatar-u0-m" role="img" aria-label="%s">%s</span></span>
					</div>
				</div>
				<div class="message-userDetails">
					<h4 class="message-name"><span class="username " dir="auto" data-user-id="0" itemprop="name">%s</span></h4>
					<h5 class="userTitle message-userTitle" dir="auto" itemprop="jobTitle">%s</h5>
				</div>""" % (esc(p["author"]), esc(p["author"][:1].upper()), esc(p["author"]), self.t("Guest"))
        edit = ""
        if p["edits"]:
            edit = ('\t\t\t\t\t<div class="message-lastEdit">\n\t\t\t\t\t\t%s %s\n\t\t\t\t\t</div>\n'
                    % (self.t("Last edited:") if p["edited_by"] == p["author"] else "Last edited by a moderator:",
                       self.time_html(p["edited_date"])))
        return """<article class="message message--post js-post js-inlineModContainer  "
	data-author="%s"
	data-content="post-%d"
	id="js-post-%d"
	itemscope itemtype="https://schema.org/Comment" itemid="%s%s">
	<span class="u-anchorTarget" id="post-%d"></span>
	<div class="message-inner">
		<div class="message-cell message-cell--user">
			<section class="message-user" itemprop="author" itemscope itemtype="https://schema.org/Person">
%s
				<span class="message-userArrow"></span>
			</section>
		</div>
		<div class="message-cell message-cell--main">
			<div class="message-main js-quickEditTarget">
				<header class="message-attribution message-attribution--split">
					<ul class="message-attribution-main listInline ">
						<li class="u-concealed">
							<a href="%s" rel="nofollow" itemprop="url">
								%s
							</a>
						</li>
					</ul>
					<ul class="message-attribution-opposite message-attribution-opposite--list ">
						<li>
							<a href="%s" class="message-attribution-gadget" data-xf-init="share-tooltip" data-href="%s" aria-label="Share" rel="nofollow">
								<i class="fa--xf far fa-share-alt" aria-hidden="true"></i>
							</a>
						</li>
						<li>
							<a href="%s" rel="nofollow">
								#%d
							</a>
						</li>
					</ul>
				</header>
				<div class="message-content js-messageContent">
					<div class="message-userContent lbContainer js-lbContainer "
						data-lb-id="post-%d"
						data-lb-caption-desc="%s &middot; %s">
						<article class="message-body js-selectToQuote">
							<div class="bbWrapper">%s%s</div>
							<div class="js-selectToQuoteEnd">&nbsp;</div>
						</article>
					</div>
%s%s%s				</div>
				<footer class="message-footer">
					<div class="message-actionBar actionBar">
						<div class="actionBar-set actionBar-set--external">
							<a href="%s" class="actionBar-action actionBar-action--reply" title="Reply, quoting this message" rel="nofollow" data-xf-click="quote" data-quote-href="%s">Reply</a>
						</div>
					</div>
					<div class="reactionsBar js-reactionsList ">
					</div>
					<div class="js-historyTarget message-historyTarget toggleTarget" data-href="trigger-href"></div>
				</footer>
			</div>
		</div>
	</div>
</article>
""" % (esc(p["author"]), p["id"], p["id"], fx.origin, link, p["id"], user, link, self.time_html(p["date"]),
       link, esc(self.abs("posts/%d/share" % p["id"])), link, n, p["id"], esc(p["author"]),
       self.t("%s at %s") % (self.date_string(fx.local(p["date"])), self.time_string(fx.local(p["date"]))),
       self.quote_html(q) if q else "", p["body"], self.attach_block(p), edit,
       ('\t\t\t\t\t<aside class="message-signature">\n\t\t\t\t\t\t<div class="bbWrapper">%s</div>\n'
        '\t\t\t\t\t</aside>\n' % sig) if sig else "",
       esc(self.abs(self.thread_link(t) + "reply?quote=%d" % p["id"])), esc(self.abs("posts/%d/quote" % p["id"])))

    ATTACH_RE = r"^/attachments/(?:[^/]*\.)?(\d+)/?$"

    def attachment_link(self, a):
        return self.abs("attachments/%s.%d/" % (self.slug(a["name"]), a["id"]))

    def attach_block(self, p):
        atts = self.attachments_of(p)
        if not atts:
            return ""
        return ('\t\t\t\t\t<section class="message-attachments">\n\t\t\t\t\t\t<h4 class="block-textHeader">Attachments'
                '</h4>\n\t\t\t\t\t\t<ul class="attachmentList">\n%s\t\t\t\t\t\t</ul>\n\t\t\t\t\t</section>\n' % "".join(
                    '\t\t\t\t\t\t\t<li class="file file--linked">\n\t\t\t\t\t\t\t\t<a class="u-anchorTarget" '
                    'id="attachment-%d"></a>\n\t\t\t\t\t\t\t\t<a class="file-preview js-lbImage" href="%s" target="_blank">'
                    '<span class="file-typeIcon"><i class="fa--xf far fa-file" aria-hidden="true"></i></span></a>\n'
                    '\t\t\t\t\t\t\t\t<div class="file-content">\n\t\t\t\t\t\t\t\t\t<div class="file-info">\n'
                    '\t\t\t\t\t\t\t\t\t\t<span class="file-name" title="%s">%s</span>\n\t\t\t\t\t\t\t\t\t\t<div '
                    'class="file-meta">%s &middot; Views: 0</div>\n\t\t\t\t\t\t\t\t\t</div>\n\t\t\t\t\t\t\t\t</div>\n'
                    '\t\t\t\t\t\t\t</li>\n' % (a["id"], esc(self.attachment_link(a)), esc(a["name"]), esc(a["name"]),
                                                 self.size_text(a["size"])) for a in atts))

    def similar(self, req, t):
        fx = self.fx
        others = [fx.threads[i] for i in fx.board_threads(t["board"])
                  if i != t["id"] and not fx.threads[i].get("moved_to")][:5]
        if not others:
            return ""
        return """<div class="block" data-widget-id="17" data-widget-key="xfes_thread_view_below_quick_reply_similar_threads" data-widget-definition="xfes_similar_threads">
	<div class="block-container">
		<h3 class="block-header">%s</h3>
		<div class="block-body">
			<div class="structItemContainer">
%s			</div>
		</div>
	</div>
</div>
""" % (self.t("Similar threads"), "".join(self.struct_item(req, o) for o in others))

    def quick_reply(self, req, t):
        fx = self.fx
        last = fx.last_post(t)
        return """<form action="%s" method="post" class="block js-quickReply"
	 data-xf-init="attachment-manager quick-reply ajax-submit draft"
	 data-draft-url="%s"
	 data-draft-autosave="60"
	 data-captcha-context="xf_guest_thread_quick_reply"
	 data-message-container="div[data-type=post] .js-replyNewMessageContainer">
	<input type="hidden" name="_xfToken" value="%s" />
	<div class="block-container">
		<div class="block-body">
			<div class="message message--quickReply block-topRadiusContent block-bottomRadiusContent">
				<div class="message-inner">
					<div class="message-cell message-cell--main">
						<div class="message-editorWrapper">
							<textarea name="message_html" class="input js-editor u-jsOnly" data-xf-init="editor" data-original-name="message" style="visibility: hidden; height: 137px;" aria-label="Rich text box"></textarea>
							<noscript><textarea name="message" class="input" aria-label="Rich text box"></textarea></noscript>
						</div>
						<div class="formButtonGroup">
							<div class="formButtonGroup-primary">
								<button type="submit" class="button--primary button button--icon button--icon--reply"><span class="button-text">Post reply</span></button>
							</div>
							<input type="hidden" name="last_date" value="%d" autocomplete="off" />
							<input type="hidden" name="last_known_date" value="%d" autocomplete="off" />
							<input type="hidden" name="load_extra" value="1" />
						</div>
					</div>
				</div>
			</div>
		</div>
	</div>
</form>
""" % (esc(self.abs(self.thread_link(t) + "add-reply")), esc(self.abs(self.thread_link(t) + "draft")),
       self.token(req), last["date"], last["date"])

    def page_thread(self, req, tid, page):
        fx = self.fx
        t = self.thread_for(tid)
        if t is None:
            return self.error(req, self.ERRORS["no_thread"], 404)
        if t["id"] != tid:      # a redirect thread
            return self.redirect(req, fx.origin + self.abs(self.thread_link(t)), 301)
        if not self.can_read(req, t["board"]):
            return self.no_permission(req)
        per = fx.posts_per_page
        ids = self.visible_ids(req, t)
        total = len(ids)
        n = self.npages(total, per)
        if page > n:
            return self.redirect(req, fx.origin + self.abs(self.thread_link(t, n)), 301)
        start = (page - 1) * per
        posts = [fx.post(ids[i]) for i in range(start, min(start + per, total))]
        nav = self.page_nav(total, per, page, lambda pg: self.thread_link(t, pg))
        articles = "".join(self.article(req, t, p, start + k + 1) for k, p in enumerate(posts))
        if t["closed"]:
            after = ('<dl class="blockStatus">\n\t<dt>Status</dt>\n\t<dd class="blockStatus-message '
                     'blockStatus-message--locked">\n\t\t%s\n\t</dd>\n</dl>\n' % self.t("Not open for further replies."))
            status_field = after
        else:
            after = ""
            status_field = ""
        guest_note = ""
        if req.user is None and not t["closed"]:
            guest_note = ('<div class="block-outer-opposite">\n\t<a href="%s" class="button--link button--wrap button" '
                          'data-xf-click="overlay"><span class="button-text">\n\t\tYou must log in or register to '
                          'reply here.\n\t</span></a>\n</div>' % self.abs("login/"))
        first = fx.tpost(t, 0)
        desc = """<div class="p-description">
	<ul class="listInline listInline--bullet">
		<li>
			<i class="fa--xf far fa-user" aria-hidden="true" title="%s"></i>
			<span class="u-srOnly">%s</span>
			%s
		</li>
		<li>
			<i class="fa--xf far fa-clock" aria-hidden="true" title="%s"></i>
			<span class="u-srOnly">%s</span>
			<a href="%s" class="u-concealed">%s</a>
		</li>
	</ul>
</div>""" % (self.t("Thread starter"), self.t("Thread starter"), self.username(first, "username  u-concealed"),
             self.t("Start date"), self.t("Start date"), esc(self.abs(self.thread_link(t))), self.time_html(first["date"]))
        body = """<div class="block block--messages" data-xf-init="" data-type="post" data-href="%s" data-search-target="*">
	<span class="u-anchorTarget" id="posts"></span>
	<div class="block-outer">%s</div>
	<div class="block-outer js-threadStatusField">%s</div>
	<div class="block-container lbContainer"
		data-xf-init="lightbox select-to-quote"
		data-message-selector=".js-post"
		data-lb-id="thread-%d"
		data-lb-universal="0">
		<div class="block-body js-replyNewMessageContainer">
%s		</div>
	</div>
	<div class="block-outer block-outer--after">%s%s</div>
</div>
%s%s""" % (self.abs("inline-mod/"), nav, status_field, tid, articles, nav, guest_note,
           self.quick_reply(req, t) if req.user is not None and not t["closed"] else after,
           self.similar(req, t))
        b = fx.boards[t["board"]]
        crumbs = [(self.abs(self.board_link(x)), x["name"]) for x in fx.board_chain(b["id"])]
        title = t["title"] + (" | Page %d" % page if page > 1 else "") + " | " + fx.title
        extra = '\t<link rel="canonical" href="%s%s" />\n' % (fx.origin, esc(self.abs(self.thread_link(t, page))))
        if page < n:
            extra += '\t<link rel="next" href="%s" />\n' % esc(self.abs(self.thread_link(t, page + 1)))
        if page > 1:
            extra += '\t<link rel="prev" href="%s" />\n' % esc(self.abs(self.thread_link(t, page - 1)))
        return self.page(req, title, crumbs, body, template="thread_view", h1=t["title"], desc=desc,
                         extra_head=extra, content_key="thread-%d" % tid)

    # posting

    def page_reply(self, req, tid):
        t = self.thread_for(tid)
        if t is None:
            return self.error(req, self.ERRORS["no_thread"], 404)
        if req.user is None or not self.can_read(req, t["board"]) or t["closed"]:
            return self.no_permission(req)
        body = self.quick_reply(req, t).replace("js-quickReply", "js-replyForm")
        return self.page(req, "Reply to thread | %s" % self.fx.title,
                         [(self.abs(self.thread_link(t)), t["title"])], body, template="thread_reply",
                         h1="Reply to thread")

    def json_or_error(self, req, message, status=200):
        if req.f("_xfResponseType") == "json":
            import json
            return Resp(400 if status == 200 else status, json.dumps({"status": "error", "errors": [message]}),
                        "application/json; charset=utf-8")
        return self.error(req, message, status)

    def posted_text(self, req):
        """message (BBCode) or message_html (the editor's HTML) as BBCode-ish text."""
        if req.f("message"):
            return req.f("message")
        h = req.f("message_html")
        h = re.sub(r"(?i)<br\s*/?>|</p>\s*<p[^>]*>", "\n", h)
        return strip_tags(h)

    def add_reply(self, req, tid):
        fx = self.fx
        if req.method != "POST":
            return self.page_reply(req, tid)
        t = self.thread_for(tid)
        if t is None:
            fx.record_post(req, req.user, 404, error="no_thread")
            return self.json_or_error(req, self.ERRORS["no_thread"], 404)
        if not self.token_ok(req, req.f("_xfToken")):
            fx.record_post(req, req.user, 400, error="token")
            return self.json_or_error(req, self.ERRORS["token"], 400)
        if req.user is None or not self.can_read(req, t["board"]) or t["closed"]:
            fx.record_post(req, req.user, 403, error="closed" if t["closed"] else "no_permission")
            return self.no_permission(req)
        return self.finish_post(req, *fx.submit(req, req.user, thread=tid, message=self.posted_text(req)))

    def finish_post(self, req, pid, err):
        fx = self.fx
        if err:
            fx.record_post(req, req.user, 200, error=err[0])
            msg = self.ERRORS[err[0]] % err[1] if err[0] == "flood" else self.ERRORS[err[0]]
            return self.json_or_error(req, msg)
        fx.record_post(req, req.user, 303, pid=pid)
        p = fx.post(pid)
        t = fx.threads[p["thread"]]
        page = t["posts"].index(pid) // fx.posts_per_page + 1
        url = "%s%s#post-%d" % (fx.origin, self.abs(self.thread_link(t, page)), pid)
        if req.f("_xfResponseType") == "json":
            import json
            return Resp(200, json.dumps({"status": "ok", "message": "Your message has been posted.",
                                         "redirect": url, "post_id": pid}), "application/json; charset=utf-8")
        return self.redirect(req, url)

    def post_thread(self, req, bid):
        fx = self.fx
        b = fx.boards.get(bid)
        if b is None:
            return self.error(req, self.ERRORS["no_board"], 404)
        if b.get("link"):
            return Resp(302, "", headers={"Location": b["link"]})
        if req.user is None or not self.can_read(req, bid):
            return self.no_permission(req)
        if req.method != "POST":
            form = """<form action="%s" method="post" class="block" data-xf-init="attachment-manager">
	<input type="hidden" name="_xfToken" value="%s" />
	<div class="block-container">
		<div class="block-body">
			<dl class="formRow formRow--input"><dt><div class="formRow-labelWrapper"><label class="formRow-label">Title</label></div></dt>
				<dd><input type="text" class="input" name="title" maxlength="150" placeholder="Thread title" /></dd></dl>
			<dl class="formRow formRow--fullWidth"><dt></dt>
				<dd><textarea name="message" class="input"></textarea></dd></dl>
		</div>
		<dl class="formRow formSubmitRow"><dt></dt><dd><div class="formSubmitRow-main"><div class="formSubmitRow-controls">
			<button type="submit" class="button--primary button button--icon button--icon--write"><span class="button-text">Post thread</span></button>
		</div></div></dd></dl>
	</div>
</form>
""" % (esc(self.abs(self.board_link(b) + "post-thread")), self.token(req))
            return self.page(req, "Post thread | %s" % fx.title, [(self.abs(self.board_link(b)), b["name"])], form,
                             template="forum_post_thread", h1="Post thread")
        if not self.token_ok(req, req.f("_xfToken")):
            fx.record_post(req, req.user, 400, error="token")
            return self.json_or_error(req, self.ERRORS["token"], 400)
        return self.finish_post(req, *fx.submit(req, req.user, board=bid, message=self.posted_text(req),
                                                title=req.f("title")))

    # RSS

    def feed(self, req, bid):
        fx = self.fx
        if bid is not None:
            b = fx.boards.get(bid)
            if b is None:
                return self.error(req, self.ERRORS["no_board"], 404)
            if fx.board_members_only(bid):
                return self.no_permission(req)
            bids = [bid]
            title, link = b["name"], fx.origin + self.abs(self.board_link(b))
        else:
            bids = [x for x in fx.boards if not fx.board_members_only(x)]
            title, link = fx.title, fx.origin + self.abs("forums/")
        ts = sorted((fx.threads[i] for x in bids for i in fx.boards[x]["threads"] if not fx.threads[i].get("moved_to")),
                    key=lambda t: (fx.last_post(t)["date"], t["id"]), reverse=True)[:20]
        items = []
        for t in ts:
            first = fx.tpost(t, 0)
            url = fx.origin + self.abs(self.thread_link(t))
            items.append("""		<item>
			<title>%s</title>
			<pubDate>%s</pubDate>
			<link>%s</link>
			<guid isPermaLink="false">%d</guid>
			<author>invalid@example.com (%s)</author>
			<dc:creator>%s</dc:creator>
			<category domain="%s"><![CDATA[%s]]></category>
			<slash:comments>%d</slash:comments>
			<content:encoded><![CDATA[<div class="bbWrapper">%s</div>]]></content:encoded>
		</item>
""" % (esc(t["title"]), self.rfc822(first["date"]), url, t["id"], esc(first["author"]), esc(first["author"]),
       fx.origin + self.abs(self.board_link(fx.boards[t["board"]])), fx.boards[t["board"]]["name"],
       len(t["posts"]) - 1, first["body"]))
        last = max([fx.last_post(t)["date"] for t in ts] or [0])
        body = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
	<channel>
		<title>%s</title>
		<description>%s</description>
		<pubDate>%s</pubDate>
		<lastBuildDate>%s</lastBuildDate>
		<generator>%s</generator>
		<link>%s</link>
		<atom:link rel="self" type="application/rss+xml" href="%s%s"/>
%s	</channel>
</rss>
""" % (esc(title), esc(title), self.rfc822(last or fx.now()), self.rfc822(last or fx.now()), esc(fx.title),
       link, fx.origin, esc(fx.prefix + req.path), "".join(items))
        return self.feed_response(body, "application/rss+xml; charset=utf-8", last or None)


# ---- vBulletin 3.8 ---------------------------------------------------------

class VBulletin3(VBulletin4):
    POSTS_PER_PAGE = 15
    THREADS_PER_PAGE = 20
    INDEX = "index.php"
    COOKIE = "bb"
    VERSION = "3.8.11"
    CHANGED = [(r'<table id="post(\d+)"', r'<table id="message\1"'), (r'id="post_message_(\d+)"', r'id="msg_text_\1"'),
               (r'id="td_post_(\d+)"', r'id="td_msg_\1"'), (r'id="thread_title_(\d+)"', r'id="topic_title_\1"'),
               (r'id="td_threadtitle_(\d+)"', r'id="td_topictitle_\1"'), (r'\bbigusername\b', 'biguser')]

    def thread_link(self, t, page=1, style=None):
        return "showthread.php?t=%d%s" % (t["id"], "&page=%d" % page if page > 1 else "")

    def board_link(self, b, page=1, style=None):
        return "forumdisplay.php?f=%d%s" % (b["id"], "&page=%d" % page if page > 1 else "")

    def date_text(self, ts):
        ds, tm = self.date_parts(ts)
        return '%s, <span class="time">%s</span>' % (html.escape(ds, False), tm)

    def page(self, req, title, crumbs, last, content, extra_head=""):
        fx = self.fx
        nav = "".join('\t<span class="navbar">&gt; <a href="%s">%s</a></span>\n' % (esc(h), esc(n)) for h, n in crumbs)
        lastline = ""
        if last:
            lastline = ('\t\t<tr>\n\t\t\t<td class="navbar" style="font-size:10pt; padding-top:1px" colspan="3">'
                        '<img class="inlineimg" src="images/misc/navbits_finallink_ltr.gif" alt="Reload this Page" '
                        'border="0" /> <strong>\n\t%s\n</strong></td>\n\t\t</tr>\n' % esc(last))
        if req.user is None:
            box = """	<td class="alt2" nowrap="nowrap" style="padding:0px">
		<!-- login form -->
		<form action="login.php?do=login" method="post" onsubmit="md5hash(vb_login_password, vb_login_md5password, vb_login_md5password_utf, 0)">
		<script type="text/javascript" src="clientscript/vbulletin_md5.js?v=3811"></script>
		<table cellpadding="0" cellspacing="3" border="0">
		<tr>
			<td class="smallfont" style="white-space: nowrap;"><label for="navbar_username">User Name</label></td>
			<td><input type="text" class="bginput" style="font-size: 11px" name="vb_login_username" id="navbar_username" size="10" accesskey="u" tabindex="101" value="User Name" /></td>
			<td class="smallfont" nowrap="nowrap"><label for="cb_cookieuser_navbar"><input type="checkbox" name="cookieuser" value="1" tabindex="103" id="cb_cookieuser_navbar" accesskey="c" />Remember Me?</label></td>
		</tr>
		<tr>
			<td class="smallfont"><label for="navbar_password">Password</label></td>
			<td><input type="password" class="bginput" style="font-size: 11px" name="vb_login_password" id="navbar_password" size="10" tabindex="102" /></td>
			<td><input type="submit" class="button" value="Log in" tabindex="104" accesskey="s" /></td>
		</tr>
		</table>
		<input type="hidden" name="s" value="" />
		<input type="hidden" name="securitytoken" value="guest" />
		<input type="hidden" name="do" value="login" />
		<input type="hidden" name="vb_login_md5password" />
		<input type="hidden" name="vb_login_md5password_utf" />
		</form>
		<!-- / login form -->
	</td>
"""
        else:
            box = ('\t<td class="alt2" valign="top" nowrap="nowrap">\n\t\t<div class="smallfont">\n\t\t\t<strong>Welcome, '
                   '<a href="member.php?u=%d">%s</a>.</strong><br />\n\t\t\t<a href="login.php?do=logout&amp;logouthash=%s">'
                   'Log Out</a>\n\t\t</div>\n\t</td>\n' % (req.user["id"], esc(req.user["name"]), self.token(req)))
        now = fx.local(fx.now())
        h, ap = h12(now)
        return Resp(200, """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" dir="ltr" lang="%s">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="generator" content="vBulletin %s" />
<script type="text/javascript">
<!--
var SESSIONURL = "";
var SECURITYTOKEN = "%s";
// -->
</script>
<link rel="alternate" type="application/rss+xml" title="%s RSS Feed" href="external.php?type=RSS2" />
%s<title>%s</title>
</head>
<body>
<!-- logo -->
<a name="top"></a>
<table border="0" width="100%%" cellpadding="0" cellspacing="0" align="center">
<tr>
	<td align="left"><a href="index.php"><img src="images/misc/vbulletin3_logo_white.gif" border="0" alt="%s" /></a></td>
	<td align="right" id="header_right_cell">&nbsp;</td>
</tr>
</table>
<!-- /logo -->
<!-- content table -->
<!-- open content container -->
<div align="center">
	<div class="page" style="width:100%%; text-align:left">
		<div style="padding:0px 25px 0px 25px" align="left">
<br />
<!-- breadcrumb, login, pm info -->
<table class="tborder" cellpadding="6" cellspacing="1" border="0" width="100%%" align="center">
<tr>
	<td class="alt1" width="100%%">
		<table cellpadding="0" cellspacing="0" border="0">
		<tr valign="bottom">
			<td><a href="#" onclick="history.back(1); return false;"><img src="images/misc/navbits_start.gif" alt="Go Back" border="0" /></a></td>
			<td>&nbsp;</td>
			<td width="100%%"><span class="navbar"><a href="index.php" accesskey="1">%s</a></span>
%s</td>
		</tr>
%s		</table>
	</td>
%s</tr>
</table>
<!-- / breadcrumb, login, pm info -->
<!-- nav buttons bar -->
<div class="tborder" style="padding:1px; border-top-width:0px">
	<table cellpadding="0" cellspacing="0" border="0" width="100%%" align="center">
	<tr align="center">
		<td class="vbmenu_control"><a rel="help" href="faq.php" accesskey="5">FAQ</a></td>
		<td class="vbmenu_control"><a href="calendar.php">Calendar</a></td>
		<td class="vbmenu_control"><a href="search.php?do=getnew" accesskey="2">New Posts</a></td>
		<td class="vbmenu_control"><a href="search.php?do=getdaily" accesskey="2">Today's Posts</a></td>
	</tr>
	</table>
</div>
<!-- / nav buttons bar -->
<br />
%s
<br />
<div class="smallfont" align="center">All times are GMT. The time now is <span class="time">%s</span>.</div>
<br />
		</div>
	</div>
</div>
<!-- / close content container -->
<!-- /content area table -->
<form action="index.php" method="get" style="clear:left">
<table cellpadding="6" cellspacing="0" border="0" width="100%%" class="page" align="center">
<tr>
	<td class="tfoot" align="right" width="100%%">
		<div class="smallfont">
			<strong>
				<a href="sendmessage.php" rel="nofollow" accesskey="9">Contact Us</a> -
				<a href="index.php">%s</a> -
				<a href="archive/index.php">Archive</a> -
				<a href="#top" onclick="self.scrollTo(0, 0); return false;">Top</a>
			</strong>
		</div>
	</td>
</tr>
</table>
<br />
<div align="center">
	<div class="smallfont" align="center">
	<!-- Do not remove this copyright notice -->
	Powered by vBulletin&reg; Version %s<br />Copyright &copy;2000 - 2026, vBulletin Solutions, Inc.
	<!-- Do not remove this copyright notice -->
	</div>
</div>
</form>
</body>
</html>""" % (self.L.code, self.VERSION, self.token(req), esc(fx.title), extra_head, esc(title), esc(fx.title),
              esc(fx.title), nav, lastline, box, content,
              "%02d:%02d %s" % (h, now.minute, ap) if self.L.code == "en" else now.strftime("%H:%M"),
              esc(fx.title), self.VERSION))

    def error(self, req, message, status=200, login_form=False):
        body = """<table class="tborder" cellpadding="6" cellspacing="1" border="0" width="70%%" align="center">
<tr>
	<td class="tcat">vBulletin Message</td>
</tr>
<tr>
	<td class="panelsurround" align="center">
	<div class="panel">
		<div align="left">
		<!-- main error message -->
		<div style="margin: 10px">%s</div>
		<!-- / main error message -->
		</div>
	</div>
	<div style="margin-top:6px">
		<input type="submit" class="button" value="Go Back" accesskey="s" onclick="history.back(1); return false" />
	</div>
	</td>
</tr>
</table>
%s""" % (message, self.login_block(req, "") if login_form else "")
        r = self.page(req, self.fx.title, [], None, body)
        r.status = status
        return r

    def redirect(self, req, message, url):
        body = """<table class="tborder" cellpadding="6" cellspacing="1" border="0" width="70%%" align="center">
<tr>
	<td class="tcat">Redirecting...</td>
</tr>
<tr>
	<td class="panelsurround" align="center">
	<div class="panel">
		<blockquote>
		<p>&nbsp;</p>
		<strong>%s</strong>
		<p><a href="%s">Click here if your browser does not automatically redirect you.</a></p>
		</blockquote>
	</div>
	</td>
</tr>
</table>""" % (message, esc(url))
        return self.page(req, self.fx.title, [], None, body,
                         '<meta http-equiv="Refresh" content="2; URL=%s" />\n' % esc(url))

    def pagination(self, n_items, per, cur, link, key, hidden_name, hidden_value):
        n = self.npages(n_items, per)
        if n <= 1:
            return ""
        t, num = self.t, self.L.num

        def rng(p):
            return num((p - 1) * per + 1), num(min(p * per, n_items)), num(n_items)
        cells = ['\t<td class="vbmenu_control" style="font-weight:normal">%s</td>\n' % (t("Page %d of %d") % (cur, n))]
        if cur > 1:
            cells.append('\t<td class="alt1" nowrap="nowrap"><a rel="start" class="smallfont" href="%s" title="First '
                         'Page - %s"><strong>&laquo;</strong> First</a></td>\n' % (esc(link(1)), t("Results %s to %s of %s") % rng(1)))
            cells.append('\t<td class="alt1"><a rel="prev" class="smallfont" href="%s" title="Prev Page - %s">&lt;</a>'
                         '</td>\n' % (esc(link(cur - 1)), t("Results %s to %s of %s") % rng(cur - 1)))
        cells.append("\t")
        for p in window(cur, n):
            if p == cur:
                cells.append('<td class="alt2"><span class="smallfont" title="Showing results %s to %s of %s">'
                             '<strong>%d</strong></span></td>' % (rng(p) + (p,)))
            else:
                cells.append('<td class="alt1"><a class="smallfont" href="%s" title="%s">%d</a></td>'
                             % (esc(link(p)), t("Show results %s to %s of %s") % rng(p), p))
        cells.append("\n")
        if cur < n:
            cells.append('\t<td class="alt1"><a rel="next" class="smallfont" href="%s" title="Next Page - %s">&gt;</a>'
                         '</td>\n' % (esc(link(cur + 1)), t("Results %s to %s of %s") % rng(cur + 1)))
            cells.append('\t<td class="alt1" nowrap="nowrap"><a class="smallfont" href="%s" title="Last Page - %s">Last '
                         '<strong>&raquo;</strong></a></td>\n' % (esc(link(n)), t("Results %s to %s of %s") % rng(n)))
        cells.append('\t<td class="vbmenu_control" title="%s"><a name="PageNav"></a></td>\n' % esc(link(1)))
        return ('<div class="pagenav" align="right">\n<table class="tborder" cellpadding="3" cellspacing="1" border="0">\n'
                '<tr>\n%s</tr>\n</table>\n</div>' % "".join(cells))

    def forumbit(self, req, b, depth):
        fx = self.fx
        if b.get("link"):
            return """<tr align="center">
	<td class="alt1Active" colspan="2" id="f%d" align="left">
		<table cellpadding="0" cellspacing="0" border="0">
		<tr>
			<td><img src="images/statusicon/forum_link.gif" alt="" border="0" id="forum_statusicon_%d" /></td>
			<td><img src="clear.gif" alt="" width="9" height="1" border="0" /></td>
			<td>
				<div>
					<a href="%s"><strong>%s</strong></a>
				</div>
				<div class="smallfont">%s</div>
			</td>
		</tr>
		</table>
	</td>
	<td class="alt2" nowrap="nowrap">-</td>
	<td class="alt1">-</td>
	<td class="alt2">-</td>
</tr>
""" % (b["id"], b["id"], esc(b["link"]), esc(b["name"]), esc(b["description"]))
        nt, np_, last = self.stats(req, b["id"])
        kids = [c for c in fx.children(b["id"]) if c in self.boards_visible(req)]
        if depth == 1 and kids:
            return """<tbody>
	<tr>
		<td class="tcat" colspan="5">
			<a href="%s">%s</a>
			<div class="smallfont">%s</div>
		</td>
	</tr>
</tbody>
<tbody id="collapseobj_forumbit_%d" style="">
%s</tbody>
""" % (esc(self.board_link(b)), esc(b["name"]), esc(b["description"]), b["id"],
       "".join(self.forumbit(req, c, 2) for c in kids))
        subs = ""
        if kids:
            subs = ('\t\t\t\t<div class="smallfont" style="margin-top:6px"><strong>%s</strong>: %s</div>\n'
                    % (self.t("Sub-Forums"), ", ".join('<img class="inlineimg" src="images/statusicon/subforum_old.gif" '
                                                       'alt="" border="0" /> <a href="%s">%s</a>'
                                                       % (esc(self.board_link(c)), esc(c["name"])) for c in kids)))
        lp = '<div class="smallfont" align="center">Never</div>'
        if last is not None:
            lt = fx.threads[last["thread"]]
            lp = """<div class="smallfont" align="left">
			<div class="ellipsis" style="width:200px">
				<a href="showthread.php?goto=newpost&amp;t=%d" title="Go to first unread post in thread '%s'"><strong>%s</strong></a>
			</div>
			<div>
				by <a href="member.php?find=lastposter&amp;f=%d" rel="nofollow">%s</a>
			</div>
			<div align="right">
				%s
				<a href="%s"><img class="inlineimg" src="images/buttons/lastpost.gif" alt="Go to last post" border="0" /></a>
			</div>
		</div>""" % (lt["id"], esc(lt["title"]), esc(lt["title"]), b["id"], esc(last["author"]),
                     self.date_text(last["date"]), esc(self.post_link(last["id"])))
        return """<tr align="center">
	<td class="alt1Active" colspan="2" id="f%d" align="left">
		<table cellpadding="0" cellspacing="0" border="0">
		<tr>
			<td><img src="images/statusicon/forum_old.gif" alt="" border="0" id="forum_statusicon_%d" /></td>
			<td><img src="clear.gif" alt="" width="9" height="1" border="0" /></td>
			<td>
				<div>
					<a href="%s"><strong>%s</strong></a>
				</div>
				<div class="smallfont">%s</div>
%s			</td>
		</tr>
		</table>
	</td>
	<td class="alt2" nowrap="nowrap">
		%s
	</td>
	<td class="alt1">%s</td>
	<td class="alt2">%s</td>
</tr>
""" % (b["id"], b["id"], esc(self.board_link(b)), esc(b["name"]), esc(b["description"]), subs, lp,
       self.L.num(nt), self.L.num(np_))

    def forum_table(self, rows):
        return """<table class="tborder" cellpadding="6" cellspacing="1" border="0" width="100%%" align="center">
<thead>
	<tr align="center">
	  <td class="thead">&nbsp;</td>
	  <td class="thead" width="100%%" align="left">Forum</td>
	  <td class="thead" width="175">%s</td>
	  <td class="thead">%s</td>
	  <td class="thead">%s</td>
	</tr>
</thead>
%s</table>
""" % (self.t("Last Post"), self.t("Threads"), self.t("Posts"), rows)

    def page_index(self, req):
        fx = self.fx
        tops = [b for b in self.boards_visible(req) if b["parent"] is None]
        rows = ""
        for b in tops:
            bit = self.forumbit(req, b, 1)
            rows += bit if bit.startswith("<tbody>") else "<tbody>\n%s</tbody>\n" % bit
        return self.page(req, fx.title, [], None, self.forum_table(rows))

    def threadbit(self, req, t):
        fx = self.fx
        if t.get("moved_to"):
            target = fx.threads[t["moved_to"]]
            return """<tr>
	<td class="alt1" id="td_threadstatusicon_%d"><img src="images/statusicon/thread_moved.gif" id="thread_statusicon_%d" alt="" border="" /></td>
	<td class="alt2">&nbsp;</td>
	<td class="alt1" id="td_threadtitle_%d" title="">
		<div>
			Moved: <a href="%s" id="thread_title_%d">%s</a>
		</div>
		<div class="smallfont">
			<span style="cursor:pointer" onclick="window.open('member.php?u=%d', '_self')">%s</span>
		</div>
	</td>
	<td class="alt2" align="center">-</td>
	<td class="alt1" align="center">-</td>
	<td class="alt2" align="center">-</td>
</tr>
""" % (t["id"], t["id"], t["id"], esc(self.thread_link(target)), t["id"], esc(t["title"]),
       fx.users[t["author"]]["id"] if t["author"] in fx.users else 0, esc(t["author"]))
        first, last = fx.tpost(t, 0), fx.last_post(t)
        pages = self.npages(len(t["posts"]), fx.posts_per_page)
        multi = ""
        if pages > 1:
            multi = ('\n\t\t\t<span class="smallfont" style="white-space:nowrap">(<img class="inlineimg" '
                     'src="images/misc/multipage.gif" alt="Multi-page thread" border="0" /> %s)</span>'
                     % " ".join('<a href="%s">%d</a>' % (esc(self.thread_link(t, p)), p)
                                for p in range(1, pages + 1) if p <= 3 or p == pages))
        status = "thread" + ("_lock" if t["closed"] else "")
        return """<tr>
	<td class="alt1" id="td_threadstatusicon_%d"><img src="images/statusicon/%s.gif" id="thread_statusicon_%d" alt="" border="" /></td>
	<td class="alt2">&nbsp;</td>
	<td class="alt1" id="td_threadtitle_%d" title="%s">
		<div>
			%s<a href="%s" id="thread_title_%d">%s</a>%s
		</div>
		<div class="smallfont">
			<span style="cursor:pointer" onclick="window.open('member.php?u=%d', '_self')">%s</span>
		</div>
	</td>
	<td class="alt2" title="Replies: %d, Views: %d">
		<div class="smallfont" style="text-align:right; white-space:nowrap">
			%s<br />
			by <a href="member.php?find=lastposter&amp;t=%d" rel="nofollow">%s</a>  <a href="%s"><img class="inlineimg" src="images/buttons/lastpost.gif" alt="Go to last post" border="0" /></a>
		</div>
	</td>
	<td class="alt1" align="center"><a href="#" onclick="who(%d); return false;">%s</a></td>
	<td class="alt2" align="center">%s</td>
</tr>
""" % (t["id"], status, t["id"], t["id"], esc(strip_tags(first["body"])[:200]),
       (self.t("Sticky:") + " ") if t["sticky"] else "", esc(self.thread_link(t)), t["id"], esc(t["title"]), multi,
       fx.users[first["author"]]["id"] if first["author"] in fx.users else 0, esc(first["author"]),
       len(t["posts"]) - 1, t["views"] or len(t["posts"]) * 10, self.date_text(last["date"]), t["id"],
       esc(last["author"]), esc(self.post_link(last["id"])), t["id"], self.L.num(len(t["posts"]) - 1),
       self.L.num(t["views"] or len(t["posts"]) * 10))

    def page_board(self, req, bid, page):
        fx = self.fx
        b = fx.boards.get(bid)
        if b is None:
            return self.error(req, self.INVALID_FORUM, 404)
        if b.get("link"):
            return Resp(302, "", headers={"Location": b["link"]})
        if not self.can_read(req, bid):
            return self.no_permission(req)
        ids = self.visible_threads(req, bid)
        per = fx.threads_per_page
        n = self.npages(len(ids), per)
        page = max(1, min(page, n))
        chunk = [fx.threads[i] for i in ids[(page - 1) * per: page * per]]
        sticky = [t for t in chunk if t["sticky"]]
        normal = [t for t in chunk if not t["sticky"]]
        kids = [c for c in fx.children(bid) if c in self.boards_visible(req)]
        subs = self.forum_table("<tbody>\n%s</tbody>\n" % "".join(self.forumbit(req, c, 2) for c in kids)) + "<br />\n" if kids else ""
        pag = self.pagination(len(ids), per, page, lambda p: self.board_link(b, p), "threads", "f", bid)
        sep = ('<tr>\n\t<td class="thead" colspan="6">&nbsp;Normal Threads</td>\n</tr>\n' if sticky and normal else "")
        body = """%s<!-- threads list  -->
<table cellpadding="0" cellspacing="0" border="0" width="100%%" style="margin-bottom:3px">
<tr valign="bottom">
	<td class="smallfont"><a href="newthread.php?do=newthread&amp;f=%d" rel="nofollow"><img src="images/buttons/newthread.gif" alt="Post New Thread" border="0" /></a></td>
	<td align="right">%s</td>
</tr>
</table>
<table class="tborder" cellpadding="6" cellspacing="1" border="0" width="100%%" align="center" id="threadslist">
<tbody>
<tr>
	<td class="tcat" colspan="6">Threads in Forum<span class="normal"> : %s</span></td>
</tr>
<tr>
	<td class="thead" colspan="2">&nbsp;</td>
	<td class="thead" width="100%%">%s / Thread Starter</td>
	<td class="thead" width="150" align="center" nowrap="nowrap">%s</td>
	<td class="thead" align="center" nowrap="nowrap">%s</td>
	<td class="thead" align="center" nowrap="nowrap">%s</td>
</tr>
</tbody>
<tbody id="threadbits_forum_%d">
%s%s%s</tbody>
</table>
<table cellpadding="0" cellspacing="0" border="0" width="100%%" style="margin-top:3px">
<tr valign="top">
	<td align="right">%s</td>
</tr>
</table>
<!-- / threads list -->
""" % (subs, bid, pag, esc(b["name"]), self.t("Thread"), self.t("Last Post"), self.t("Replies"), self.t("Views"), bid,
       "".join(self.threadbit(req, t) for t in sticky), sep, "".join(self.threadbit(req, t) for t in normal), pag)
        return self.page(req, b["name"], self.crumbs_for(bid)[:-1], b["name"], body)

    def quote_html(self, q):
        return """<div style="margin:20px; margin-top:5px; ">
	<div class="smallfont" style="margin-bottom:2px">%s:</div>
	<table cellpadding="6" cellspacing="0" border="0" width="100%%">
	<tr>
		<td class="alt2" style="border:1px inset">
				<div>
					%s <strong>%s</strong>
					<a href="showthread.php?p=%d#post%d" rel="nofollow"><img class="inlineimg" src="images/buttons/viewpost.gif" border="0" alt="View Post" /></a>
				</div>
				<div style="font-style:italic">%s</div>
		</td>
	</tr>
	</table>
</div>""" % (self.t("Quote"), self.t("Originally Posted by"), esc(q["author"]), q["id"], q["id"], q["body"])

    def edit_note(self, p):
        ds, tm = self.date_parts(p["edited_date"])
        note = self.t("Last edited by %s; %s at %s.") % (esc(p["edited_by"]), ds, '<span class="time">%s</span>' % tm)
        if p["edit_reason"]:
            note += "\n\t\t\t\t\t%s %s" % (self.t("Reason:"), esc(p["edit_reason"]))
        return ('\t\t<!-- edit note -->\n\t\t\t<div class="smallfont">\n\t\t\t\t<hr size="1" style="color:#D1D1E1; '
                'background-color:#D1D1E1" />\n\t\t\t\t<em>\n\t\t\t\t\t%s\n\t\t\t\t</em>\n\t\t\t</div>\n'
                '\t\t<!-- / edit note -->\n' % note)

    def deleted_postbit(self, req, t, p, n):
        ds, tm = self.date_parts(p["date"])
        return """<!-- post #%d -->
<div id="edit%d" style="padding:0px 0px 6px 0px">
<table id="post%d" class="tborder" cellpadding="6" cellspacing="0" border="0" width="100%%" align="center">
<tr>
	<td class="thead" style="font-weight:normal">
		<a name="post%d"><img class="inlineimg" src="images/statusicon/post_old.gif" alt="Old" border="0" /></a>
		%s, %s
	</td>
	<td class="thead" style="font-weight:normal" align="right">
		#<a href="showpost.php?p=%d&amp;postcount=%d" target="new" rel="nofollow" id="postcount%d" name="%d"><strong>%d</strong></a>
	</td>
</tr>
<tr>
	<td class="alt2" width="175"><span class="bigusername">%s</span></td>
	<td class="alt1" id="td_post_%d">
		<div class="smallfont"><img class="inlineimg" src="images/misc/trashcan.gif" alt="Deleted" border="0" /> <strong>Deleted Post</strong></div>
		<div class="smallfont">This message has been deleted by %s.</div>
	</td>
</tr>
</table>
</div>
<!-- / post #%d -->""" % (p["id"], p["id"], p["id"], p["id"], html.escape(ds, False), tm, p["id"], n, p["id"], n, n,
                          esc(p["author"]), p["id"], esc(p["deleted_by"]), p["id"])

    def postbit(self, req, t, p, n):
        fx = self.fx
        if p["deleted"]:
            return self.deleted_postbit(req, t, p, n)
        u = None if p["guest"] else fx.users.get(p["author"])
        q = self.quoted(p)
        sig = fx.signature_of(p)
        if u:
            user = """			<div id="postmenu_%d">
				<a class="bigusername" href="member.php?u=%d">%s</a>
				<script type="text/javascript"> vbmenu_register("postmenu_%d", true); </script>
			</div>
			<div class="smallfont">%s</div>
			<div class="smallfont">
				&nbsp;<br />
				<div>Join Date: %s</div>
				<div>
					Posts: %s
				</div>
			</div>""" % (p["id"], u["id"], esc(p["author"]), p["id"], esc(u["title"]), self.joined(u), self.L.num(u["id"] * 7))
        else:
            user = """			<div id="postmenu_%d">
				<span class="bigusername">%s</span>
			</div>
			<div class="smallfont">%s</div>""" % (p["id"], esc(p["author"]), self.t("Guest"))
        ds, tm = self.date_parts(p["date"])
        return """<!-- post #%d -->
	<!-- open content container -->
<div align="center">
	<div class="page" style="width:100%%; text-align:left">
		<div style="padding:0px 25px 0px 25px" align="left">
	<div id="edit%d" style="padding:0px 0px 6px 0px">
<table id="post%d" class="tborder" cellpadding="6" cellspacing="0" border="0" width="100%%" align="center">
<tr>
		<td class="thead" style="font-weight:normal; border: 1px solid #D1D1E1; border-right: 0px" >
			<!-- status icon and date -->
			<a name="post%d"><img class="inlineimg" src="images/statusicon/post_old.gif" alt="Old" border="0" /></a>
			%s, %s
			<!-- / status icon and date -->
		</td>
		<td class="thead" style="font-weight:normal; border: 1px solid #D1D1E1; border-left: 0px" align="right">
			&nbsp;
			#<a href="showpost.php?p=%d&amp;postcount=%d" target="new" rel="nofollow" id="postcount%d" name="%d"><strong>%d</strong></a>
		</td>
</tr>
<tr valign="top">
	<td class="alt2" width="175" style="border: 1px solid #D1D1E1; border-top: 0px; border-bottom: 0px">
%s
	</td>
	<td class="alt1" id="td_post_%d" style="border-right: 1px solid #D1D1E1">
		<!-- message -->
		<div id="post_message_%d">%s%s</div>
		<!-- / message -->
%s%s%s	</td>
</tr>
<tr>
	<td class="alt2" style="border: 1px solid #D1D1E1; border-top: 0px">
		<img class="inlineimg" src="images/statusicon/user_offline.gif" alt="%s is offline" border="0" />
	</td>
	<td class="alt1" align="right" style="border: 1px solid #D1D1E1; border-left: 0px; border-top: 0px">
		<!-- controls -->
			<a href="newreply.php?do=newreply&amp;p=%d" rel="nofollow"><img src="images/buttons/quote.gif" alt="%s" border="0" /></a>
		<!-- / controls -->
	</td>
</tr>
</table>
	</div>
		</div>
	</div>
</div>
<!-- / close content container -->
<!-- / post #%d -->""" % (p["id"], p["id"], p["id"], p["id"], html.escape(ds, False), tm, p["id"], n, p["id"], n, n,
                          user, p["id"], p["id"], self.quote_html(q) if q else "", p["body"], self.attach_block(p),
                          ('\t\t<!-- sig -->\n\t\t\t<div>\n\t\t\t\t__________________<br />\n\t\t\t\t%s\n\t\t\t</div>\n'
                           '\t\t<!-- / sig -->\n' % sig) if sig else "",
                          self.edit_note(p) if p["edits"] else "", esc(p["author"]), p["id"],
                          self.t("Reply With Quote"), p["id"])

    def attach_block(self, p):
        atts = self.attachments_of(p)
        if not atts:
            return ""
        return ('\t\t<!-- attachments -->\n\t\t\t<div style="padding:6px">\n\t\t\t<fieldset class="fieldset">\n'
                '\t\t\t\t<legend>Attached Files</legend>\n\t\t\t\t<table cellpadding="0" cellspacing="3" border="0">\n%s'
                '\t\t\t\t</table>\n\t\t\t</fieldset>\n\t\t\t</div>\n\t\t<!-- / attachments -->\n'
                % "".join('\t\t\t\t<tr>\n\t\t\t\t\t<td><img class="inlineimg" src="images/attach/%s.gif" alt="File Type: %s" '
                          'width="16" height="16" border="0" style="vertical-align:baseline" /></td>\n\t\t\t\t\t<td><a '
                          'href="%s">%s</a> (%s, 0 views)</td>\n\t\t\t\t</tr>\n'
                          % (esc(a["name"].rsplit(".", 1)[-1].lower()), esc(a["name"].rsplit(".", 1)[-1].lower()),
                             esc(self.attachment_link(a)), esc(a["name"]), self.size_text(a["size"])) for a in atts))

    def page_thread(self, req, tid, page):
        fx = self.fx
        t = self.thread_for(tid)
        if t is None:
            return self.error(req, self.INVALID_THREAD, 404)
        if not self.can_read(req, t["board"]):
            return self.no_permission(req)
        per = fx.posts_per_page
        ids = self.visible_ids(req, t)
        total = len(ids)
        n = self.npages(total, per)
        page = max(1, min(page, n))
        start = (page - 1) * per
        posts = [fx.post(ids[i]) for i in range(start, min(start + per, total))]
        pag = self.pagination(total, per, page, lambda pg: self.thread_link(t, pg), "posts", "t", tid)
        reply = ('<img src="images/buttons/threadclosed.gif" alt="Closed Thread" border="0" />' if t["closed"] else
                 '<a href="newreply.php?do=newreply&amp;noquote=1&amp;p=%d" rel="nofollow"><img src="images/buttons/'
                 'reply.gif" alt="Reply" border="0" /></a>' % t["posts"][-1])
        body = """<a name="poststop" id="poststop"></a>
<!-- controls above postbits -->
<table cellpadding="0" cellspacing="0" border="0" width="100%%" style="margin-bottom:3px">
<tr valign="bottom">
		<td class="smallfont">%s</td>
	<td align="right">%s</td>
</tr>
</table>
<!-- / controls above postbits -->
<!-- toolbar -->
<table class="tborder" cellpadding="6" cellspacing="1" border="0" width="100%%" align="center" style="border-bottom-width:0px">
<tr>
	<td class="tcat" width="100%%">
		<div class="smallfont">
		&nbsp;
		</div>
	</td>
	<td class="vbmenu_control" id="threadtools" nowrap="nowrap">
		<a href="printthread.php?t=%d">Thread Tools</a>
	</td>
</tr>
</table>
<!-- / toolbar -->
<!-- end content table -->
		</div>
	</div>
</div>
<!-- / close content container -->
<!-- / end content table -->
<div id="posts">%s<div id="lastpost"></div></div>
<!-- start content table -->
<!-- open content container -->
<div align="center">
	<div class="page" style="width:100%%; text-align:left">
		<div style="padding:0px 25px 0px 25px" align="left">
<!-- / start content table -->
<!-- controls below postbits -->
<table cellpadding="0" cellspacing="0" border="0" width="100%%" style="margin-top:-3px">
<tr valign="top">
		<td class="smallfont">%s</td>
		<td align="right">%s</td>
</tr>
</table>
<!-- / controls below postbits -->
%s""" % (reply, pag, tid, "".join(self.postbit(req, t, p, start + k + 1) for k, p in enumerate(posts)),
         reply, pag, self.similar3(t))
        return self.page(req, t["title"] + (" - Page %d" % page if page > 1 else ""), self.crumbs_for(t["board"]),
                         t["title"], body)

    def similar3(self, t):
        fx = self.fx
        others = [fx.threads[i] for i in fx.board_threads(t["board"])
                  if i != t["id"] and not fx.threads[i].get("moved_to")][:5]
        if not others:
            return ""
        return """<br />
<table class="tborder" cellpadding="6" cellspacing="1" border="0" width="100%%" align="center">
<thead>
	<tr>
		<td class="tcat" colspan="5">%s</td>
	</tr>
</thead>
<tbody id="collapseobj_similarthreads" style="">
<tr class="thead" align="center">
	<td class="thead" width="40%%">Thread</td>
	<td class="thead" width="15%%" nowrap="nowrap">Thread Starter</td>
	<td class="thead" width="20%%">Forum</td>
</tr>
%s</tbody>
</table>
""" % (self.t("Similar Threads"), "".join(
            '<tr>\n\t<td class="alt1" align="left"><span class="smallfont"><a href="%s" title="">%s</a></span></td>\n'
            '\t<td class="alt2" nowrap="nowrap"><span class="smallfont">%s</span></td>\n\t<td class="alt1" nowrap="nowrap">'
            '<span class="smallfont">%s</span></td>\n</tr>\n' % (esc(self.thread_link(o)), esc(o["title"]),
                                                                  esc(o["author"]), esc(fx.boards[o["board"]]["name"]))
            for o in others))


# ---- phpBB 3.0 prosilver ---------------------------------------------------

class PhpBB30(PhpBB3):
    check_login_token = False
    CHANGED = PhpBB3.CHANGED

    def visible_ids(self, req, t):
        return t["posts"]       # 3.0 has no soft delete: a deleted post is gone for everyone

    def feed_link(self, thread=None, board=None):
        if thread:
            return "feed.php?t=%d" % thread
        if board:
            return "feed.php?f=%d" % board
        return "feed.php"

    def feed_base(self):
        return self.fx.url + "/feed.php"

    def route_feed(self, req):
        if req.path == "/feed.php":
            if req.qint("t"):
                return self.feed(req, "topic", req.qint("t"))
            if req.qint("f"):
                return self.feed(req, "forum", req.qint("f"))
            return self.feed(req, None, 0)
        return None

    def time_html(self, ts):
        return self.fmt_date(ts)

    def profile(self, p_or_name):
        name = p_or_name if isinstance(p_or_name, str) else p_or_name["author"]
        if not isinstance(p_or_name, str) and p_or_name["guest"]:
            return esc(name)
        u = self.fx.users.get(name)
        return '<a href="./memberlist.php?mode=viewprofile&amp;u=%d">%s</a>' % (u["id"] if u else 1, esc(name))

    def quote_html(self, q):
        return '<blockquote><div><cite>%s</cite>%s</div></blockquote>' % (self.t("%s wrote:") % esc(q["author"]), q["body"])

    def head(self, req, title, extra=""):
        return """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" dir="ltr" lang="%s" xml:lang="%s">
<head>
<meta http-equiv="content-type" content="text/html; charset=UTF-8" />
<meta http-equiv="content-style-type" content="text/css" />
<meta http-equiv="content-language" content="%s" />
<title>%s</title>
<link rel="alternate" type="application/atom+xml" title="Feed - %s" href="%s/feed.php" />
%s<!--
	phpBB style name: prosilver
	Based on style:   prosilver (this is the default phpBB3 style)
	Original author:  Tom Beddard ( http://www.subBlue.com/ )
-->
<link href="./styles/prosilver/theme/print.css" rel="stylesheet" type="text/css" media="print" title="printonly" />
<link href="./style.php?id=1&amp;lang=en" rel="stylesheet" type="text/css" media="screen, projection" />
</head>
<body id="phpbb" class="section-%s ltr">
""" % ("en-gb" if self.L.code == "en" else self.L.code, "en-gb" if self.L.code == "en" else self.L.code,
       "en-gb" if self.L.code == "en" else self.L.code, esc(title), esc(self.fx.title), self.fx.url, extra,
       req.path.strip("/").split(".")[0] or "index")

    def header(self, req, crumbs):
        nav = "".join(' <strong>&#8249;</strong> <a href="%s">%s</a>' % (esc(self.board_link(b)), esc(b["name"]))
                      for b in crumbs)
        if req.user is None:
            acct = ('\t\t\t\t<li class="icon-register"><a href="./ucp.php?mode=register">Register</a></li>\n'
                    '\t\t\t\t\t<li class="icon-logout"><a href="./ucp.php?mode=login" title="Login" accesskey="x">Login</a></li>\n')
        else:
            acct = ('\t\t\t\t\t<li class="icon-logout"><a href="./ucp.php?mode=logout" title="Logout [ %s ]" accesskey="x">'
                    'Logout [ %s ]</a></li>\n' % (esc(req.user["name"]), esc(req.user["name"])))
        return """<div id="wrap">
	<a id="top" name="top" accesskey="t"></a>
	<div id="page-header">
		<div class="headerbar">
			<div class="inner"><span class="corners-top"><span></span></span>
			<div id="site-description">
				<a href="./index.php" title="%s" id="logo"><img src="./styles/prosilver/imageset/site_logo.gif" width="139" height="52" alt="" title="" /></a>
				<h1>%s</h1>
				<p>A fixture board</p>
				<p class="skiplink"><a href="#start_here">Skip to content</a></p>
			</div>
			<span class="corners-bottom"><span></span></span></div>
		</div>
		<div class="navbar">
			<div class="inner"><span class="corners-top"><span></span></span>
			<ul class="linklist navlinks">
				<li class="icon-home"><a href="./index.php" accesskey="h">%s</a>%s</li>
			</ul>
			<ul class="linklist rightside">
				<li class="icon-faq"><a href="./faq.php" title="Frequently Asked Questions">FAQ</a></li>
%s			</ul>
			<span class="corners-bottom"><span></span></span></div>
		</div>
	</div>
	<a name="start_here"></a>
	<div id="page-body">
""" % (self.t("Board index"), esc(self.fx.title), self.t("Board index"), nav, acct)

    def footer(self, req):
        return """	</div>
<div id="page-footer">
	<div class="navbar">
		<div class="inner"><span class="corners-top"><span></span></span>
		<ul class="linklist">
			<li class="icon-home"><a href="./index.php" accesskey="h">%s</a></li>
			<li class="rightside"><a href="./memberlist.php?mode=leaders">The team</a> &bull; <a href="./ucp.php?mode=delete_cookies">Delete all board cookies</a> &bull; All times are UTC </li>
		</ul>
		<span class="corners-bottom"><span></span></span></div>
	</div>
	<div class="copyright">Powered by <a href="http://www.phpbb.com/">phpBB</a> &copy; 2000, 2002, 2005, 2007 phpBB Group
	</div>
</div>
</div>
<div>
	<a id="bottom" name="bottom" accesskey="z"></a>
	<img src="./cron.php?cron_type=tidy_sessions" width="1" height="1" alt="cron" />
</div>
</body>
</html>
""" % self.t("Board index")

    def pagination(self, total, per, cur, link, noun):
        n = self.npages(total, per)
        count = self.t("1 %s" % noun) if total == 1 else self.t("%%d %ss" % noun) % total
        if n <= 1:
            return '<div class="pagination">\n\t\t\t%s\n\t\t\t &bull; Page <strong>1</strong> of <strong>1</strong>\n\t\t</div>' % count
        parts = []
        shown = sorted({1, n} | set(window(cur, n, 2)))
        prev = 0
        for p in shown:
            if prev and p - prev > 1:
                parts.append('<span class="page-dots"> ... </span>')
            elif prev:
                parts.append('<span class="page-sep">, </span>')
            parts.append("<strong>%d</strong>" % p if p == cur else '<a href="%s">%d</a>' % (esc(link(p)), p))
            prev = p
        return ('<div class="pagination">\n\t\t\t%s\n\t\t\t &bull; <a href="#" onclick="jumpto(); return false;" '
                'title="Click to jump to page…">Page <strong>%d</strong> of <strong>%d</strong></a> &bull; <span>%s</span>'
                '\n\t\t</div>' % (count, cur, n, "".join(parts)))

    def forumrow(self, req, b):
        fx = self.fx
        if b.get("link"):
            return self.link_row(b).replace('class="row-item forum_link"', 'class="icon" style="background-image: '
                                            'url(./styles/prosilver/imageset/forum_link.gif); background-repeat: no-repeat;"')
        nt, np_, last = self.stats(req, b["id"])
        lp = "No posts<br />&nbsp;"
        if last is not None:
            lp = ('<dfn>%s</dfn> %s %s\n\t\t\t\t\t<a href="%s"><img src="./styles/prosilver/imageset/icon_topic_latest.gif" '
                  'width="11" height="9" alt="View the latest post" title="View the latest post" /></a> <br />%s'
                  % (self.t("Last post"), self.t("by"), self.profile(last),
                     esc("./viewtopic.php?f=%d&p=%d#p%d" % (fx.threads[last["thread"]]["board"], last["id"], last["id"])),
                     self.fmt_date(last["date"])))
        kids = [c for c in fx.children(b["id"]) if c in self.boards_visible(req)]
        subs = ("<br /><strong>Subforum:</strong> " + ", ".join('<a href="%s" class="subforum read" title="No unread posts">%s</a>'
                                                                 % (esc(self.board_link(c)), esc(c["name"])) for c in kids)) if kids else ""
        return """		<li class="row">
			<dl class="icon" style="background-image: url(./styles/prosilver/imageset/forum_read.gif); background-repeat: no-repeat;">
				<dt title="No unread posts">
					<a href="%s" class="forumtitle">%s</a><br />
					%s%s
				</dt>
				<dd class="topics">%d <dfn>%s</dfn></dd>
				<dd class="posts">%d <dfn>%s</dfn></dd>
				<dd class="lastpost"><span>
					%s</span>
				</dd>
			</dl>
		</li>
""" % (esc(self.board_link(b)), esc(b["name"]), esc(b["description"]), subs, nt, self.t("Topics"), np_,
       self.t("Posts"), lp)

    def topicrow(self, req, t, k):
        fx = self.fx
        first, last = fx.tpost(t, 0), fx.last_post(t)
        icon = ("sticky" if t["sticky"] else "topic") + "_read" + ("_locked" if t["closed"] else "")
        if t.get("moved_to"):
            icon = "topic_moved"
        pages = self.npages(len(t["posts"]), fx.posts_per_page)
        pag = ""
        if t.get("moved_to"):
            pages = 1
            t = dict(t, id=t["moved_to"], board=fx.threads[t["moved_to"]]["board"])
        if pages > 1:
            pag = ('\n\t\t\t\t\t<strong class="pagination"><span>%s</span></strong>'
                   % '<span class="page-sep">, </span>'.join('<a href="%s">%d</a>' % (esc(self.thread_link(t, p)), p)
                                                               for p in range(1, pages + 1)))
        return """		<li class="row bg%d%s">
			<dl class="icon" style="background-image: url(./styles/prosilver/imageset/%s.gif); background-repeat: no-repeat;">
				<dt title="No unread posts"><a href="%s" class="topictitle">%s</a>%s
					<br />%s %s &raquo; %s
				</dt>
				<dd class="posts">%d <dfn>%s</dfn></dd>
				<dd class="views">%d <dfn>%s</dfn></dd>
				<dd class="lastpost"><span><dfn>%s </dfn>%s %s
					<a href="%s"><img src="./styles/prosilver/imageset/icon_topic_latest.gif" width="11" height="9" alt="View the latest post" title="View the latest post" /></a> <br />%s</span>
				</dd>
			</dl>
		</li>
""" % (k % 2 + 1, " sticky" if t["sticky"] else "", icon, esc(self.thread_link(t)), esc(t["title"]), pag,
       self.t("by"), self.profile(first), self.fmt_date(first["date"]), len(t["posts"]) - 1, self.t("Replies"),
       t["views"] or len(t["posts"]) * 10, self.t("Views"), self.t("Last post"), self.t("by"), self.profile(last),
       esc("./viewtopic.php?f=%d&t=%d&p=%d#p%d" % (t["board"], t["id"], last["id"], last["id"])),
       self.fmt_date(last["date"]))

    def postrow(self, req, t, p, n):
        fx = self.fx
        u = None if p["guest"] else fx.users.get(p["author"])
        q = self.quoted(p)
        sig = fx.signature_of(p)
        subj = ("" if n == 1 else "Re: ") + t["title"]
        if u:
            prof = """			<dl class="postprofile" id="profile%d">
			<dt>
				<a href="./memberlist.php?mode=viewprofile&amp;u=%d">%s</a>
			</dt>
			<dd>%s</dd>
		<dd>&nbsp;</dd>
		<dd><strong>Posts:</strong> %d</dd><dd><strong>Joined:</strong> %s</dd>
		</dl>""" % (p["id"], u["id"], esc(p["author"]), esc(u["title"]), u["id"] * 7, self.fmt_date(u["joined"], False))
        else:
            prof = """			<dl class="postprofile" id="profile%d">
			<dt>
				%s
			</dt>
		<dd>&nbsp;</dd>
		</dl>""" % (p["id"], esc(p["author"]))
        edit = ""
        if p["edits"]:
            key = ("Last edited by %s on %s, edited %d time in total." if p["edits"] == 1
                   else "Last edited by %s on %s, edited %d times in total.")
            edit = '\t\t\t<div class="notice">%s</div>\n' % (self.t(key) % (self.profile(p["edited_by"]),
                                                                            self.fmt_date(p["edited_date"]), p["edits"]))
        return """	<div id="p%d" class="post bg%d">
		<div class="inner"><span class="corners-top"><span></span></span>
		<div class="postbody">
				<ul class="profile-icons">
					<li class="quote-icon"><a href="./posting.php?mode=quote&amp;f=%d&amp;p=%d" title="Reply with quote"><span>Reply with quote</span></a></li>
				</ul>
			<h3 %s><a href="#p%d">%s</a></h3>
			<p class="author"><a href="./viewtopic.php?p=%d#p%d"><img src="./styles/prosilver/imageset/icon_post_target.gif" width="11" height="9" alt="Post" title="Post" /></a>%s <strong>%s</strong> &raquo; %s </p>
			<div class="content">%s%s</div>
%s%s%s		</div>
%s
		<div class="back2top"><a href="#wrap" class="top" title="Top">Top</a></div>
		<span class="corners-bottom"><span></span></span></div>
	</div>
	<hr class="divider" />
""" % (p["id"], 2 if n % 2 else 1, t["board"], p["id"], 'class="first"' if n == 1 else "", p["id"], esc(subj),
       p["id"], p["id"], self.t("by"), self.profile(p), self.fmt_date(p["date"]), self.quote_html(q) if q else "",
       p["body"], self.attach_block(p), edit,
       ('\t\t\t<div id="sig%d" class="signature">%s</div>\n' % (p["id"], sig)) if sig else "", prof)

    def page_thread(self, req, tid, page, printview=False):
        r = PhpBB3.page_thread(self, req, tid, page, printview)
        if r.status != 200 or printview or not isinstance(r.body, str):
            return r
        # 3.0: the action bars are div.topic-actions with a reply-icon button
        r.body = re.sub(r'<div class="action-bar bar-(?:top|bottom)">', '<div class="topic-actions">', r.body)
        r.body = re.sub(r'<a href="(\./posting\.php\?mode=reply[^"]*)" class="button" title="([^"]*)">\s*<span>[^<]*</span>'
                        r' <i class="icon fa-(?:reply|lock) fa-fw" aria-hidden="true"></i>\s*</a>',
                        r'<div class="buttons">\n\t\t<div class="reply-icon"><a href="\1" title="\2"><span></span>\2</a></div>\n\t</div>',
                        r.body)
        r.body = r.body.replace('<h2 class="topic-title">', '<h2>')
        return r


# ---- phpBB 3.0 subsilver2 --------------------------------------------------

class PhpBBSubsilver2(PhpBB30):
    CHANGED = [(r'<a name="p(\d+)"></a>', r'<a name="m\1"></a>'), (r'class="postbody"', 'class="msgbody"'),
               (r'class="postauthor"', 'class="msgauthor"'), (r'class="topictitle"', 'class="topiclink"')]

    def attach_block(self, p):
        atts = self.attachments_of(p)
        if not atts:
            return ""
        return ('\t\t\t\t\t<br clear="all" /><br />\n\t\t\t\t\t<table class="tablebg" width="100%%" cellspacing="1">\n'
                '\t\t\t\t\t<tr>\n\t\t\t\t\t\t<td class="row3"><b class="genmed">Attachments: </b></td>\n\t\t\t\t\t</tr>\n%s'
                '\t\t\t\t\t</table>\n' % "".join(
                    '\t\t\t\t\t<tr>\n\t\t\t\t\t\t<td class="row2"><span class="genmed"><img src="./styles/subsilver2/'
                    'imageset/icon_topic_attach.gif" width="14" height="18" alt="" title="" /> <a href="%s">%s</a></span>'
                    '<br /><span class="gensmall">%s [ %s | Downloaded 0 times ]</span></td>\n\t\t\t\t\t</tr>\n'
                    % (esc(self.attachment_link(a)), esc(a["name"]), esc(a["name"]), self.size_text(a["size"], "KiB"))
                    for a in atts))

    def quote_html(self, q):
        return ('<div class="quotetitle">%s</div><div class="quotecontent">%s</div>'
                % (self.t("%s wrote:") % esc(q["author"]), q["body"]))

    def header(self, req, crumbs):
        nav = "".join(' &#187; <a href="%s">%s</a>' % (esc(self.board_link(b)), esc(b["name"])) for b in crumbs)
        acct = ('<a href="./ucp.php?mode=login"><img src="./styles/subsilver2/theme/images/icon_mini_login.gif" '
                'width="12" height="13" alt="*" /> Login</a>' if req.user is None else
                '<a href="./ucp.php?mode=logout"><img src="./styles/subsilver2/theme/images/icon_mini_login.gif" '
                'width="12" height="13" alt="*" /> Logout [ %s ]</a>' % esc(req.user["name"]))
        return """<a name="top"></a>
<div id="wrapheader">
	<div id="logodesc">
		<table width="100%%" cellspacing="0">
		<tr>
			<td><a href="./index.php"><img src="./styles/subsilver2/imageset/site_logo.gif" width="170" height="94" alt="" title="" /></a></td>
			<td width="100%%" align="center"><h1>%s</h1><span class="gen">A fixture board</span></td>
		</tr>
		</table>
	</div>
	<div id="menubar">
		<table width="100%%" cellspacing="0">
		<tr>
			<td class="genmed">
				%s
			</td>
			<td class="genmed" align="right">
				<a href="./faq.php"><img src="./styles/subsilver2/theme/images/icon_mini_faq.gif" width="12" height="13" alt="*" /> FAQ</a>
			</td>
		</tr>
		</table>
	</div>
	<div id="datebar">
		<table width="100%%" cellspacing="0">
		<tr>
			<td class="gensmall"></td>
			<td class="gensmall" align="right">It is currently %s<br /></td>
		</tr>
		</table>
	</div>
</div>
<div id="wrapcentre">
	<table class="tablebg" width="100%%" cellspacing="1" cellpadding="0" style="margin-top: 5px;">
	<tr>
		<td class="row1">
			<p class="breadcrumbs"><a href="./index.php">%s</a>%s</p>
			<p class="datetime">All times are UTC </p>
		</td>
	</tr>
	</table>
	<br />
""" % (esc(self.fx.title), acct, self.fmt_date(self.fx.now(), False), self.t("Board index"), nav)

    def footer(self, req):
        return """	<br clear="all" />
</div>
<div id="wrapfooter">
	<span class="copyright">Powered by <a href="http://www.phpbb.com/">phpBB</a> &copy; 2000, 2002, 2005, 2007 phpBB Group
	</span>
</div>
</body>
</html>
"""

    def head(self, req, title, extra=""):
        return PhpBB30.head(self, req, title, extra).replace("phpBB style name: prosilver", "phpBB style name: subsilver2")

    def message(self, req, text, status=200, title="Information", refresh=None):
        extra = '<meta http-equiv="refresh" content="3; url=%s" />\n' % esc(refresh) if refresh else ""
        body = """<table class="tablebg" width="100%%" cellspacing="1">
<tr>
	<th>%s</th>
</tr>
<tr>
	<td class="row1" align="center"><br /><p class="gen">%s</p><br /></td>
</tr>
</table>
""" % (title, text)
        r = self.page(req, "%s - %s" % (self.fx.title, title), [], body, extra)
        r.status = status
        return r

    def pagination(self, total, per, cur, link, noun):
        n = self.npages(total, per)
        count = self.t("1 %s" % noun) if total == 1 else self.t("%%d %ss" % noun) % total
        nums = ""
        if n > 1:
            parts = []
            for p in sorted({1, n} | set(window(cur, n, 2))):
                if parts:
                    parts.append('<span class="page-sep">, </span>')
                parts.append("<strong>%d</strong>" % p if p == cur else '<a href="%s">%d</a>' % (esc(link(p)), p))
            nums = ('<b><a href="#" onclick="jumpto(); return false;" title="Click to jump to page…">Goto page</a> %s%s%s</b>'
                    % (('<a href="%s">Previous</a>&nbsp;&nbsp;' % esc(link(cur - 1))) if cur > 1 else "", "".join(parts),
                       ('&nbsp;&nbsp;<a href="%s">Next</a>' % esc(link(cur + 1))) if cur < n else ""))
        return ('<table width="100%%" cellspacing="1">\n<tr>\n\t<td class="nav" valign="middle" nowrap="nowrap">&nbsp;Page '
                '<strong>%d</strong> of <strong>%d</strong><br /></td>\n\t<td class="gensmall" nowrap="nowrap">&nbsp;[ %s ]'
                '&nbsp;</td>\n\t<td class="gensmall" width="100%%" align="right" nowrap="nowrap">%s</td>\n</tr>\n</table>'
                % (cur, n, count, nums))

    def forabg(self, header_board, rows_html):
        head = ('<a href="%s">%s</a>' % (esc(self.board_link(header_board)), esc(header_board["name"]))
                if header_board else self.t("Forums"))
        return """<table class="tablebg" cellspacing="1" width="100%%">
<tr>
	<td class="cat" colspan="5" align="right">&nbsp;</td>
</tr>
<tr>
	<th colspan="2">&nbsp;Forum&nbsp;</th>
	<th width="50">&nbsp;%s&nbsp;</th>
	<th width="50">&nbsp;%s&nbsp;</th>
	<th>&nbsp;%s&nbsp;</th>
</tr>
<tr>
	<td class="cat" colspan="2"><h4>%s</h4></td>
	<td class="catdiv" colspan="3">&nbsp;</td>
</tr>
%s</table>
<br clear="all" />
""" % (self.t("Topics"), self.t("Posts"), self.t("Last post"), head, rows_html)

    def forumrow(self, req, b):
        fx = self.fx
        if b.get("link"):
            return """<tr>
	<td class="row1" width="50" align="center"><img src="./styles/subsilver2/imageset/forum_link.gif" width="46" height="25" alt="Redirect" title="Redirect" /></td>
	<td class="row1" width="100%%">
		<a class="forumlink" href="%s">%s</a>
		<p class="forumdesc">%s</p>
	</td>
	<td class="row2" align="center" colspan="3"><span class="genmed">Redirects: 0</span></td>
</tr>
""" % (esc(self.board_link(b)), esc(b["name"]), esc(b["description"]))
        nt, np_, last = self.stats(req, b["id"])
        lp = '<p class="topicdetails">No posts</p>'
        if last is not None:
            lp = ('<p class="topicdetails"><span title="%s">%s</span></p>\n\t\t<p class="topicdetails">%s\n\t\t\t<a href="%s">'
                  '<img src="./styles/subsilver2/imageset/icon_topic_latest.gif" width="18" height="9" alt="View the '
                  'latest post" title="View the latest post" /></a>\n\t\t</p>'
                  % (self.fmt_date(last["date"]), self.fmt_date(last["date"]), self.profile(last),
                     esc("./viewtopic.php?f=%d&p=%d#p%d" % (fx.threads[last["thread"]]["board"], last["id"], last["id"]))))
        return """<tr>
	<td class="row1" width="50" align="center"><img src="./styles/subsilver2/imageset/forum_read.gif" width="46" height="25" alt="No unread posts" title="No unread posts" /></td>
	<td class="row1" width="100%%">
		<a class="forumlink" href="%s">%s</a>
		<p class="forumdesc">%s</p>
	</td>
	<td class="row2" align="center"><p class="topicdetails">%d</p></td>
	<td class="row2" align="center"><p class="topicdetails">%d</p></td>
	<td class="row2" align="center" nowrap="nowrap">
		%s
	</td>
</tr>
""" % (esc(self.board_link(b)), esc(b["name"]), esc(b["description"]), nt, np_, lp)

    def topicrow(self, req, t, k):
        fx = self.fx
        first, last = fx.tpost(t, 0), fx.last_post(t)
        return """<tr>
	<td class="row1" width="25" align="center"><img src="./styles/subsilver2/imageset/%s.gif" width="19" height="18" alt="No unread posts" title="No unread posts" /></td>
	<td class="row1">
		%s<a title="Posted: %s" href="%s" class="topictitle">%s</a>
	</td>
	<td class="row2" width="130" align="center"><p class="topicauthor">%s</p></td>
	<td class="row1" width="50" align="center"><p class="topicdetails">%d</p></td>
	<td class="row2" width="50" align="center"><p class="topicdetails">%d</p></td>
	<td class="row1" width="140" align="center">
		<p class="topicdetails" style="white-space: nowrap;">%s</p>
		<p class="topicdetails">%s
			<a href="%s"><img src="./styles/subsilver2/imageset/icon_topic_latest.gif" width="18" height="9" alt="View the latest post" title="View the latest post" /></a>
		</p>
	</td>
</tr>
""" % ("topic_moved" if t.get("moved_to") else "sticky_read" if t["sticky"] else
       "topic_read" + ("_locked" if t["closed"] else ""),
       "<b>Sticky: </b>" if t["sticky"] else "<b>Moved: </b>" if t.get("moved_to") else "",
       self.fmt_date(first["date"]), esc(self.thread_link(fx.threads[t["moved_to"]] if t.get("moved_to") else t)),
       esc(t["title"]), self.profile(first), len(t["posts"]) - 1, t["views"] or len(t["posts"]) * 10,
       self.fmt_date(last["date"]), self.profile(last),
       esc("./viewtopic.php?f=%d&t=%d&p=%d#p%d" % (t["board"], t["id"], last["id"], last["id"])))

    def page_board(self, req, bid, page):
        fx = self.fx
        b = fx.boards.get(bid)
        if b is None:
            return self.message(req, self.ERRORS["no_board"], 404)
        if b.get("link"):
            return Resp(302, "", headers={"Location": b["link"]})
        if not self.can_read(req, bid):
            return self.login_box(req, self.ERRORS["login_view"])
        ids = self.visible_threads(req, bid)
        per = fx.threads_per_page
        n = self.npages(len(ids), per)
        page = max(1, min(page, n))
        chunk = [fx.threads[i] for i in ids[(page - 1) * per: page * per]]
        kids = [c for c in fx.children(bid) if c in self.boards_visible(req)]
        subs = self.forabg(None, "".join(self.forumrow(req, c) for c in kids)) if kids else ""
        pag = self.pagination(len(ids), per, page, lambda p: self.board_link(b, p), "topic")
        body = """<div id="pageheader">
	<h2><a class="titles" href="%s">%s</a></h2>
</div>
<br clear="all" /><br />
%s<div id="pagecontent">
	<table width="100%%" cellspacing="1">
	<tr>
		<td align="left" valign="middle"><a href="./posting.php?mode=post&amp;f=%d"><img src="./styles/subsilver2/imageset/en/button_topic_new.gif" alt="Post new topic" title="Post new topic" /></a></td>
		<td class="nav" valign="middle" nowrap="nowrap">%s</td>
	</tr>
	</table>
	<table class="tablebg" width="100%%" cellspacing="1">
	<tr>
		<td class="cat" colspan="6"><table width="100%%" cellspacing="0"><tr class="nav"><td valign="middle">&nbsp;</td></tr></table></td>
	</tr>
	<tr>
		<th colspan="2">&nbsp;%s&nbsp;</th>
		<th>&nbsp;Author&nbsp;</th>
		<th>&nbsp;%s&nbsp;</th>
		<th>&nbsp;%s&nbsp;</th>
		<th>&nbsp;%s&nbsp;</th>
	</tr>
%s	</table>
</div>
""" % (esc(self.board_link(b)), esc(b["name"]), subs, bid, pag, self.t("Topics"), self.t("Replies"), self.t("Views"),
       self.t("Last post"), "".join(self.topicrow(req, t, k) for k, t in enumerate(chunk)))
        return self.page(req, "%s - %s" % (fx.title, b["name"]), fx.board_chain(bid), body)

    def postrow(self, req, t, p, n):
        fx = self.fx
        u = None if p["guest"] else fx.users.get(p["author"])
        q = self.quoted(p)
        sig = fx.signature_of(p)
        subj = ("" if n == 1 else "Re: ") + t["title"]
        edit = ""
        if p["edits"]:
            key = ("Last edited by %s on %s, edited %d time in total." if p["edits"] == 1
                   else "Last edited by %s on %s, edited %d times in total.")
            edit = ('\t\t\t\t<table width="100%%" cellspacing="0">\n\t\t\t\t<tr valign="middle">\n\t\t\t\t\t<td class="gensmall">'
                    '%s</td>\n\t\t\t\t</tr>\n\t\t\t\t</table>\n' % (self.t(key) % (esc(p["edited_by"]), self.fmt_date(p["edited_date"]), p["edits"])))
        row = "row%d" % (2 if n % 2 == 0 else 1)
        return """<table class="tablebg" width="100%%" cellspacing="1">
	<tr class="%s">
			<td align="center" valign="middle">
				<a name="p%d"></a>
				<b class="postauthor">%s</b>
			</td>
			<td width="100%%" height="25">
				<table width="100%%" cellspacing="0">
				<tr>
					<td class="gensmall" width="100%%"><div style="float: left;">&nbsp;<b>Post subject:</b> <a href="#p%d">%s</a></div><div style="float: right;"><a href="./viewtopic.php?p=%d#p%d"><img src="./styles/subsilver2/imageset/icon_post_target.gif" width="12" height="9" alt="Post" title="Post" /></a><b>Posted:</b> %s&nbsp;</div></td>
				</tr>
				</table>
			</td>
		</tr>
		<tr class="%s">
			<td valign="top" class="profile">
				<table cellspacing="4" align="center" width="150">
				<tr>
					<td class="postdetails">%s</td>
				</tr>
				</table>
				<span class="postdetails">%s</span>
			</td>
			<td valign="top">
				<table width="100%%" cellspacing="5">
				<tr>
					<td>
					<div class="postbody">%s%s</div>
%s%s%s					<br clear="all" /><br />
					</td>
				</tr>
				</table>
			</td>
		</tr>
		<tr class="%s">
			<td class="profile"><strong><a href="#wrapheader">Top</a></strong></td>
			<td><div class="gensmall" style="float: left;">&nbsp;</div> <div class="gensmall" style="float: right;"><a href="./posting.php?mode=quote&amp;f=%d&amp;p=%d"><img src="./styles/subsilver2/imageset/en/icon_post_quote.gif" alt="Reply with quote" title="Reply with quote" /></a> &nbsp;</div></td>
		</tr>
	<tr>
		<td class="spacer" colspan="2" height="1"><img src="images/spacer.gif" alt="" width="1" height="1" /></td>
	</tr>
</table>
""" % (row, p["id"], esc(p["author"]), p["id"], esc(subj), p["id"], p["id"], self.fmt_date(p["date"]), row,
       esc(u["title"]) if u else self.t("Guest"),
       ("<br /><b>Joined:</b> %s<br /><b>Posts:</b> %d" % (self.fmt_date(u["joined"], False), u["id"] * 7)) if u else "",
       self.quote_html(q) if q else "", p["body"], self.attach_block(p),
       ('\t\t\t\t\t<div class="postbody"><br />_________________<br />%s</div>\n' % sig) if sig else "", edit, row,
       t["board"], p["id"])

    def page_thread(self, req, tid, page, printview=False):
        fx = self.fx
        t = self.thread_for(tid)
        if t is None:
            return self.message(req, self.ERRORS["no_thread"], 404)
        if not self.can_read(req, t["board"]):
            return self.login_box(req, self.ERRORS["login_view"])
        per = fx.posts_per_page
        ids = self.visible_ids(req, t)
        total = len(ids)
        n = self.npages(total, per)
        page = max(1, min(page, n))
        start = (page - 1) * per
        posts = [fx.post(ids[i]) for i in range(start, min(start + per, total))]
        if printview:
            return self.page_print(req, t, posts, page, n)
        pag = self.pagination(total, per, page, lambda pg: self.thread_link(t, pg), "post")
        button = ('<img src="./styles/subsilver2/imageset/en/button_topic_locked.gif" alt="This topic is locked, you cannot '
                  'edit posts or make further replies." title="This topic is locked, you cannot edit posts or make further '
                  'replies." />' if t["closed"] else
                  '<a href="./posting.php?mode=reply&amp;f=%d&amp;t=%d"><img src="./styles/subsilver2/imageset/en/'
                  'button_topic_reply.gif" alt="Reply to topic" title="Reply to topic" /></a>' % (t["board"], tid))
        body = """<div id="pageheader">
	<h2><a class="titles" href="%s">%s</a></h2>
</div>
<br clear="all" /><br />
<div id="pagecontent">
	<table width="100%%" cellspacing="1">
	<tr>
		<td align="left" valign="middle" nowrap="nowrap">%s</td>
		<td class="nav" valign="middle" nowrap="nowrap">%s</td>
	</tr>
	</table>
	<table class="tablebg" width="100%%" cellspacing="1">
	<tr>
		<td class="cat">
			<table width="100%%" cellspacing="0">
			<tr>
				<td class="nav" nowrap="nowrap">&nbsp;<a href="%s&amp;view=print" title="Print view">Print view</a></td>
			</tr>
			</table>
		</td>
	</tr>
	</table>
	<table class="tablebg" width="100%%" cellspacing="1">
		<tr>
			<th>Author</th>
			<th>Message</th>
		</tr>
	</table>
%s	<table width="100%%" cellspacing="1">
	<tr>
		<td align="left" valign="middle" nowrap="nowrap">%s</td>
		<td class="nav" valign="middle" nowrap="nowrap">%s</td>
	</tr>
	</table>
</div>
""" % (esc(self.thread_link(t, page)), esc(t["title"]), button, pag, esc(self.thread_link(t, page)),
       "".join(self.postrow(req, t, p, start + k + 1) for k, p in enumerate(posts)), button, pag)
        return self.page(req, "%s - %s" % (fx.title, t["title"]), fx.board_chain(t["board"]), body)


# ---- XenForo 1.x -----------------------------------------------------------

class XenForo1(XenForo2):
    POSTS_PER_PAGE = 20
    THREADS_PER_PAGE = 20
    CHANGED = [(r'<li id="post-(\d+)" class="message', r'<li id="msg-\1" class="entry'),
               (r'class="messageText', 'class="entryText'), (r'\bdiscussionListItem\b', 'threadListItem'),
               (r'id="thread-(\d+)"', r'id="topic-\1"')]

    def abs(self, link):
        return link          # XenForo 1 links are relative to <base href>

    def session(self, req):
        fx = self.fx
        sid = req.cookies.get("xf_session")
        s = fx.sessions.get(sid) if sid else None
        if s is not None:
            req.sid, req.sid_from_cookie = sid, True
            req.user = fx.users.get(s["user"]) if s["user"] else None
            return
        name = fx.remember.get(req.cookies.get("xf_user") or "-")
        if name:
            req.user = fx.users[name]
        req.sid = fx.new_session(name or None)
        req.set_cookies.append(("xf_session", req.sid, None))

    def token(self, req):
        if req.user is None:
            return ""
        t = int(self.fx.now())
        u = req.user
        return "%d,%d,%s" % (u["id"], t, hashlib.sha1(("%d%d%s%s" % (u["id"], t, u["salt"], req.sid)).encode()).hexdigest())

    def token_ok(self, req, tok):
        if req.user is None:
            return tok == ""
        m = re.match(r"^(\d+),(\d+),([0-9a-f]{40})$", tok or "")
        if not m or int(m.group(1)) != req.user["id"]:
            return False
        t = int(m.group(2))
        good = hashlib.sha1(("%d%d%s%s" % (req.user["id"], t, req.user["salt"], req.sid)).encode()).hexdigest()
        return good == m.group(3) and self.fx.now() - t < 86400

    def time_html(self, ts, cls="DateTime"):
        d = self.fx.local(ts)
        ds, tm = self.date_string(d), self.time_string(d)
        full = self.t("%s at %s") % (ds, tm)
        rel = self.relative(ts)
        extra = cls.replace("structItem-latestDate u-dt", "").replace("u-dt", "").strip()
        cls = ("DateTime " + extra).strip()
        if rel:
            return ('<abbr class="%s" data-time="%d" data-diff="%d" data-datestring="%s" data-timestring="%s" '
                    'title="%s">%s</abbr>' % (cls, int(ts), int(self.fx.now() - ts), ds, tm, full, rel))
        return '<span class="%s" title="%s">%s</span>' % (cls, full, ds)

    def username(self, p_or_user, cls="username"):
        if isinstance(p_or_user, dict) and "author" in p_or_user:
            if p_or_user["guest"]:
                return '<span class="%s">%s</span>' % (cls.strip(), esc(p_or_user["author"]))
            u = self.fx.users.get(p_or_user["author"])
        else:
            u = p_or_user
        return '<a href="%s" class="%s" dir="auto">%s</a>' % (esc(self.member_link(u)), cls.strip(), esc(u["name"]))

    def page(self, req, title, crumbs, content, template="forum_list", h1=None, desc="", extra_head="",
             content_key=""):
        fx = self.fx
        crumb_html = ""
        for href, name in [(fx.url + "/", self.t("Forums"))] + crumbs:
            crumb_html += ('\t\t\t\t<span class="crust" itemscope="itemscope" itemtype="http://data-vocabulary.org/Breadcrumb">\n'
                           '\t\t\t\t\t<a href="%s" class="crumb" rel="up" itemprop="url"><span itemprop="title">%s</span></a>\n'
                           '\t\t\t\t\t<span class="arrow"><span>&gt;</span></span>\n\t\t\t\t</span>\n' % (esc(href), esc(name)))
        if req.user is None:
            acct = ('<ul class="visitorTabs">\n\t<li class="navTab login PopupClosed"><a href="login/" class="navLink OverlayTrigger" '
                    'data-cacheOverlay="false">Log in or Sign up</a></li>\n</ul>')
        else:
            acct = ('<ul class="visitorTabs">\n\t<li class="navTab account Popup PopupControl PopupClosed"><a href="account/" '
                    'class="navLink accountPopup" rel="Menu"><strong class="accountUsername">%s</strong></a></li>\n'
                    '\t<li class="navTab"><a href="logout/?_xfToken=%s" class="navLink LogOut">Log Out</a></li>\n</ul>'
                    % (esc(req.user["name"]), urllib.parse.quote(self.token(req))))
        return Resp(200, """<!DOCTYPE html>
<html id="XenForo" lang="%s" dir="LTR" class="Public NoJs %s NoSidebar  Responsive" xmlns:fb="http://www.facebook.com/2008/fbml">
<head>
	<meta charset="utf-8" />
	<meta http-equiv="X-UA-Compatible" content="IE=Edge,chrome=1" />
	<meta name="viewport" content="width=device-width, initial-scale=1" />
	<base href="%s/" />
	<script>
		var _b = document.getElementsByTagName('base')[0], _bH = "%s/";
		if (_b && _b.href != _bH) _b.href = _bH;
	</script>
	<title>%s</title>
	<noscript><style>.JsOnly, .jsOnly { display: none !important; }</style></noscript>
	<link rel="stylesheet" href="css.php?css=xenforo,form,public&amp;style=1&amp;dir=LTR&amp;d=1700000000" />
	<link rel="alternate" type="application/rss+xml" title="RSS feed for %s" href="forums/-/index.rss" />
%s</head>
<body>
<div id="headerMover">
	<div id="headerProxy"></div>
<div id="content" class="%s">
	<div class="pageWidth">
		<div class="pageContent">
			<div class="mainContainer">
			<div class="mainContent">
<div class="breadBoxTop ">
	<nav>
	<fieldset class="breadcrumb">
		<a href="misc/quick-navigation-menu" class="OverlayTrigger jumpMenuTrigger" data-cacheOverlay="true" title="Open quick navigation"><!--Jump to...--></a>
		<div class="boardTitle"><strong>%s</strong></div>
		<span class="crumbs">
%s		</span>
	</fieldset>
	</nav>
</div>
<!--[if lt IE 8]>
	<p class="importantMessage">You are using an out of date browser.</p>
<![endif]-->
<div class="titleBar">
	<h1>%s</h1>
	%s
</div>
%s
<div class="breadBoxBottom"><nav>
<fieldset class="breadcrumb">
	<span class="crumbs">
%s	</span>
</fieldset>
</nav></div>
			</div>
			</div>
		</div>
	</div>
</div>
<header>
<div id="header">
	<div id="logoBlock">
		<div class="pageWidth">
			<div class="pageContent">
				<div id="logo"><a href="%s/"><span></span><img src="styles/default/xenforo/logo.png" alt="%s" /></a></div>
				<span class="helper"></span>
			</div>
		</div>
	</div>
	<div id="navigation" class="pageWidth withSearch">
		<div class="pageContent">
			<nav>
<div class="navTabs">
	<ul class="publicTabs">
		<li class="navTab forums selected"><a href="%s/" class="navLink">Forums</a></li>
	</ul>
	%s
</div>
			</nav>
		</div>
	</div>
</div>
</header>
</div>
<footer>
<div class="footer">
	<div class="pageWidth">
		<div class="pageContent">
			<ul class="footerLinks">
				<li><a href="misc/contact" class="OverlayTrigger" data-overlayOptions="{&quot;fixed&quot;:false}">Contact Us</a></li>
				<li><a href="help/">Help</a></li>
				<li><a href="#navigation" class="topLink">Top</a></li>
				<li><a href="forums/-/index.rss" rel="alternate" class="globalFeed" target="_blank" title="RSS feed for %s">RSS</a></li>
			</ul>
			<span class="helper"></span>
		</div>
	</div>
</div>
<div class="footerLegal">
	<div class="pageWidth">
		<div class="pageContent">
			<div id="copyright">
				<a href="https://xenforo.com" class="concealed">Forum software by XenForo&trade; <span>&copy;2010-2017 XenForo Ltd.</span></a>
			</div>
			<span class="helper"></span>
		</div>
	</div>
</div>
</footer>
<script>
XenForo.Facebook.appId = '';
jQuery.extend(true, XenForo, { visitor: { user_id: %d }, _csrfToken: "%s", _cookieConfig: { path: "/", domain: "", prefix: "xf_"} });
</script>
</body>
</html>""" % ({"en": "en-US", "de": "de-DE", "fr": "fr-FR", "es": "es-ES"}[self.L.code],
              "LoggedIn" if req.user else "LoggedOut", fx.url, fx.url, esc(title), esc(fx.title), extra_head,
              template, esc(fx.title), crumb_html, esc(h1 if h1 is not None else title), desc, content, crumb_html,
              fx.url, esc(fx.title), fx.url, acct, esc(fx.title), req.user["id"] if req.user else 0, self.token(req)))

    def error(self, req, message, status=200):
        r = self.page(req, "Error | %s" % self.fx.title, [],
                      '<div class="errorOverlay">\n\t<a class="close OverlayCloser"></a>\n\t<h2 class="heading">The '
                      'following error occurred:</h2>\n\t<div class="baseHtml">\n\t\t<label for="ctrl_0" class="OverlayCloser">'
                      '%s</label>\n\t</div>\n</div>' % message, template="error", h1="Error")
        r.status = status
        return r

    def login_form(self, req, redirect="/"):
        fx = self.fx
        captcha = ""
        if fx.require_captcha:
            cid = hashlib.md5(os.urandom(8)).hexdigest()
            self.captchas[cid] = cid[:6]
            captcha = ('\t<dl class="ctrlUnit">\n\t\t<dt>Verification:</dt>\n\t\t<dd><div id="Captcha" class="ReCaptcha" '
                       'data-sitekey="6Lfixture"></div><input type="hidden" name="captcha_id" value="%s" />'
                       '<input type="text" name="g-recaptcha-response" class="textCtrl" />\n\t\t<p class="explain">Please '
                       'verify that you are human.</p></dd>\n\t</dl>\n' % cid)
        return """<form action="login/login" method="post" class="xenForm AutoValidator" id="pageLogin" data-redirect="yes">
	<dl class="ctrlUnit">
		<dt><label for="ctrl_pageLogin_login">Your name or email address:</label></dt>
		<dd><input type="text" name="login" value="" id="ctrl_pageLogin_login" class="textCtrl" tabindex="1" /></dd>
	</dl>
	<dl class="ctrlUnit">
		<dt>Do you already have an account?</dt>
		<dd>
			<ul>
				<li><label for="ctrl_pageLogin_registered"><input type="radio" name="register" value="0" id="ctrl_pageLogin_registered" tabindex="1" checked="checked" /> Yes, my password is:</label></li>
				<li><input type="password" name="password" class="textCtrl" id="ctrl_pageLogin_password" tabindex="2" /></li>
			</ul>
		</dd>
	</dl>
%s	<dl class="ctrlUnit submitUnit">
		<dt></dt>
		<dd>
			<input type="submit" class="button primary" value="Log in" tabindex="4" data-loginPhrase="Log in" data-signupPhrase="Sign up" />
			<label for="ctrl_pageLogin_remember" class="rememberPassword"><input type="checkbox" name="remember" value="1" id="ctrl_pageLogin_remember" tabindex="3" /> Stay logged in</label>
		</dd>
	</dl>
	<input type="hidden" name="cookie_check" value="1" />
	<input type="hidden" name="redirect" value="%s" />
	<input type="hidden" name="_xfToken" value="%s" />
</form>
""" % (captcha, esc(redirect), self.token(req))

    def do_login(self, req):
        if "_xfRedirect" not in req.fields:
            req.fields["_xfRedirect"] = req.f("redirect") or self.fx.url + "/"
        return XenForo2.do_login(self, req)

    def page_nav(self, total, per, cur, link):
        n = self.npages(total, per)
        if n <= 1:
            return ""
        ws = window(cur, n, 2)
        items = "".join('\t\t\t<a href="%s" class="%s">%d</a>\n' % (esc(link(p)), "currentPage " if p == cur else "", p)
                        for p in ws if p not in (1, n))
        return """<div class="PageNav"
	data-page="%d" data-range="2" data-start="%d" data-end="%d" data-last="%d" data-sentinel="{{sentinel}}" data-baseurl="%s">
	<span class="pageNavHeader">%s</span>
	<nav>
		%s<a href="%s" class="%s" rel="start">1</a>
		<a class="PageNavPrev hidden">&larr;</a> <span class="scrollable"><span class="items">
%s		</span></span> <a class="PageNavNext hidden">&rarr;</a>
		<a href="%s" class="%s">%d</a>
		%s
	</nav>
</div>""" % (cur, ws[0], ws[-1], n, esc(link(2).replace("page-2", "page-{{sentinel}}")), self.t("Page %d of %d") % (cur, n),
             ('<a href="%s" class="text">&lt; %s</a>\n\t\t' % (esc(link(cur - 1)), self.t("Prev"))) if cur > 1 else "",
             esc(link(1)), "currentPage " if cur == 1 else "", items, esc(link(n)), "currentPage " if cur == n else "", n,
             ('<a href="%s" class="text">%s &gt;</a>' % (esc(link(cur + 1)), self.t("Next"))) if cur < n else "")

    def node(self, req, b, depth):
        fx = self.fx
        if b.get("link"):
            return """			<li class="node link level_%d  node_%d">
				<div class="nodeInfo linkNodeInfo primaryContent">
					<span class="nodeIcon" title=""></span>
					<div class="nodeText">
						<h3 class="nodeTitle"><a href="link-forums/%s.%d/">%s</a></h3>
						<blockquote class="nodeDescription baseHtml" id="nodeDescription-%d">%s</blockquote>
					</div>
				</div>
			</li>
""" % (depth, b["id"], self.slug(b["name"]), b["id"], esc(b["name"]), b["id"], esc(b["description"]))
        nt, np_, last = self.stats(req, b["id"])
        lp = '<div class="nodeLastPost secondaryContent dimmed"><span class="noMessages muted">(Contains no messages)</span></div>'
        if last is not None:
            lt = fx.threads[last["thread"]]
            lp = """<div class="nodeLastPost secondaryContent dimmed">
						<span class="lastThreadTitle"><span>Latest:</span> <a href="posts/%d/" title="%s">%s</a></span>
						<span class="lastThreadMeta">
							<span class="lastThreadUser">%s,</span>
							%s
						</span>
					</div>""" % (last["id"], esc(lt["title"]), esc(lt["title"]), self.username(last),
                                 self.time_html(last["date"], "lastThreadDate"))
        return """			<li class="node forum level_%d  node_%d">
				<div class="nodeInfo forumNodeInfo primaryContent ">
					<span class="nodeIcon" title=""></span>
					<div class="nodeText">
						<h3 class="nodeTitle"><a href="%s" data-description="#nodeDescription-%d">%s</a></h3>
						<blockquote class="nodeDescription baseHtml" id="nodeDescription-%d">%s</blockquote>
						<div class="nodeStats pairsInline">
							<dl><dt>Discussions:</dt> <dd>%s</dd></dl>
							<dl><dt>Messages:</dt> <dd>%s</dd></dl>
						</div>
					</div>
					%s
				</div>
			</li>
""" % (depth, b["id"], esc(self.board_link(b)), b["id"], esc(b["name"]), b["id"], esc(b["description"]),
       self.L.num(nt), self.L.num(np_), lp)

    def page_index(self, req):
        fx = self.fx
        vis = self.boards_visible(req)
        out = []
        for b in [b for b in vis if b["parent"] is None]:
            kids = [c for c in fx.children(b["id"]) if c in vis]
            if kids:
                out.append("""	<li class="node category level_1  node_%d" id="%s.%d">
		<div class="nodeInfo categoryNodeInfo categoryStrip">
			<div class="categoryText">
				<h3 class="nodeTitle"><a href="%s">%s</a></h3>
			</div>
		</div>
		<ol class="nodeList">
%s		</ol>
	</li>
""" % (b["id"], self.slug(b["name"]), b["id"], esc(self.category_link(b)), esc(b["name"]),
       "".join(self.node(req, c, 2) for c in kids)))
            else:
                out.append(self.node(req, b, 1))
        return self.page(req, fx.title, [], '<ol class="nodeList section sectionMain" id="forums">\n%s</ol>' % "".join(out),
                         template="forum_list", h1=fx.title)

    def struct_item(self, req, t):
        fx = self.fx
        first, last = fx.tpost(t, 0), fx.last_post(t)
        pages = self.npages(len(t["posts"]), fx.posts_per_page)
        pnav = ""
        if pages > 1:
            pnav = ('<span class="itemPageNav">\n\t\t\t\t\t<span>&hellip;</span>\n%s\t\t\t\t\t</span>'
                    % "".join('\t\t\t\t\t<a href="%s">%d</a>\n' % (esc(self.thread_link(t, p)), p)
                              for p in range(2, pages + 1) if p <= 4 or p == pages))
        keys = (('<span class="sticky" title="Sticky">Sticky</span>' if t["sticky"] else "") +
                ('<span class="locked" title="Locked">Locked</span>' if t["closed"] and not t.get("moved_to") else "") +
                ('<span class="redirect" title="Redirect">Redirect</span>' if t.get("moved_to") else ""))
        if t.get("moved_to"):
            pnav = ""
        return """<li id="thread-%d" class="discussionListItem visible %s%s" data-author="%s">
	<div class="listBlock posterAvatar">
		<span class="avatarContainer"><span class="avatar Av%ds"><img src="styles/default/xenforo/avatars/avatar_s.png" width="48" height="48" alt="%s" /></span></span>
	</div>
	<div class="listBlock main">
		<div class="titleText">
			<div class="iconKey">%s</div>
			<h3 class="title"><a href="%s" title="" class="PreviewTooltip" data-previewUrl="%spreview">%s</a></h3>
			<div class="secondRow">
				<div class="posterDate muted">
					%s<span class="startDate">,
					<a href="%s" class="faint">%s</a></span>%s
				</div>
			</div>
		</div>
	</div>
	<div class="listBlock stats pairsJustified" title="Members who liked the first message: 0">
		<dl class="major"><dt>Replies:</dt> <dd>%s</dd></dl>
		<dl class="minor"><dt>Views:</dt> <dd>%s</dd></dl>
	</div>
	<div class="listBlock lastPost">
		<dl class="lastPostInfo">
			<dt>%s</dt>
			<dd class="muted"><a href="%sunread" title="Go to last message" class="dateTime">%s</a></dd>
		</dl>
	</div>
</li>
""" % (t["id"], "sticky " if t["sticky"] else "", "redirect " if t.get("moved_to") else "locked " if t["closed"] else "",
       esc(first["author"]),
       0 if first["guest"] else fx.users[first["author"]]["id"], esc(first["author"]), keys,
       esc(self.thread_link(t)), esc(self.thread_link(t)), esc(t["title"]), self.username(first),
       esc(self.thread_link(t)), self.time_html(first["date"]), pnav, self.L.num(len(t["posts"]) - 1),
       self.L.num(t["views"] or len(t["posts"]) * 10), self.username(last), esc(self.thread_link(t)),
       self.time_html(last["date"]))

    def page_board(self, req, bid, page):
        fx = self.fx
        b = fx.boards.get(bid)
        if b is None:
            return self.error(req, self.ERRORS["no_board"], 404)
        if b.get("link"):
            return Resp(302, "", headers={"Location": b["link"]})
        if not self.can_read(req, bid):
            return self.no_permission(req)
        ids = self.visible_threads(req, bid)
        per = fx.threads_per_page
        n = self.npages(len(ids), per)
        if page > n:
            return self.redirect(req, fx.url + "/" + self.board_link(b, n), 301)
        chunk = [fx.threads[i] for i in ids[(page - 1) * per: page * per]]
        kids = [c for c in fx.children(bid) if c in self.boards_visible(req)]
        subs = ('<ol class="nodeList section sectionMain">\n%s</ol>\n' % "".join(self.node(req, c, 1) for c in kids)) if kids else ""
        nav = self.page_nav(len(ids), per, page, lambda p: self.board_link(b, p))
        body = """%s<div class="pageNavLinkGroup">
	<div class="linkGroup SelectionCountContainer"></div>
	%s
</div>
<div class="discussionList section sectionMain">
	<form action="inline-mod/thread/switch" method="post" class="DiscussionList InlineModForm" data-cookieName="threads">
		<dl class="sectionHeaders">
			<dt class="posterAvatar"><a><span>Sort by:</span></a></dt>
			<dd class="main"><a href="%s?order=title" class="title"><span>Title</span></a></dd>
			<dd class="stats"><a href="%s?order=reply_count" class="major"><span>Replies</span></a></dd>
			<dd class="lastPost"><a href="%s?order=last_post_date"><span>Last Message &darr;</span></a></dd>
		</dl>
		<ol class="discussionListItems">
%s		</ol>
	</form>
</div>
<div class="pageNavLinkGroup afterDiscussionListHandle">
	<div class="linkGroup"><a href="%screate-thread" class="callToAction"><span>Post New Thread</span></a></div>
	%s
</div>
""" % (subs, nav, esc(self.board_link(b)), esc(self.board_link(b)), esc(self.board_link(b)),
       "".join(self.struct_item(req, t) for t in chunk), esc(self.board_link(b)), nav)
        crumbs = [(fx.url + "/" + self.board_link(x), x["name"]) for x in fx.board_chain(bid)[:-1]]
        return self.page(req, b["name"] + (" | Page %d" % page if page > 1 else "") + " | " + fx.title, crumbs, body,
                         template="forum_view", h1=b["name"],
                         desc='<p id="pageDescription" class="muted baseHtml">%s</p>' % esc(b["description"]))

    def quote_html(self, q):
        return """<div class="bbCodeBlock bbCodeQuote" data-author="%s">
	<aside>
		<div class="attribution type">%s
			<a href="goto/post?id=%d#post-%d" class="AttributionLink">&uarr;</a>
		</div>
		<blockquote class="quoteContainer"><div class="quote">%s</div><div class="quoteExpand">Click to expand...</div></blockquote>
	</aside>
</div>""" % (esc(q["author"]), self.t("%s said:") % esc(q["author"]), q["id"], q["id"], q["body"])

    def deleted_article(self, req, t, p, n):
        return """<li id="post-%d" class="message deleted placeholder" data-author="%s">
	<div class="placeholderContent secondaryContent">
		<div class="placeholderText">
			<span class="poster">%s</span>, %s, Deleted by %s.
		</div>
	</div>
</li>
""" % (p["id"], esc(p["author"]), self.username(p), self.time_html(p["date"]), esc(p["deleted_by"]))

    def article(self, req, t, p, n):
        fx = self.fx
        if p["deleted"]:
            return self.deleted_article(req, t, p, n)
        u = None if p["guest"] else fx.users.get(p["author"])
        q = self.quoted(p)
        sig = fx.signature_of(p)
        link = esc("posts/%d/" % p["id"])
        user = ('<a href="%s" class="username" dir="auto" itemprop="name">%s</a>\n\t\t\t\t<em class="userTitle" '
                'itemprop="title">%s</em>' % (esc(self.member_link(u)), esc(u["name"]), esc(u["title"])) if u else
                '<span class="username">%s</span>\n\t\t\t\t<em class="userTitle" itemprop="title">%s</em>'
                % (esc(p["author"]), self.t("Guest")))
        return """<li id="post-%d" class="message   " data-author="%s">
	<div class="messageUserInfo" itemscope="itemscope" itemtype="http://data-vocabulary.org/Person">
	<div class="messageUserBlock ">
		<div class="avatarHolder">
			<span class="helper"></span>
			<span class="avatar Av%dm" data-avatarhtml="true"><img src="styles/default/xenforo/avatars/avatar_m.png" width="96" height="96" alt="%s" /></span>
		</div>
		<h3 class="userText">
			%s
		</h3>
		<span class="arrow"><span></span></span>
	</div>
	</div>
	<div class="messageInfo primaryContent ">
		<div class="messageContent">
			<article>
				<blockquote class="messageText SelectQuoteContainer ugc baseHtml">
					%s%s
					<div class="messageTextEndMarker">&nbsp;</div>
				</blockquote>
			</article>
%s		</div>
%s%s		<div class="messageMeta ToggleTriggerAnchor">
			<div class="privateControls">
				<span class="item muted">
					<span class="authorEnd">%s,</span>
					<a href="%s" title="Permalink" class="datePermalink">%s</a>
				</span>
			</div>
			<div class="publicControls">
				<a href="%s" title="Permalink" class="item muted postNumber hashPermalink OverlayTrigger" data-href="posts/%d/permalink">#%d</a>
				<a href="%sreply?quote=%d" data-postUrl="posts/%d/quote" data-tip="#MQ-%d" class="ReplyQuote item control reply" title="Reply, quoting this message"><span></span>Reply</a>
			</div>
		</div>
		<div id="likes-post-%d"></div>
	</div>
</li>
""" % (p["id"], esc(p["author"]), u["id"] if u else 0, esc(p["author"]), user, self.quote_html(q) if q else "",
       p["body"], self.attach_block(p),
       ('\t\t<div class="editDate">\n\t\t\t%s %s\n\t\t</div>\n' % (self.t("Last edited:"), self.time_html(p["edited_date"])))
       if p["edits"] else "",
       ('\t\t<div class="baseHtml signature messageText ugc"><aside>%s</aside></div>\n' % sig) if sig else "",
       self.username(p, "username author"), link, self.time_html(p["date"]), link, p["id"], n,
       esc(self.thread_link(t)), p["id"], p["id"], p["id"], p["id"])

    ATTACH_RE = r"^/attachments/(?:[^/]*\.)?(\d+)/?$"

    def attachment_link(self, a):
        return "attachments/%s.%d/" % (self.slug(a["name"]), a["id"])

    def attach_block(self, p):
        atts = self.attachments_of(p)
        if not atts:
            return ""
        return ('\t\t\t<div class="attachedFiles">\n\t\t\t\t<h4 class="attachedFilesHeader">Attached Files:</h4>\n'
                '\t\t\t\t<ul class="attachmentList SquareThumbs">\n%s\t\t\t\t</ul>\n\t\t\t</div>\n' % "".join(
                    '\t\t\t\t\t<li class="attachment" title="%s">\n\t\t\t\t\t\t<div class="boxModelFixer primaryContent">\n'
                    '\t\t\t\t\t\t\t<div class="attachmentInfo pairsJustified">\n\t\t\t\t\t\t\t\t<h6 class="filename">'
                    '<a href="%s" target="_blank">%s</a></h6>\n\t\t\t\t\t\t\t\t<dl><dt>File size:</dt> <dd>%s</dd></dl>\n'
                    '\t\t\t\t\t\t\t\t<dl><dt>Views:</dt> <dd>0</dd></dl>\n\t\t\t\t\t\t\t</div>\n\t\t\t\t\t\t</div>\n'
                    '\t\t\t\t\t</li>\n' % (esc(a["name"]), esc(self.attachment_link(a)), esc(a["name"]),
                                            self.size_text(a["size"])) for a in atts))

    def page_thread(self, req, tid, page):
        fx = self.fx
        t = self.thread_for(tid)
        if t is None:
            return self.error(req, self.ERRORS["no_thread"], 404)
        if not self.can_read(req, t["board"]):
            return self.no_permission(req)
        per = fx.posts_per_page
        ids = self.visible_ids(req, t)
        total = len(ids)
        n = self.npages(total, per)
        if t["id"] != tid:
            return self.redirect(req, fx.url + "/" + self.thread_link(t), 301)
        if page > n:
            return self.redirect(req, fx.url + "/" + self.thread_link(t, n), 301)
        start = (page - 1) * per
        posts = [fx.post(ids[i]) for i in range(start, min(start + per, total))]
        nav = self.page_nav(total, per, page, lambda pg: self.thread_link(t, pg))
        first = fx.tpost(t, 0)
        b = fx.boards[t["board"]]
        qr = ""
        if req.user is not None and not t["closed"]:
            qr = """<form action="%sadd-reply" method="post" class="AutoValidator blendedEditor" id="QuickReply" data-livetitletemplate="%s">
	<div class="quickReply message">
		<div class="messageInfo">
			<textarea name="message_html" id="ctrl_message_html" class="textCtrl MessageEditor BbCodeWysiwygEditor " style="display:none" data-options="{}"></textarea>
			<input type="hidden" name="_xfRelativeResolver" value="%s" />
			<div class="submitUnit">
				<input type="submit" class="button primary" value="Post Reply" accesskey="s" />
			</div>
		</div>
	</div>
	<input type="hidden" name="last_date" value="%d" />
	<input type="hidden" name="_xfToken" value="%s" />
</form>
""" % (esc(self.thread_link(t)), esc(t["title"]), esc(fx.url + "/" + self.thread_link(t)), fx.last_post(t)["date"],
       self.token(req))
        elif t["closed"]:
            qr = '<div class="muted">Not open for further replies.</div>\n'
        else:
            qr = '<div class="muted"><a href="login/" class="OverlayTrigger">You must log in or sign up to reply here.</a></div>\n'
        body = """<div class="pageNavLinkGroup">
	<div class="linkGroup SelectionCountContainer"></div>
	%s
</div>
<form action="inline-mod/post/switch" method="post" class="InlineModForm section" data-cookieName="posts" data-controls="#InlineModControls" data-imodOptions="#ModerationSelect option">
	<ol class="messageList" id="messageList">
%s	</ol>
</form>
<div class="pageNavLinkGroup">
	%s
</div>
%s""" % (nav, "".join(self.article(req, t, p, start + k + 1) for k, p in enumerate(posts)), nav, qr)
        desc = ('<p id="pageDescription" class="muted ">\nDiscussion in \'<a href="%s">%s</a>\' started by %s, '
                '<a href="%s">%s</a>.\n</p>' % (esc(self.board_link(b)), esc(b["name"]), self.username(first),
                                                 esc(self.thread_link(t)), self.time_html(first["date"])))
        crumbs = [(fx.url + "/" + self.board_link(x), x["name"]) for x in fx.board_chain(b["id"])]
        return self.page(req, t["title"] + (" | Page %d" % page if page > 1 else "") + " | " + fx.title, crumbs, body,
                         template="thread_view", h1=t["title"], desc=desc)

    def page_reply(self, req, tid):
        t = self.thread_for(tid)
        if t is None:
            return self.error(req, self.ERRORS["no_thread"], 404)
        if req.user is None or not self.can_read(req, t["board"]) or t["closed"]:
            return self.no_permission(req)
        r = self.page_thread(req, tid, self.npages(len(t["posts"]), self.fx.posts_per_page))
        return r

    def goto_post(self, req, pid):
        t, i = self.post_index(pid)
        if t is None:
            return self.error(req, self.ERRORS["no_post"], 404)
        if not self.can_read(req, t["board"]):
            return self.no_permission(req)
        page = i // self.fx.posts_per_page + 1
        return self.redirect(req, "%s/%s#post-%d" % (self.fx.url, self.thread_link(t, page), pid), 301)

    def finish_post(self, req, pid, err):
        r = XenForo2.finish_post(self, req, pid, err)
        if r.status == 303 and pid:
            p = self.fx.post(pid)
            t = self.fx.threads[p["thread"]]
            page = t["posts"].index(pid) // self.fx.posts_per_page + 1
            r.headers["Location"] = "%s/%s#post-%d" % (self.fx.url, self.thread_link(t, page), pid)
        return r


# ---- MyBB 1.8 --------------------------------------------------------------

class MyBB(Engine):
    POSTS_PER_PAGE = 10
    THREADS_PER_PAGE = 20
    MIN_CHARS = 5
    INDEX = "index.php"
    LOGIN = "member.php?action=login"
    CHANGED = [(r'class="post classic "', 'class="entry classic "'), (r'id="post_(\d+)"', r'id="entry_\1"'),
               (r'class="post_body', 'class="entry_body'), (r'id="pid_(\d+)"', r'id="eid_\1"'),
               (r'class="subject_(old|new)" id="tid_(\d+)"', r'class="topic_\1" id="topic_\2"')]
    ERRORS = {
        "token": "Authorization code mismatch. Are you accessing this function correctly? Please go back and try again.",
        "flood": ("We are sorry but we cannot process your post. The administrator has specified you are only allowed "
                  "to post once every %d seconds."),
        "too_short": "The message is too short. Please enter a message longer than %d characters.",
        "no_title": "The subject is missing. Please enter a subject.",
        "closed": "You do not have permission to access this page.",
        "no_thread": "The specified thread does not exist.",
        "no_board": "Invalid forum",
        "no_post": "The specified post does not exist.",
        "badlogin": ("You have entered an invalid username/password combination. <br /><br />If you have forgotten your "
                     "password please <a href=\"member.php?action=lostpw\">retrieve a new one</a>."),
        "captcha": ("The image verification code that you entered was incorrect. Please enter the code exactly how it "
                    "appears in the image."),
    }

    def __init__(self, fx):
        super().__init__(fx)
        self.captchas = {}

    def thread_link(self, t, page=1):
        if self.fx.link_style:       # MyBB's search-engine friendly URLs
            return "thread-%d%s.html" % (t["id"], "-page-%d" % page if page > 1 else "")
        return "showthread.php?tid=%d%s" % (t["id"], "&page=%d" % page if page > 1 else "")

    def board_link(self, b, page=1):
        if self.fx.link_style:
            return "forum-%d%s.html" % (b["id"], "-page-%d" % page if page > 1 else "")
        return "forumdisplay.php?fid=%d%s" % (b["id"], "&page=%d" % page if page > 1 else "")

    def feed_link(self, thread=None, board=None):
        return "syndication.php" + ("?fid=%d" % board if board else "")

    def reply_link(self, t):
        return "newreply.php?tid=%d" % t["id"]

    def profile(self, name):
        u = self.fx.users.get(name)
        return '<a href="%s/member.php?action=profile&amp;uid=%d">%s</a>' % (self.fx.url, u["id"] if u else 0, esc(name))

    def date_html(self, ts):
        d = self.fx.local(ts)
        if self.L.code == "en":
            ds = d.strftime("%m-%d-%Y")
            h, ap = h12(d)
            tm = "%02d:%02d %s" % (h, d.minute, ap)
        else:
            ds = d.strftime("%d.%m.%Y" if self.L.code == "de" else "%d/%m/%Y")
            tm = d.strftime("%H:%M")
        day = self.fx.day_word(ts)
        if day:
            return '<span title="%s">%s</span>, %s' % (ds, html.escape(day, False), tm)
        return "%s, %s" % (ds, tm)

    def session(self, req):
        fx = self.fx
        sid = req.cookies.get("sid")
        s = fx.sessions.get(sid) if sid else None
        if s is not None:
            req.sid, req.sid_from_cookie = sid, True
            req.user = fx.users.get(s["user"]) if s["user"] else None
            return
        name = fx.remember.get(req.cookies.get("mybbuser") or "-")
        if name:
            req.user = fx.users[name]
        req.sid = fx.new_session(name or None)
        req.set_cookies.append(("sid", req.sid, None))

    def post_key(self, req):
        salt = req.user["salt"] if req.user else req.sid
        return hashlib.md5(("%s%s" % (salt, req.user["id"] if req.user else 0)).encode()).hexdigest()

    def route(self, req):
        p = req.path
        if p in ("/", "/index.php"):
            return self.page_index(req)
        m = re.match(r"^/thread-(\d+)(?:-page-(\d+)|-post-(\d+))?\.html$", p)
        if m:
            if m.group(3):
                req.query["pid"] = m.group(3)
                return self.route_post(req)
            return self.page_thread(req, int(m.group(1)), int(m.group(2) or 1))
        m = re.match(r"^/forum-(\d+)(?:-page-(\d+))?\.html$", p)
        if m:
            return self.page_board(req, int(m.group(1)), int(m.group(2) or 1))
        if p == "/showthread.php" and req.qint("pid"):
            return self.route_post(req)
        if p == "/forumdisplay.php":
            return self.page_board(req, req.qint("fid"), req.qint("page", 1))
        if p == "/showthread.php":
            return self.page_thread(req, req.qint("tid"), req.qint("page", 1))
        if p == "/member.php":
            if req.method == "POST" and req.f("action") == "do_login":
                return self.do_login(req)
            if req.q("action") == "logout":
                self.fx.sessions.pop(req.sid, None)
                req.set_cookies += [("sid", "", 0), ("mybbuser", "", 0)]
                return self.redirect(req, "You have successfully been logged out.", "index.php")
            return self.page_login(req)
        if p == "/newreply.php":
            return self.newreply(req)
        if p == "/syndication.php":
            return self.feed(req)
        return self.error(req, "The page you requested does not exist.", 404)

    def route_post(self, req):
        t, i = self.post_index(req.qint("pid"))
        if t is None:
            return self.error(req, self.ERRORS["no_post"], 404)
        return self.page_thread(req, t["id"], i // self.fx.posts_per_page + 1)

    def page(self, req, title, crumbs, last, content, extra_head=""):
        fx = self.fx
        nav = '<a href="%s/index.php">%s</a>' % (fx.url, esc(fx.title))
        for h, n in crumbs:
            nav += '\n›\n<a href="%s">%s</a>' % (esc(h), esc(n))
        if last:
            nav += '\n<br /><img src="%s/images/nav_bit.png" alt="" />\n<span class="active">%s</span>' % (fx.url, esc(last))
        if req.user is None:
            welcome = ('<span class="welcome">Hello There, Guest! <a href="%s/member.php?action=login" class="login">Login'
                       '</a> <a href="%s/member.php?action=register" class="register">Register</a></span>' % (fx.url, fx.url))
        else:
            welcome = ('<span class="welcome">Welcome back, <strong>%s</strong>. <a href="%s/member.php?action=logout&amp;'
                       'logoutkey=%s" class="logout">Log Out</a></span>' % (esc(req.user["name"]), fx.url, self.post_key(req)))
        now = fx.local(fx.now())
        return Resp(200, """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xml:lang="%s" lang="%s" xmlns="http://www.w3.org/1999/xhtml">
<head>
<title>%s</title>
<link rel="alternate" type="application/rss+xml" title="Latest Threads (RSS 2.0)" href="%s/syndication.php" />
<link rel="alternate" type="application/atom+xml" title="Latest Threads (Atom 1.0)" href="%s/syndication.php?type=atom1.0" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta http-equiv="Content-Script-Type" content="text/javascript" />
<script type="text/javascript" src="%s/jscripts/general.js?ver=1827"></script>
<link type="text/css" rel="stylesheet" href="%s/cache/themes/theme1/global.css?t=1700000000" />
<script type="text/javascript">
<!--
	var cookieDomain = "";
	var cookiePath = "/";
	var cookiePrefix = "";
	var my_post_key = "%s";
// -->
</script>
%s</head>
<body>
<div id="container">
	<a name="top" id="top"></a>
	<div id="header">
		<div id="logo">
			<div class="wrapper">
				<a href="%s/index.php"><img src="%s/images/logo.png" alt="%s" title="%s" /></a>
				<ul class="menu top_links">
					<li><a href="%s/search.php" class="search">Search</a></li>
					<li><a href="%s/memberlist.php" class="memberlist">Member List</a></li>
					<li><a href="%s/misc.php?action=help" class="help">Help</a></li>
				</ul>
			</div>
		</div>
		<div id="panel">
			<div class="upper">
				<div class="wrapper">
					%s
				</div>
			</div>
		</div>
	</div>
	<div id="content">
		<div class="wrapper">
<div class="navigation">
%s
</div>
			<br />
%s
		</div>
	</div>
	<div id="footer">
		<div class="upper">
			<div class="wrapper">
				<ul class="menu bottom_links">
					<li><a href="%s/showteam.php">Forum Team</a></li>
					<li><a href="%s/misc.php?action=syndication">RSS Syndication</a></li>
				</ul>
			</div>
		</div>
		<div class="lower">
			<div class="wrapper">
				<span id="current_time"><strong>Current time:</strong> %s</span>
				<span id="copyright">
					<!-- MyBB is free software developed and maintained by a volunteer community.
						It would be much appreciated by the MyBB Group if you left the full copyright and "powered by" notice intact,
						to show your support for MyBB.  If you choose to remove or modify the copyright below,
						you may be refused support on the MyBB Community Forums.
						This is free software, support us and we'll support you. -->
					Powered By <a href="https://mybb.com" target="_blank" rel="noopener">MyBB</a>, &copy; 2002-2026 <a href="https://mybb.com" target="_blank" rel="noopener">MyBB Group</a>.
					<!-- End powered by -->
				</span>
			</div>
		</div>
	</div>
</div>
</body>
</html>""" % (self.L.code, self.L.code, esc(title), fx.url, fx.url, fx.url, fx.url, self.post_key(req), extra_head,
              fx.url, fx.url, esc(fx.title), esc(fx.title), fx.url, fx.url, fx.url, welcome, nav, content, fx.url,
              fx.url, now.strftime("%m-%d-%Y, %I:%M %p")))

    def box(self, text):
        return ('<table border="0" cellspacing="0" cellpadding="5" class="tborder">\n<tr>\n<td class="thead"><span '
                'class="smalltext"><strong>%s</strong></span></td>\n</tr>\n<tr>\n<td class="trow1">%s</td>\n</tr>\n'
                '</table>\n' % (esc(self.fx.title), text))

    def error(self, req, message, status=200):
        r = self.page(req, self.fx.title, [], None, self.box(message))
        r.status = status
        return r

    def inline_error(self, message):
        return ('<div class="error">\n<p><em>Please correct the following errors before continuing:</em></p>\n<ul>\n'
                '<li>%s</li>\n</ul>\n</div>\n<br />\n' % message)

    def redirect(self, req, message, url):
        body = """<html>
<head>
<title>%s</title>
<meta http-equiv="refresh" content="2;URL=%s" />
</head>
<body>
<br /><br /><br /><br />
<div style="margin: auto auto; width: 50%%" align="center">
<table border="0" cellspacing="0" cellpadding="5" class="tborder">
<tr><td class="thead"><strong>%s</strong></td></tr>
<tr><td class="trow1" align="center"><p>%s</p></td></tr>
<tr><td class="trow2" align="right"><a href="%s"><span class="smalltext">Click here if you don't want to wait any longer.</span></a></td></tr>
</table>
</div>
</body>
</html>""" % (esc(self.fx.title), esc(url), esc(self.fx.title), message, esc(url))
        return Resp(200, body)

    def login_form(self, req, error=""):
        captcha = ""
        if self.fx.require_captcha:
            h = hashlib.md5(os.urandom(8)).hexdigest()
            self.captchas[h] = h[:5]
            captcha = ('<tr>\n<td class="trow1"><strong>Image Verification:</strong><br /><span class="smalltext">Please enter '
                       'the text contained within the image into the text box below it. This process is used to prevent '
                       'automated spam bots.</span></td>\n<td class="trow1"><img src="captcha.php?imagehash=%s" alt="Image '
                       'Verification" title="Image Verification" id="captcha_img" /><br /><input type="text" class="textbox" '
                       'name="imagestring" value="" id="imagestring" style="width: 100%%;" /><input type="hidden" '
                       'name="imagehash" value="%s" id="imagehash" /></td>\n</tr>\n' % (h, h))
        return """%s<form action="member.php" method="post">
<table border="0" cellspacing="0" cellpadding="5" class="tborder">
<tr>
<td class="thead" colspan="2"><strong>Login</strong></td>
</tr>
<tr>
<td class="trow1" width="50%%"><strong>Username:</strong></td>
<td class="trow1"><input type="text" class="textbox" name="username" size="25" style="width: 200px;" value="" /></td>
</tr>
<tr>
<td class="trow2"><strong>Password:</strong><br /><span class="smalltext"><a href="member.php?action=lostpw">Lost Password?</a></span></td>
<td class="trow2"><input type="password" class="textbox" name="password" size="25" style="width: 200px;" value="" /></td>
</tr>
%s<tr>
<td class="trow1" colspan="2" align="center"><label title="If ticked, your login details will be remembered on this computer, otherwise, you will be logged out as soon as you close your browser."><input type="checkbox" class="checkbox" name="remember" checked="checked" value="yes" /> Remember me</label></td>
</tr>
</table>
<br />
<div align="center"><input type="submit" class="button" name="submit" value="Login" /></div>
<input type="hidden" name="action" value="do_login" />
<input type="hidden" name="url" value="" />
<input type="hidden" name="my_post_key" value="%s" />
</form>
""" % (self.inline_error(error) if error else "", captcha, self.post_key(req))

    def page_login(self, req, error=""):
        return self.page(req, "%s - Login" % self.fx.title, [], "Login", self.login_form(req, error))

    def no_permission(self, req):
        if req.user is None:
            text = ("You are either not logged in or do not have permission to view this page. This could be because one "
                    "of the following reasons:\n<ol>\n<li>You are not logged in or registered. Please use the form at the "
                    "bottom of this page to login.</li>\n<li>You do not have permission to access this page. Are you trying "
                    "to access administrative pages or a resource that you shouldn't be?  Check in the forum rules that you "
                    "are allowed to perform this action.</li>\n<li>Your account may have been disabled by an administrator, "
                    "or it may be awaiting account activation.</li>\n<li>You have accessed this page directly rather than "
                    "using appropriate forms or links.</li>\n</ol>")
            return self.page(req, self.fx.title, [], None, self.box(text) + "<br />\n" + self.login_form(req))
        return self.error(req, "You do not have permission to access this page. This could be because of one of the "
                               "following reasons:\n<ol>\n<li>Your account has either been suspended or you have been "
                               "banned from accessing this resource.</li>\n<li>You do not have permission to access this "
                               "page. Are you trying to access administrative pages or a resource that you shouldn't be? "
                               "Check in the forum rules that you are allowed to perform this action.</li>\n</ol>")

    def do_login(self, req):
        fx = self.fx
        if req.f("my_post_key") != self.post_key(req):
            return self.error(req, self.ERRORS["token"])
        if fx.require_captcha:
            h = req.f("imagehash")
            if not h or self.captchas.get(h) != req.f("imagestring"):
                return self.page_login(req, self.ERRORS["captcha"])
        u = fx.check_password(req.f("username"), req.f("password"))
        if not u:
            return self.page_login(req, self.ERRORS["badlogin"])
        fx.sessions.pop(req.sid, None)
        req.user = u
        req.sid = fx.new_session(u["name"])
        req.set_cookies.append(("sid", req.sid, None))
        key = "%d_%s" % (u["id"], hashlib.sha1((u["salt"] + str(time.time())).encode()).hexdigest()[:50])
        fx.remember[key] = u["name"]
        req.set_cookies.append(("mybbuser", key, 31536000 if req.f("remember") == "yes" else None))
        return self.redirect(req, "You have successfully been logged in.<br />You will now be taken back to where you "
                                  "came from.", req.f("url") or "index.php")

    def pagination(self, total, per, cur, link):
        n = self.npages(total, per)
        if n <= 1:
            return ""
        out = ['<div class="pagination">\n<span class="pages">Pages (%d):</span>\n' % n]
        if cur > 1:
            out.append('<a href="%s" class="pagination_previous">&laquo; Previous</a>\n' % esc(link(cur - 1)))
        shown = sorted({1, n} | set(window(cur, n, 2)))
        prev = 0
        for p in shown:
            if p - prev > 1:
                out.append("...\n")
            if p == cur:
                out.append('<span class="pagination_current">%d</span>\n' % p)
            else:
                cls = "pagination_first" if p == 1 else "pagination_last" if p == n else "pagination_page"
                out.append('<a href="%s" class="%s">%d</a>\n' % (esc(link(p)), cls, p))
            prev = p
        if cur < n:
            out.append('<a href="%s" class="pagination_next">Next &raquo;</a>\n' % esc(link(cur + 1)))
        out.append("</div>")
        return "".join(out)

    def forumrow(self, req, b, k):
        fx = self.fx
        if b.get("link"):
            row = "trow%d" % (k % 2 + 1)
            return """<tr>
<td class="%s" align="center" width="1"><span class="forum_status forum_offlink" title="Redirect Forum"></span></td>
<td class="%s">
<strong><a href="%s">%s</a></strong><div class="smalltext">%s</div>
</td>
<td class="%s" align="center" style="white-space: nowrap">-</td>
<td class="%s" align="center" style="white-space: nowrap">-</td>
<td class="%s" align="right" style="white-space: nowrap">-</td>
</tr>
""" % (row, row, esc(b["link"]), esc(b["name"]), esc(b["description"]), row, row, row)
        nt, np_, last = self.stats(req, b["id"])
        kids = [c for c in fx.children(b["id"]) if c in self.boards_visible(req)]
        subs = ('<br />(<strong>Sub Forums:</strong> %s)' % ", ".join('<a href="%s" title="">%s</a>'
                                                                      % (esc(self.board_link(c)), esc(c["name"])) for c in kids)
                ) if kids else ""
        lp = '<span class="smalltext">Never</span>' if last is None else (
            '<span class="smalltext">\n<a href="showthread.php?tid=%d&amp;action=lastpost" title="%s"><strong>%s</strong></a>'
            '\n<br />%s<br />by %s</span>' % (last["thread"], esc(fx.threads[last["thread"]]["title"]),
                                              esc(fx.threads[last["thread"]]["title"]), self.date_html(last["date"]),
                                              self.profile(last["author"]) if not last["guest"] else esc(last["author"])))
        row = "trow%d" % (k % 2 + 1)
        return """<tr>
<td class="%s" align="center" width="1"><span class="forum_status forum_off" title="No New Posts"></span></td>
<td class="%s">
<strong><a href="%s">%s</a></strong><div class="smalltext">%s%s</div>
</td>
<td class="%s" align="center" style="white-space: nowrap">%s</td>
<td class="%s" align="center" style="white-space: nowrap">%s</td>
<td class="%s" align="right" style="white-space: nowrap">
%s
</td>
</tr>
""" % (row, row, esc(self.board_link(b)), esc(b["name"]), esc(b["description"]), subs, row, self.L.num(nt), row,
       self.L.num(np_), row, lp)

    def forum_table(self, head, rows):
        return """<table border="0" cellspacing="0" cellpadding="5" class="tborder">
<thead>
<tr>
<td class="thead" colspan="5">
<div><strong>%s</strong></div>
</td>
</tr>
</thead>
<tbody>
<tr>
<td class="tcat" colspan="2"><span class="smalltext"><strong>Forum</strong></span></td>
<td class="tcat" width="85" align="center" style="white-space: nowrap"><span class="smalltext"><strong>Threads</strong></span></td>
<td class="tcat" width="85" align="center" style="white-space: nowrap"><span class="smalltext"><strong>Posts</strong></span></td>
<td class="tcat" width="200" align="center"><span class="smalltext"><strong>Last Post</strong></span></td>
</tr>
%s</tbody>
</table>
<br />
""" % (head, rows)

    def page_index(self, req):
        fx = self.fx
        vis = self.boards_visible(req)
        out, leaves = [], []
        for b in [b for b in vis if b["parent"] is None]:
            kids = [c for c in fx.children(b["id"]) if c in vis]
            if kids:
                out.append(self.forum_table('<a href="%s">%s</a>' % (esc(self.board_link(b)), esc(b["name"])),
                                            "".join(self.forumrow(req, c, k) for k, c in enumerate(kids))))
            else:
                leaves.append(b)
        if leaves:
            out.append(self.forum_table("Forums", "".join(self.forumrow(req, b, k) for k, b in enumerate(leaves))))
        return self.page(req, fx.title, [], None, "".join(out))

    def threadrow(self, req, t, k):
        fx = self.fx
        first, last = fx.tpost(t, 0), fx.last_post(t)
        if t.get("moved_to"):
            cls = "trow%d" % (k % 2 + 1)
            return """<tr class="inline_row">
<td align="center" class="%s" width="2%%"><span class="thread_status movefolder" title="Moved thread">&nbsp;</span></td>
<td align="center" class="%s" width="2%%">&nbsp;</td>
<td class="%s">
<div>
<span> <span class="subject_old" id="tid_%d">Moved: <a href="%s">%s</a></span></span>
<div class="author smalltext">%s</div>
</div>
</td>
<td align="center" class="%s">-</td>
<td align="center" class="%s">-</td>
<td class="%s" style="white-space: nowrap; text-align: right;">-</td>
</tr>
""" % (cls, cls, cls, t["id"], esc(self.thread_link(fx.threads[t["moved_to"]])), esc(t["title"]),
       self.profile(first["author"]), cls, cls, cls)
        cls = "trow%d%s" % (k % 2 + 1, " forumdisplay_sticky" if t["sticky"] else "")
        pages = self.npages(len(t["posts"]), fx.posts_per_page)
        multi = (' <span class="smalltext">(Pages: %s)</span>' % " ".join(
            '<a href="%s">%d</a>' % (esc(self.thread_link(t, p)), p) for p in range(1, pages + 1) if p <= 4 or p == pages)
                 ) if pages > 1 else ""
        return """<tr class="inline_row">
<td align="center" class="%s" width="2%%"><span class="thread_status %sfolder" title="No new posts.">&nbsp;</span></td>
<td align="center" class="%s" width="2%%">&nbsp;</td>
<td class="%s">
<div>
<span> <span class="subject_old" id="tid_%d"><a href="%s">%s</a></span>%s</span>
<div class="author smalltext">%s</div>
</div>
</td>
<td align="center" class="%s"><a href="javascript:MyBB.whoPosted(%d);">%s</a></td>
<td align="center" class="%s">%s</td>
<td class="%s" style="white-space: nowrap; text-align: right;">
<span class="lastpost smalltext">%s<br />
<a href="showthread.php?tid=%d&amp;action=lastpost">Last Post</a>: %s</span>
</td>
</tr>
""" % (cls, "close" if t["closed"] else "", cls, cls, t["id"], esc(self.thread_link(t)), esc(t["title"]), multi,
       esc(first["author"]) if first["guest"] else self.profile(first["author"]), cls, t["id"],
       self.L.num(len(t["posts"]) - 1), cls, self.L.num(t["views"] or len(t["posts"]) * 10), cls,
       self.date_html(last["date"]), t["id"], esc(last["author"]) if last["guest"] else self.profile(last["author"]))

    def page_board(self, req, bid, page):
        fx = self.fx
        b = fx.boards.get(bid)
        if b is None:
            return self.error(req, self.ERRORS["no_board"], 404)
        if b.get("link"):
            return Resp(302, "", headers={"Location": b["link"]})
        if not self.can_read(req, bid):
            return self.no_permission(req)
        ids = self.visible_threads(req, bid)
        per = fx.threads_per_page
        n = self.npages(len(ids), per)
        page = max(1, min(page, n))
        chunk = [fx.threads[i] for i in ids[(page - 1) * per: page * per]]
        sticky = [t for t in chunk if t["sticky"]]
        normal = [t for t in chunk if not t["sticky"]]
        kids = [c for c in fx.children(bid) if c in self.boards_visible(req)]
        subs = self.forum_table("Forums in '%s'" % esc(b["name"]),
                                "".join(self.forumrow(req, c, k) for k, c in enumerate(kids))) if kids else ""
        pag = self.pagination(len(ids), per, page, lambda p: self.board_link(b, p))
        rows = ""
        if sticky:
            rows += '<tr>\n<td class="trow_sep" colspan="6">Important Threads</td>\n</tr>\n'
            rows += "".join(self.threadrow(req, t, k) for k, t in enumerate(sticky))
            rows += '<tr>\n<td class="trow_sep" colspan="6">Normal Threads</td>\n</tr>\n'
        rows += "".join(self.threadrow(req, t, k) for k, t in enumerate(normal))
        body = """%s<div class="float_left">
%s
</div>
<div class="float_right">
<a href="newthread.php?fid=%d" class="button new_thread_button"><span>Post Thread</span></a>
</div>
<table border="0" cellspacing="0" cellpadding="5" class="tborder clear">
<tr>
<td class="thead" colspan="6">
<div><strong>%s</strong></div>
</td>
</tr>
<tr>
<td class="tcat" colspan="3" width="66%%"><span class="smalltext"><strong><a href="%s&amp;sortby=subject&amp;order=asc">Thread</a> / <a href="%s&amp;sortby=starter&amp;order=asc">Author</a></strong></span></td>
<td class="tcat" align="center" width="7%%"><span class="smalltext"><strong>Replies</strong></span></td>
<td class="tcat" align="center" width="7%%"><span class="smalltext"><strong>Views</strong></span></td>
<td class="tcat" align="right" width="20%%"><span class="smalltext"><strong>Last Post</strong></span></td>
</tr>
%s</table>
<div class="float_left">
%s
</div>
""" % (subs, pag, bid, esc(b["name"]), esc(self.board_link(b)), esc(self.board_link(b)), rows, pag)
        crumbs = [(self.board_link(x), x["name"]) for x in fx.board_chain(bid)[:-1]]
        return self.page(req, "%s - %s" % (fx.title, b["name"]), crumbs, b["name"], body)

    ATTACH_RE = r"^/attachment\.php\?(?:.*&)?aid=(\d+)"

    def attachment_link(self, a):
        return "attachment.php?aid=%d" % a["id"]

    def attach_block(self, p):
        atts = self.attachments_of(p)
        if not atts:
            return ""
        return ('<br />\n<fieldset>\n<legend><strong>Attached Files</strong></legend>\n%s</fieldset>\n' % "".join(
            '<img src="%s/images/attachtypes/image.png" title="%s" border="0" alt=".%s" />&nbsp;&nbsp;<a href="%s" '
            'target="_blank" title="">%s</a> (Size: %s / Downloads: 0)<br />\n'
            % (self.fx.url, esc(a["name"]), esc(a["name"].rsplit(".", 1)[-1]), esc(self.attachment_link(a)),
               esc(a["name"]), self.size_text(a["size"])) for a in atts))

    def quote_html(self, q):
        return ('<blockquote class="mycode_quote"><cite><span> (%s)</span>%s Wrote: <a href="%s/showthread.php?pid=%d#pid%d" '
                'class="quick_jump"></a></cite>%s</blockquote>'
                % (self.date_html(q["date"]), esc(q["author"]), self.fx.url, q["id"], q["id"], q["body"]))

    def postbit(self, req, t, p, n):
        fx = self.fx
        if p["deleted"]:
            return ("""<a name="pid%d" id="pid%d"></a>
<div class="post classic deleted_post_collapsed" style="" id="post_%d">
<div class="post_author scaleimages">
<div class="author_information">
<strong><span class="largetext">%s</span></strong>
</div>
</div>
<div class="post_content">
<div class="post_head">
<span class="post_date">%s</span>
</div>
<div class="post_body scaleimages deleted_post_body" id="pid_%d">
This post has been deleted by %s.
</div>
</div>
</div>
""" % (p["id"], p["id"], p["id"], esc(p["author"]), self.date_html(p["date"]), p["id"], esc(p["deleted_by"])))
        u = None if p["guest"] else fx.users.get(p["author"])
        q = self.quoted(p)
        sig = fx.signature_of(p)
        edit = ""
        if p["edits"]:
            edit = ('<span class="edited_post">(This post was last modified: %s by %s.)</span>'
                    % (self.date_html(p["edited_date"]), self.profile(p["edited_by"])))
        if u:
            author = """<div class="author_avatar"><a href="member.php?action=profile&amp;uid=%d"><img src="%s/images/default_avatar.png" alt="" width="55" height="55" /></a></div>
<div class="author_information">
<strong><span class="largetext"><a href="%s/member.php?action=profile&amp;uid=%d">%s</a></span></strong> <img src="%s/images/buddy_offline.png" title="Offline" alt="Offline" class="buddy_status" /><br />
<span class="smalltext">%s<br /></span>
</div>
<div class="author_statistics">
Posts: %d<br />
Threads: %d<br />
Joined: %s
</div>""" % (u["id"], fx.url, fx.url, u["id"], esc(u["name"]), fx.url, esc(u["title"]), u["id"] * 7, u["id"],
             "%s %d" % (self.L.months_abbr[fx.local(u["joined"]).month - 1], fx.local(u["joined"]).year))
        else:
            author = """<div class="author_information">
<strong><span class="largetext">%s</span></strong><br />
<span class="smalltext">Unregistered<br /></span>
</div>""" % esc(p["author"])
        return """<a name="pid%d" id="pid%d"></a>
<div class="post classic " style="" id="post_%d">
<div class="post_author scaleimages">
%s
</div>
<div class="post_content">
<div class="post_head">
<div class="float_right" style="vertical-align: top">
<strong><a href="showthread.php?tid=%d&amp;pid=%d#pid%d" title="%s">#%d</a></strong>
</div>
<span class="post_date">%s <span class="post_edit" id="edited_by_%d">%s</span></span>
</div>
<div class="post_body scaleimages" id="pid_%d">
%s%s
</div>
%s%s<div class="post_meta" id="post_meta_%d">
</div>
</div>
<div class="post_controls">
<div class="postbit_buttons post_management_buttons float_right">
<a href="newreply.php?tid=%d&amp;replyto=%d" title="Quote this message in a reply" class="postbit_quote postbit_mirage"><span>Reply</span></a>
</div>
</div>
</div>
""" % (p["id"], p["id"], p["id"], author, t["id"], p["id"], p["id"], esc(t["title"]), n, self.date_html(p["date"]),
       p["id"], edit, p["id"], self.quote_html(q) if q else "", p["body"], self.attach_block(p),
       ('<div class="signature scaleimages">\n%s\n</div>\n' % sig) if sig else "", p["id"], t["id"], p["id"])

    def page_thread(self, req, tid, page):
        fx = self.fx
        t = self.thread_for(tid)
        if t is None:
            return self.error(req, self.ERRORS["no_thread"], 404)
        if not self.can_read(req, t["board"]):
            return self.no_permission(req)
        per = fx.posts_per_page
        ids = self.visible_ids(req, t)
        total = len(ids)
        n = self.npages(total, per)
        page = max(1, min(page, n))
        start = (page - 1) * per
        posts = [fx.post(ids[i]) for i in range(start, min(start + per, total))]
        pag = self.pagination(total, per, page, lambda pg: self.thread_link(t, pg))
        button = ('<a href="newreply.php?tid=%d" class="button closed_button"><span>Thread Closed</span></a>' % tid
                  if t["closed"] else
                  '<a href="newreply.php?tid=%d" class="button new_reply_button"><span>New Reply</span></a>' % tid)
        body = """<div class="float_left">
%s
</div>
<div class="float_right">
%s
</div>
<table border="0" cellspacing="0" cellpadding="5" class="tborder tfixed clear">
<tr>
<td class="thead">
<div>
<strong>%s</strong>
</div>
</td>
</tr>
<tr><td id="posts_container">
<div id="posts">
%s</div>
</td></tr>
</table>
<div class="float_left">
%s
</div>
""" % (pag, button, esc(t["title"]), "".join(self.postbit(req, t, p, start + k + 1) for k, p in enumerate(posts)), pag)
        crumbs = [(self.board_link(x), x["name"]) for x in fx.board_chain(t["board"])]
        return self.page(req, t["title"], crumbs, t["title"], body)

    def newreply(self, req):
        fx = self.fx
        tid = req.qint("tid") or int(req.f("tid") or 0)
        t = self.thread_for(tid)
        if t is None:
            return self.error(req, self.ERRORS["no_thread"], 404)
        if req.user is None or not self.can_read(req, t["board"]) or t["closed"]:
            if req.method == "POST":
                fx.record_post(req, req.user, 200, error="closed" if t["closed"] else "no_permission")
            return self.no_permission(req)
        error = ""
        message = ""
        if req.method == "POST" and req.f("action") == "do_newreply":
            if req.f("my_post_key") != self.post_key(req):
                fx.record_post(req, req.user, 200, error="token")
                return self.error(req, self.ERRORS["token"])
            pid, err = fx.submit(req, req.user, thread=tid, message=req.f("message"))
            if not err:
                fx.record_post(req, req.user, 200, pid=pid)
                return self.redirect(req, "Thank you, your reply has been posted.<br />You will now be taken to your post.",
                                     "showthread.php?tid=%d&pid=%d#pid%d" % (tid, pid, pid))
            fx.record_post(req, req.user, 200, error=err[0])
            error = self.ERRORS[err[0]] % (fx.flood_seconds if err[0] == "flood" else err[1]) \
                if err[0] in ("flood", "too_short") else self.ERRORS[err[0]]
            message = req.f("message")
        elif req.qint("replyto"):
            qp = fx.post(req.qint("replyto"))
            message = "[quote='%s' pid='%d' dateline='%d']\n%s\n[/quote]\n" % (qp["author"], qp["id"], qp["date"],
                                                                             strip_tags(qp["body"]))
        posthash = hashlib.md5(("%d%s" % (tid, req.sid)).encode()).hexdigest()
        form = """%s<form action="newreply.php?tid=%d&amp;processed=1" method="post" enctype="multipart/form-data" name="input">
<input type="hidden" name="my_post_key" value="%s" />
<table border="0" cellspacing="0" cellpadding="5" class="tborder">
<tr>
<td class="thead" colspan="2"><strong>Post Reply</strong></td>
</tr>
<tr>
<td class="trow2" width="20%%"><strong>Subject</strong></td>
<td class="trow2"><input type="text" class="textbox" name="subject" size="40" maxlength="85" value="RE: %s" tabindex="1" /></td>
</tr>
<tr>
<td class="trow2" valign="top"><strong>Your Message:</strong></td>
<td class="trow2">
<textarea name="message" id="message" rows="20" cols="70" tabindex="2">%s</textarea>
</td>
</tr>
</table>
<br />
<div style="text-align:center"><input type="submit" class="button" name="submit" value="Post Reply" tabindex="3" accesskey="s" />  <input type="submit" class="button" name="previewpost" value="Preview Post" tabindex="4" /></div>
<input type="hidden" name="action" value="do_newreply" />
<input type="hidden" name="replyto" value="%d" />
<input type="hidden" name="posthash" value="%s" id="posthash" />
<input type="hidden" name="attachmentaid" value="" />
<input type="hidden" name="quoted_ids" value="" />
<input type="hidden" name="tid" value="%d" />
</form>
""" % (self.inline_error(error) if error else "", tid, self.post_key(req), esc(t["title"]), esc(message),
       req.qint("replyto"), posthash, tid)
        return self.page(req, "%s - Post Reply" % fx.title, [(self.thread_link(t), t["title"])], "Post Reply", form)

    def feed(self, req):
        fx = self.fx
        fid = req.qint("fid")
        bids = [fid] if fid else [b for b in fx.boards if not fx.board_members_only(b)]
        bids = [b for b in bids if b in fx.boards and not fx.board_members_only(b)]
        ts = sorted((fx.threads[i] for b in bids for i in fx.boards[b]["threads"] if not fx.threads[i].get("moved_to")),
                    key=lambda t: (fx.tpost(t, 0)["date"], t["id"]), reverse=True)[:int(req.q("limit") or 15)]
        items = "".join("""		<item>
			<title><![CDATA[%s]]></title>
			<link>%s/showthread.php?tid=%d</link>
			<pubDate>%s</pubDate>
			<dc:creator><![CDATA[%s]]></dc:creator>
			<guid isPermaLink="false">%s/showthread.php?tid=%d</guid>
			<description><![CDATA[%s]]></description>
			<content:encoded><![CDATA[%s]]></content:encoded>
		</item>
""" % (t["title"], fx.url, t["id"], self.rfc822(fx.tpost(t, 0)["date"]), fx.tpost(t, 0)["author"], fx.url, t["id"],
       strip_tags(fx.tpost(t, 0)["body"])[:200], fx.tpost(t, 0)["body"]) for t in ts)
        last = max([fx.tpost(t, 0)["date"] for t in ts] or [0])
        body = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
	<channel>
		<title><![CDATA[%s - All Forums]]></title>
		<link>%s/</link>
		<description><![CDATA[%s - %s]]></description>
		<pubDate>%s</pubDate>
		<generator>MyBB</generator>
%s	</channel>
</rss>""" % (fx.title, fx.url, fx.title, fx.url, self.rfc822(last or fx.now()), items)
        return self.feed_response(body, "application/rss+xml; charset=UTF-8", last or None)
