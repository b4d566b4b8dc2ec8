#!/usr/bin/env bash
# A throwaway RFC 3161 timestamp authority for the tests: a CA, a TSA certificate with the
# timeStamping usage, and an `openssl ts` configuration, all in DIR.
# Reply to a query with: openssl ts -reply -config DIR/tsa.cnf -queryfile Q.tsq -out R.tsr
set -euo pipefail
dir=$(cd "$1" && pwd)
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
