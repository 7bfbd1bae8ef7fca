#!/bin/sh
# arrkestra's container entrypoint: run arrkestra as the owner of your files, then get out of
# the way (tini stays PID 1 and forwards signals; this script execs, it does not wait).
#
# Started as root (the image's default), the linuxserver.io way:
#   - the user and group "arrkestra" get the ids PUID and PGID (default 1000 and 1000);
#   - /config and /data, and what is in them, are handed to PUID:PGID where they are not
#     theirs yet (never another mount inside them, never the media folders);
#   - arrkestra runs as PUID:PGID (setpriv, from util-linux, part of Debian).
# Started as another user (compose `user: "1000:1000"`), there is nothing to change: the ids
# are the ones Docker gave, and arrkestra runs as is.
#
# UMASK (optional, e.g. 002) sets the permissions of the files arrkestra creates.
# ARRKESTRA_CONFIG_DIR and ARRKESTRA_DATA_DIR move /config and /data (the tests run this
# script outside Docker, on temporary directories).
set -eu

config_dir=${ARRKESTRA_CONFIG_DIR:-/config}
data_dir=${ARRKESTRA_DATA_DIR:-/data}
account=arrkestra

say() { printf 'entrypoint: %s\n' "$*" >&2; }
fail() { say "error: $*"; exit 2; }

whole_number() {
    case $1 in
        '' | *[!0-9]*) return 1 ;;
        *) return 0 ;;
    esac
}

if [ -n "${UMASK:-}" ]; then
    case $UMASK in
        [0-7][0-7][0-7] | [0-7][0-7][0-7][0-7]) umask "$UMASK" ;;
        *) fail "UMASK=$UMASK is not an octal mask like 022 or 002" ;;
    esac
fi

if [ "$(id -u)" != 0 ]; then
    if [ -n "${PUID:-}${PGID:-}" ]; then
        say "running as uid $(id -u), gid $(id -g) (the container's user):" \
            "PUID/PGID apply only to a start as root"
    fi
    exec arrkestra "$@"
fi

puid=${PUID:-1000}
pgid=${PGID:-1000}
whole_number "$puid" || fail "PUID=$puid is not a numeric user id (the owner of your files: id -u)"
whole_number "$pgid" || fail "PGID=$pgid is not a numeric group id (id -g)"
if [ "$puid" = 0 ]; then
    say "warning: PUID=0: arrkestra runs as root"
    exec arrkestra "$@"
fi
command -v setpriv >/dev/null 2>&1 || fail "setpriv (util-linux) is missing: cannot drop root"

# The account only gives the ids a name (`ls -l`, ssh for rsync need one): with a read-only
# /etc the ids are used without it. -o: another account may already have these ids.
name_the_ids() {
    group_id=$(getent group "$account" | cut -d: -f3)
    if [ -z "$group_id" ]; then
        groupadd -o -g "$pgid" "$account" || return 1
    elif [ "$group_id" != "$pgid" ]; then
        groupmod -o -g "$pgid" "$account" || return 1
    fi
    if ! id -u "$account" >/dev/null 2>&1; then
        useradd -o -u "$puid" -g "$pgid" -d "$config_dir" -M -s /usr/sbin/nologin "$account" ||
            return 1
    elif [ "$(id -u "$account")" != "$puid" ] || [ "$(id -g "$account")" != "$pgid" ]; then
        usermod -o -u "$puid" -g "$pgid" "$account" || return 1
    fi
}

# Hand a directory to PUID:PGID: only the entries that are not theirs yet (a restart with the
# same ids touches nothing), and never across into another file system (-xdev).
hand_over() {
    mkdir -p "$1" || return 1
    find "$1" -xdev \( ! -uid "$puid" -o ! -gid "$pgid" \) -exec chown -h "$puid:$pgid" {} + ||
        return 1
}

name_the_ids || say "warning: could not name the ids $puid:$pgid '$account'; running without a name"
for dir in "$config_dir" "$data_dir"; do
    hand_over "$dir" || say "warning: could not give $dir to $puid:$pgid; arrkestra may not write there"
done

say "running arrkestra as uid $puid, gid $pgid"
export HOME="$config_dir"
exec setpriv --reuid="$puid" --regid="$pgid" --clear-groups -- arrkestra "$@"
