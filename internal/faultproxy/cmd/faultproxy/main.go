//go:build unix

// Command faultproxy runs internal/faultproxy as a process, for scripts such
// as scripts/bench-deploy.sh that put it between lamb and moto:
//
//	faultproxy -target http://127.0.0.1:5000 -latency 50ms
//
// It prints its URL as the first line of stdout. On SIGUSR1 it writes one
// line to stderr counting the calls received since the last such line
// ("calls=42 writes=0 lambda:GetFunction=20 ..."; writes are the calls
// other than Get*, List* and Head*) and starts counting again. SIGINT or
// SIGTERM stops it.
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/lambcli/lamb/internal/faultproxy"
)

func main() {
	target := flag.String("target", "", "base URL to forward to, such as http://127.0.0.1:5000 (required)")
	latency := flag.Duration("latency", 0, "added to every call, as a stand-in for the distance to AWS")
	flag.Parse()
	if *target == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: faultproxy -target URL [-latency 50ms]")
		os.Exit(2)
	}
	p, err := faultproxy.New(*target, faultproxy.Options{Latency: *latency})
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultproxy:", err)
		os.Exit(1)
	}
	defer p.Close()
	fmt.Println(p.URL())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	for s := range signals {
		if s != syscall.SIGUSR1 {
			return
		}
		fmt.Fprintln(os.Stderr, report(p.Stats()))
		p.Reset()
	}
}

// report is one line of counts, operations in name order.
func report(s faultproxy.Stats) string {
	writes := 0
	var ops []string
	for _, name := range slices.Sorted(maps.Keys(s.ByOperation)) {
		n := s.ByOperation[name]
		ops = append(ops, fmt.Sprintf("%s=%d", name, n))
		_, op, _ := strings.Cut(name, ":")
		if !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") && !strings.HasPrefix(op, "Head") {
			writes += n
		}
	}
	return strings.TrimSpace(fmt.Sprintf("calls=%d writes=%d %s", s.Calls, writes, strings.Join(ops, " ")))
}
