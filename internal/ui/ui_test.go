package ui

import "testing"

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 52428800: "50.0 MiB", 262144000: "250.0 MiB", 1 << 30: "1.0 GiB",
	} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestColorOnlyWhenEnabled(t *testing.T) {
	plain, _, _ := Test(false)
	if got := plain.Red("x"); got != "x" {
		t.Errorf("no-colour stream painted %q", got)
	}
	tty, _, _ := Test(true)
	if got := tty.Red("x"); got == "x" {
		t.Error("terminal stream did not paint")
	}
}
