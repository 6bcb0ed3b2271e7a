#!/usr/bin/env bash
# Start the local services the suite needs if they are down (../shared/services.md),
# then wait until each answers.
set -u
wait_for() {  # name, command
  for _ in $(seq 1 60); do
    if eval "$2" >/dev/null 2>&1; then echo "services: $1 up"; return 0; fi
    sleep 1
  done
  echo "services: $1 did not come up" >&2; return 1
}
if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
wait_for postgresql "pg_isready -h 127.0.0.1 -p 5432" || exit 1
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
wait_for redis "(exec 3<>/dev/tcp/127.0.0.1/6379)" || echo "services: tests needing redis will say so"
if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  rabbitmq-server -detached || true
fi
wait_for rabbitmq "(exec 3<>/dev/tcp/127.0.0.1/5672)" || echo "services: tests needing rabbitmq will say so"
exit 0
