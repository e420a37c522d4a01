#!/usr/bin/env bash
# Runs the pgTAP tests in supabase/tests/database on a fresh database on DATABASE_URL's server:
# creates the database, loads the Supabase-compatible bootstrap and the migrations, creates the pgtap
# extension, runs pg_prove, and drops the database again. Exits non-zero when any test fails.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bash packages/supabase/scripts/pgtap.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
command -v pg_prove >/dev/null || { echo "pg_prove not found: apt-get install -y libtap-parser-sourcehandler-pgtap-perl postgresql-15-pgtap" >&2; exit 2; }

db="itutor_pgtap_$(date +%s)_$$"
# The same URL with the database name replaced (keeps user, host, port and any ?query).
base="${url%%\?*}"
query=""
[[ "$url" == *\?* ]] && query="?${url#*\?}"
db_url="${base%/*}/${db}${query}"

psql_admin() { psql "$url" -v ON_ERROR_STOP=1 -q -X "$@"; }
cleanup() { psql_admin -c "drop database if exists ${db} with (force)" >/dev/null 2>&1 || true; }
trap cleanup EXIT

psql_admin -c "create database ${db}" >/dev/null
load=(-f "$here/test/support/supabase-bootstrap.sql")
for migration in "$here"/supabase/migrations/*.sql; do load+=(-f "$migration"); done
psql "$db_url" -v ON_ERROR_STOP=1 -q -X "${load[@]}" >/dev/null
psql "$db_url" -v ON_ERROR_STOP=1 -q -X -c 'create extension if not exists pgtap' >/dev/null

cd "$here/supabase/tests/database"
pg_prove --dbname "$db_url" --ext .sql --failures *.test.sql
