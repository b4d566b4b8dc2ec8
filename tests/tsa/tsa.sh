#!/usr/bin/env bash
# A throwaway RFC 3161 timestamp authority for the tests, run with `openssl ts`.
#   tsa.sh make DIR                 a CA, a TSA certificate (timeStamping usage) and a config in DIR
#   tsa.sh reply DIR QUERY REPLY    answers a DER query
#   tsa.sh verify DIR DATA TOKEN    checks a DER token over DATA against the CA, as an officer would
set -euo pipefail
command=$1
dir=$(cd "$2" && pwd)
case "$command" in
  reply) exec openssl ts -reply -config "$dir/tsa.cnf" -queryfile "$3" -out "$4" 2>/dev/null ;;
  verify) exec openssl ts -verify -token_in -data "$3" -in "$4" -CAfile "$dir/ca.pem" -untrusted "$dir/tsa.pem" >/dev/null 2>&1 ;;
  make) ;;
  *) echo "usage: tsa.sh make|reply|verify DIR …" >&2; exit 2 ;;
esac
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
  -subj "/CN=Lodge test CA" -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tsa.key -out tsa.csr \
  -subj "/CN=Lodge test TSA" 2>/dev/null
printf 'extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n' > tsa.ext
openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out tsa.pem -days 2 -extfile tsa.ext 2>/dev/null
echo 01 > serial
cat > tsa.cnf <<CNF
[ tsa ]
default_tsa = test_tsa
[ test_tsa ]
dir = $dir
serial = \$dir/serial
crypto_device = builtin
signer_cert = \$dir/tsa.pem
certs = \$dir/ca.pem
signer_key = \$dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
