// Package release holds the checks on lamb's own release configuration,
// .goreleaser.yml at the repository root. GoReleaser is not needed to run them:
// the tests read the file and assert what every published archive depends on
// (static reproducible builds, version stamps, platforms, completions, man
// pages, checksums). They also run the GitHub Action's installer
// (scripts/action/install.sh, which action.yml runs) against a fake release
// served over HTTP.
// The package has no code of its own.
package release
