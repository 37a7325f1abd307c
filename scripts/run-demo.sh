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
echo "run-demo: the demo forum is in run/forumgate.db:"
echo "  ./forumgate -c config/demo.yaml export | less      (the articles, as mboxrd)"
echo "  ./forumgate -c config/demo.yaml export --group demo.general > demo.mbox"
echo "run-demo: serving config/demo.yaml (Ctrl-C stops); files added to config/demo-spool/ are picked up"
exec ./forumgate -c config/demo.yaml serve
