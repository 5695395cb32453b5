#!/usr/bin/env bash
# HTTPS to S3 with a private CA (docs/faults.md, row S3-TLS): a CA and a server certificate for
# 127.0.0.1 made here with openssl, a TLS front (the fault proxy with --tls-cert) before a
# private RGW. produce reads its S3 input over https with --s3-ca-bundle, stream writes its S3
# output over https with AWS_CA_BUNDLE (and `files` lists it with --s3-ca-bundle); without the CA
# both stop with one clear TLS error line. The https run then holds every record exactly once.
source "$(dirname "$0")/common.bash"
[ -n "${FAULTS_KEEP:-}" ] && echo "work dir $work"
ROWS=4000

start_rgw
start_broker --brokers 1 --topic tls:2 --topic scratch:1
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
  -subj "/CN=lakestream test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >srv.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
  -extfile srv.ext 2>/dev/null
cd - >/dev/null
start_proxy tls --tls-cert "$work/srv.pem" --tls-key "$work/srv.key"
HTTPS="$PROXY_URL"
[[ "$HTTPS" == https://* ]] || fail "TLS front not on https: $HTTPS"
# rgw.sh exports AWS_CA_BUNDLE=<the system bundle>; the runs below set it themselves.
SYSTEM_CA=/etc/ssl/certs/ca-certificates.crt
unset AWS_CA_BUNDLE

aws s3 mb s3://tlsin >/dev/null
aws s3 mb s3://tlsout >/dev/null
"$LAKESTREAM" generate --rows $ROWS --seed 71 --output "$work/gen.csv" 2>/dev/null
aws s3 cp --only-show-errors "$work/gen.csv" s3://tlsin/taxi/gen.csv

note "produce x https S3 input without the CA"
run_expect_rc 1 "$work/p_noca.log" env AWS_CA_BUNDLE=$SYSTEM_CA "$LAKESTREAM" produce --bootstrap "$B" \
  --topic scratch --schema "$SCHEMA" --input s3://tlsin/taxi/ --s3-endpoint "$HTTPS"
expect_one_error "$work/p_noca.log" produce "TLS failure: .*certificate"
note "produce x https S3 input with --s3-ca-bundle"
run_expect_rc 0 "$work/p_ca.log" produce_csv tls s3://tlsin/taxi/ --s3-endpoint "$HTTPS" \
  --s3-ca-bundle "$work/ca.pem"
grep -q "rows read $ROWS, produced $ROWS, rejected 0, failed 0" "$work/p_ca.log" \
  || { cat "$work/p_ca.log"; fail "produce summary"; }

# stream: the job with AWS_CA_BUNDLE=$CA.
stream() {
  AWS_CA_BUNDLE="$CA" "$LAKESTREAM" stream --bootstrap "$B" --topic tls --schema "$SCHEMA" --output s3://tlsout/rides \
    --trigger available-now --include-kafka-metadata --s3-endpoint "$HTTPS" "$@"
}
note "stream x https S3 output without the CA"
CA=$SYSTEM_CA
run_expect_rc 1 "$work/s_noca.log" stream
expect_one_error "$work/s_noca.log" stream "TLS failure: .*certificate"
note "stream x https S3 output with AWS_CA_BUNDLE"
CA="$work/ca.pem"
run_expect_rc 0 "$work/s_ca.log" stream --max-offsets-per-trigger 1000
# `files` over https too, then the data straight from RGW for DuckDB.
"$LAKESTREAM" files s3://tlsout/rides --s3-endpoint "$HTTPS" --s3-ca-bundle "$work/ca.pem" \
  | sort >"$work/files_https.txt"
fetch_committed s3://tlsout/rides "$work/data"
diff "$work/files_https.txt" "$work/committed.txt" || fail "files over https differs"
exactly_once "$work/data" $ROWS 2
gapless "$work/data"
n=$(grep -c . "$work/tls.jsonl")
record "https: $n S3 requests through a TLS front with a private CA (produce input, stream output, files)"
echo PASS
