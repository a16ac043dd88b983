#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster if it is installed and not running, and exports the
# connection string that the store tests read. Source it: `source scripts/postgres-for-tests.sh`.
if [ -z "${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-}" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2}')
  if [ -n "$cluster" ]; then
    pg_ctlcluster $cluster start 2>/dev/null || true
    port=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
    for _ in $(seq 1 30); do
      su postgres -c "psql -p $port -qtAc 'select 1'" >/dev/null 2>&1 && break
      sleep 1
    done
    su postgres -c "psql -p $port -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
    export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="postgresql://postgres:postgres@localhost:$port"
    echo "PostgreSQL for tests: localhost:$port"
  fi
fi
