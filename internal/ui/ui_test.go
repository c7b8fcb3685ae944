package ui

import (
	"fmt"
	"testing"
)

func TestBytes(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 52428800: "50.0 MiB", 262144000: "250.0 MiB", 1 << 30: "1.0 GiB",
	} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestColorPerStream paints each stream by its own terminal-ness: with
// stderr on a terminal and stdout piped, only stderr takes colour.
func TestColorPerStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                    string
		outTTY, errTTY, noColor bool
		wantOut, wantErr        bool
	}{
		{name: "both terminals", outTTY: true, errTTY: true, wantOut: true, wantErr: true},
		{name: "neither"},
		{name: "stderr terminal, stdout piped", errTTY: true, wantErr: true},
		{name: "stdout terminal, stderr piped", outTTY: true, wantOut: true},
		{name: "no-color on terminals", outTTY: true, errTTY: true, noColor: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := Test()
			s.SetStdoutTTY(tt.outTTY)
			s.SetStderrTTY(tt.errTTY)
			s.NoColor = tt.noColor
			if got := s.OutPainter().Red("x") != "x"; got != tt.wantOut || s.ColorOut() != tt.wantOut {
				t.Errorf("stdout painted %v, ColorOut %v; want %v", got, s.ColorOut(), tt.wantOut)
			}
			if got := s.ErrPainter().Bold("x") != "x"; got != tt.wantErr || s.ColorErr() != tt.wantErr {
				t.Errorf("stderr painted %v, ColorErr %v; want %v", got, s.ColorErr(), tt.wantErr)
			}
		})
	}
}

// TestSystemColorEnvironment turns colour off on both streams for NO_COLOR
// (when not empty) and CI.
func TestSystemColorEnvironment(t *testing.T) {
	tests := []struct {
		env         map[string]string
		wantNoColor bool
	}{
		{map[string]string{"NO_COLOR": "", "CI": ""}, false},
		{map[string]string{"NO_COLOR": "1", "CI": ""}, true},
		{map[string]string{"NO_COLOR": "", "CI": "true"}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.env), func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if got := System().NoColor; got != tt.wantNoColor {
				t.Errorf("NoColor = %v, want %v", got, tt.wantNoColor)
			}
		})
	}
}
