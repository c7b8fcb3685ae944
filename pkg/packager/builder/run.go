package builder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// command is one tool invocation: the program, its arguments, the folder it
// runs in and the variables added to the user's environment.
type command struct {
	Dir  string
	Env  []string // added to (and overriding) os.Environ()
	Name string
	Args []string
	Log  io.Writer // receives the output as it comes; may be nil
	// Stdout, when set, receives the standard output alone (a tool that
	// prints its result, like pipenv requirements); the returned output
	// is then the standard error.
	Stdout io.Writer
}

func (c command) String() string {
	return strings.Join(append([]string{c.Name}, c.Args...), " ")
}

// runner runs a command and returns its combined output. Tests wrap the real
// one to count invocations.
type runner func(ctx context.Context, c command) ([]byte, error)

// execRunner runs c as a child process. Cancelling ctx stops the whole
// process group, so a tool's own children do not outlive lamb.
func execRunner(ctx context.Context, c command) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	var out bytes.Buffer
	if c.Log != nil {
		// Say what runs, so --verbose shows each tool invocation.
		_, _ = fmt.Fprintf(c.Log, "$ %s  (in %s)\n", c, c.Dir)
		cmd.Stdout = io.MultiWriter(&out, c.Log)
	} else {
		cmd.Stdout = &out
	}
	cmd.Stderr = cmd.Stdout
	if c.Stdout != nil {
		cmd.Stdout = c.Stdout
	}
	setProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil && ctx.Err() != nil {
		return out.Bytes(), fmt.Errorf("%s: %w", c.Name, ctx.Err())
	}
	return out.Bytes(), err
}

// runBuildCommand runs package.build with sh -c in the source folder.
func (b *builder) runBuildCommand(ctx context.Context, spec Spec) error {
	spec.progress("running package.build")
	out, err := b.run(ctx, command{Dir: spec.Source, Name: "sh", Args: []string{"-c", spec.Build}, Log: spec.Log})
	if err != nil {
		return fmt.Errorf("run package.build %q in %s: %s%s", spec.Build, spec.Source, exitStatus(err), outputTail(out))
	}
	return nil
}

// exitStatus words a command's failure: "exit status 2", or the error that
// kept it from running.
func exitStatus(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ProcessState.String()
	}
	return err.Error()
}

const tailLines = 50

// outputTail is the last lines of a tool's output, indented under the error
// line, or "" when the tool printed nothing.
func outputTail(out []byte) string {
	s := strings.TrimRight(string(out), "\n\r\t ")
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	var b strings.Builder
	if len(lines) > tailLines {
		fmt.Fprintf(&b, "\n    (first %d lines left out)", len(lines)-tailLines)
		lines = lines[len(lines)-tailLines:]
	}
	for _, l := range lines {
		b.WriteString("\n    ")
		b.WriteString(strings.TrimRight(l, "\r"))
	}
	return b.String()
}
