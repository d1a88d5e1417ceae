#!/usr/bin/env bash
# Install RingMQ as a systemd service, as root, from the unpacked distribution: ./install.sh [--no-start]
#
#   - a system user and group "ringmq" (no login, no home of its own);
#   - the program in /opt/ringmq (bin/, lib/, systemd/; replaced on every install, owned by root);
#   - the configuration in /etc/ringmq (ringmq.yaml, logback.xml: copied only when absent, so edits survive);
#   - the unit /etc/systemd/system/ringmq.service, enabled and (re)started unless --no-start.
# The journal goes to /var/lib/ringmq and the log files to /var/log/ringmq (systemd makes both for the user).
# Uninstall: systemctl disable --now ringmq; rm -r /opt/ringmq /etc/systemd/system/ringmq.service; and, to drop
# the data too, /etc/ringmq /var/lib/ringmq /var/log/ringmq and the user (userdel ringmq).
set -euo pipefail

die()
{
    echo "install.sh: $*" >&2
    exit 1
}

start=true
for arg in "$@"; do
    case "$arg" in
        --no-start) start=false ;;
        *) die "unknown option $arg (only --no-start)" ;;
    esac
done
[ "$(id -u)" -eq 0 ] || die "run as root (it creates a user and installs a systemd unit)"
command -v systemctl >/dev/null || die "systemctl not found: this installs a systemd service"
src="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for file in bin/ringmq bin/ringmq-ready lib/ringmq.jar conf/ringmq.yaml conf/logback.xml systemd/ringmq.service; do
    [ -e "$src/$file" ] || die "$src/$file missing: run this from the unpacked distribution"
done

if ! getent passwd ringmq >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/ringmq --no-create-home --shell /usr/sbin/nologin ringmq
    echo "install.sh: created user ringmq"
fi

prefix=/opt/ringmq
install -d -m 0755 "$prefix"
rm -rf "$prefix/bin" "$prefix/lib" "$prefix/systemd" "$prefix/conf"
cp -R "$src/bin" "$src/lib" "$src/systemd" "$prefix/"
# The shipped configuration, for reference and for comparing after an upgrade.
cp -R "$src/conf" "$prefix/conf"
chown -R root:root "$prefix"
chmod 0755 "$prefix/bin/ringmq" "$prefix/bin/ringmq-ready"

install -d -m 0750 -o root -g ringmq /etc/ringmq
for file in ringmq.yaml logback.xml; do
    if [ -e "/etc/ringmq/$file" ]; then
        echo "install.sh: kept /etc/ringmq/$file (the shipped one is $prefix/conf/$file)"
    else
        install -m 0640 -o root -g ringmq "$src/conf/$file" "/etc/ringmq/$file"
    fi
done

install -m 0644 "$src/systemd/ringmq.service" /etc/systemd/system/ringmq.service
systemctl daemon-reload
systemctl enable ringmq.service
if $start; then
    systemctl restart ringmq.service
    systemctl --no-pager status ringmq.service || true
else
    echo "install.sh: installed; start with: systemctl start ringmq"
fi
