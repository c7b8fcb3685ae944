#!/usr/bin/env bash
# Installs a lamb release for the GitHub Actions runner this runs on: picks
# the archive .goreleaser.yml names for the runner's OS and architecture,
# checks its SHA-256 against the release's checksums.txt, unpacks it into
# the tool cache and puts it on PATH. action.yml runs it; it reads only
# what the runner sets, and these:
#
#   LAMB_VERSION       a release (1.4.0 or v1.4.0), or "latest"
#   LAMB_DOWNLOAD_URL  where releases are, default
#                      https://github.com/lambcli/lamb/releases/download
#   LAMB_API_URL       the repository's API, to resolve "latest", default
#                      https://api.github.com/repos/lambcli/lamb
#   GITHUB_TOKEN       optional, raises the API's rate limit for "latest"
set -euo pipefail

fail() {
	echo "::error title=lamb install::$*"
	exit 1
}

download_url=${LAMB_DOWNLOAD_URL:-https://github.com/lambcli/lamb/releases/download}
api_url=${LAMB_API_URL:-https://api.github.com/repos/lambcli/lamb}
version=${LAMB_VERSION:-}
[ -n "$version" ] || fail "no lamb version: set the action's version input, e.g. version: 1.4.0"

fetch() { # URL FILE
	local auth=()
	if [ -n "${GITHUB_TOKEN:-}" ] && [ "${1#"$api_url"}" != "$1" ]; then
		auth=(-H "Authorization: Bearer $GITHUB_TOKEN")
	fi
	# Bounded: a server that accepts and never answers fails the step
	# instead of holding the job until its own timeout.
	curl --fail --silent --show-error --location --retry 3 --connect-timeout 20 --max-time 600 \
		${auth[@]+"${auth[@]}"} --output "$2" "$1"
}

if [ "$version" = latest ]; then
	latest=$(mktemp)
	fetch "$api_url/releases/latest" "$latest" || fail "could not ask $api_url which release is the latest: pin the version input instead"
	# The tag_name field of the release; no JSON tool is sure to be there.
	version=$(sed -n 's/.*"tag_name"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$latest" | head -n 1)
	rm -f "$latest"
	[ -n "$version" ] || fail "the latest release at $api_url names no tag: pin the version input instead"
fi
version=${version#v}
case $version in
*[!0-9A-Za-z.+-]* | "") fail "version \"$version\" is not a release version like 1.4.0" ;;
esac

case ${RUNNER_OS:-} in
Linux) os=linux ;;
macOS) os=darwin ;;
Windows) os=windows ;;
*) fail "lamb has no release for runner OS \"${RUNNER_OS:-}\" (Linux, macOS and Windows have one)" ;;
esac
case ${RUNNER_ARCH:-} in
X64) arch=amd64 ;;
ARM64) arch=arm64 ;;
*) fail "lamb has no release for runner architecture \"${RUNNER_ARCH:-}\" (X64 and ARM64 have one)" ;;
esac
ext=tar.gz
exe=lamb
if [ "$os" = windows ]; then
	ext=zip
	exe=lamb.exe
fi
# The name_template of .goreleaser.yml's archive.
archive="lamb_${version}_${os}_${arch}.${ext}"

# The tool cache's layout (<tool>/<version>/<arch>, with a .complete
# marker beside a finished folder), which the runner images use for theirs.
cache_root=${RUNNER_TOOL_CACHE:?RUNNER_TOOL_CACHE is not set: run this as a step of a GitHub Actions job}
dir="$cache_root/lamb/$version/$(printf '%s' "$RUNNER_ARCH" | tr '[:upper:]' '[:lower:]')"

if [ -f "$dir.complete" ] && [ -x "$dir/$exe" ]; then
	echo "lamb $version: found in the tool cache ($dir)"
else
	work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/lamb-install.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	base="$download_url/v$version"
	echo "lamb $version: downloading $archive"
	fetch "$base/$archive" "$work/$archive" || fail "could not download $base/$archive: is $version a lamb release?"
	fetch "$base/checksums.txt" "$work/checksums.txt" || fail "could not download $base/checksums.txt"
	want=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1; exit }' "$work/checksums.txt")
	[ -n "$want" ] || fail "checksums.txt of lamb $version lists no $archive"
	if command -v sha256sum >/dev/null 2>&1; then
		got=$(sha256sum "$work/$archive" | awk '{ print $1 }')
	else
		got=$(shasum -a 256 "$work/$archive" | awk '{ print $1 }')
	fi
	if [ "$got" != "$want" ]; then
		fail "$archive has SHA-256 $got, but checksums.txt of lamb $version says $want: the download is not the release; nothing was installed"
	fi
	echo "lamb $version: SHA-256 $got matches checksums.txt"
	rm -rf "$dir" "$dir.complete"
	mkdir -p "$dir"
	if [ "$ext" = zip ]; then
		unzip -q -o "$work/$archive" -d "$dir"
	else
		tar -xzf "$work/$archive" -C "$dir"
	fi
	[ -f "$dir/$exe" ] || fail "$archive holds no $exe"
	chmod +x "$dir/$exe"
	touch "$dir.complete"
fi

if [ -n "${GITHUB_PATH:-}" ]; then
	echo "$dir" >>"$GITHUB_PATH"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
	{
		echo "version=$version"
		echo "path=$dir/$exe"
	} >>"$GITHUB_OUTPUT"
fi
