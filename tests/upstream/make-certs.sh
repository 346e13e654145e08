#!/bin/sh
# Make a throw-away PKI for the upstream tests in DIR (created 0700 by the caller or here):
#   ca.crt/ca.key                 the CA the client trusts
#   server.crt/server.key         127.0.0.1 + localhost, signed by ca
#   client.crt/client.key         a client certificate (clientAuth), signed by ca
#   other-ca.crt/other-ca.key     a CA the client does NOT trust
#   other-server.crt/.key         127.0.0.1 + localhost, signed by other-ca
# Keys are made at test time and never committed. P-256 keys: fast to make.
# Usage: make-certs.sh DIR
set -eu
dir=${1:?usage: make-certs.sh DIR}
umask 077
mkdir -p "$dir"
cd "$dir"

ca() { # name subject
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 2 \
                -keyout "$1.key" -out "$1.crt" -subj "/CN=$2" \
                -addext "basicConstraints=critical,CA:TRUE" \
                -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

leaf() { # name ca subject usage
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
                -keyout "$1.key" -out "$1.csr" -subj "/CN=$3" 2>/dev/null
        {
                echo "basicConstraints=critical,CA:FALSE"
                echo "keyUsage=critical,digitalSignature"
                echo "extendedKeyUsage=$4"
                if [ "$4" = serverAuth ]; then echo "subjectAltName=IP:127.0.0.1,DNS:localhost"; fi
        } >"$1.ext"
        openssl x509 -req -sha256 -days 2 -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" \
                -CAcreateserial -extfile "$1.ext" -out "$1.crt" 2>/dev/null
        rm -f "$1.csr" "$1.ext"
}

ca ca "latchkey test CA"
ca other-ca "some other CA"
leaf server ca localhost serverAuth
leaf client ca latchkey-agent clientAuth
leaf other-server other-ca localhost serverAuth
