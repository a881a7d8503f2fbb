# Sourced by the kernel matrix scripts: Debian packages through apt, for a fresh Debian 12 machine
# (root) as much as for a prepared one.

# apt_install_missing PACKAGE...: installs those not installed yet.
apt_install_missing() {
  local package missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# apt_known PACKAGE: whether apt's lists name PACKAGE (a fresh machine has empty lists).
apt_known() {
  apt-cache show "$1" >/dev/null 2>&1
}

# apt_extract PACKAGE DIR: downloads PACKAGE's .deb (nothing is installed) and unpacks it into DIR,
# unless DIR is already there.
apt_extract() {
  local package=$1 dir=$2 download status=0
  [ -d "$dir" ] && return 0
  apt_known "$package" || apt-get update -qq
  download=$(mktemp -d)
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir.partial"
  (cd "$download" && apt-get download -qq -o APT::Sandbox::User=root "$package" >/dev/null) &&
    dpkg-deb -x "$download"/*.deb "$dir.partial" &&
    mv "$dir.partial" "$dir" || status=$?
  rm -rf "$download"
  return "$status"
}
