#!/bin/sh
# `make run`: prepare ./run/ (store, demo TLS certificate, reply secret),
# import the demo forum and serve config/demo.yaml in the foreground.
set -eu
cd "$(dirname "$0")/.."
mkdir -p run/tls
if [ ! -f run/tls/demo-cert.pem ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
		-keyout run/tls/demo-key.pem -out run/tls/demo-cert.pem 2>/dev/null
	echo "run-demo: made a self-signed certificate in run/tls/"
fi
if [ ! -f run/reply-secret ]; then
	umask 077
	openssl rand -hex 32 > run/reply-secret
fi
./forumgate -c config/demo.yaml check-config > /dev/null
./forumgate -c config/demo.yaml import config/demo-spool
# a demo account for AUTHINFO and POST (exists already on a second run);
# the password comes on stdin, not on the command line where ps shows it
printf 'demo\n' | ./forumgate -c config/demo.yaml user add demo \
	--address demo@forumgate.example 2>/dev/null || true
echo "run-demo: the demo forum is in run/forumgate.db:"
echo "  ./forumgate -c config/demo.yaml export | less      (the articles, as mboxrd)"
echo "  ./forumgate -c config/demo.yaml export --group demo.general > demo.mbox"
echo "run-demo: point a newsreader at it:"
echo "  tin -g 127.0.0.1 -p 1119        slrn -h 127.0.0.1:1119        (plain text, STARTTLS offered)"
echo "  NNTPS on 127.0.0.1:1563 with run/tls/demo-cert.pem (self-signed); login demo / demo to post"
echo "  python3 -c \"import nntplib; s=nntplib.NNTP('127.0.0.1', 1119); print(s.list())\""
echo "run-demo: serving config/demo.yaml (Ctrl-C stops); files added to config/demo-spool/ are picked up"
exec ./forumgate -c config/demo.yaml serve
