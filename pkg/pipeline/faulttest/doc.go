// Package faulttest holds lamb's fault and interruption tests of the whole
// deploy: many deploys of a small project through internal/faultproxy
// between lamb and moto, each call possibly throttled, failed, cut or
// delayed, and the built lamb binary interrupted (SIGINT) or killed
// (SIGKILL) part-way through a deploy. After each, the functions' state is
// read back with a plain AWS client, not with lamb's own reads, and a clean
// re-run must converge.
//
// The package has no code of its own outside its tests; docs/faults.md
// describes what the tests prove, their figures, and how to run longer
// storms (go test ./pkg/pipeline/faulttest -run Storm -faults.runs 300).
package faulttest
