package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/joho/godotenv"

	"github.com/lambcli/lamb/internal/safefile"
)

// MaxDotenvSize bounds a dotenv file. Lambda takes 4 KB of environment in
// all, so a bigger file is a mistake (or /dev/zero behind a link).
const MaxDotenvSize = 1 << 20

// readDotenv reads and parses the dotenv file at path, named name in
// lamb.yaml. The file must be a regular file inside root. Errors name the
// file, the line and the variable, never a value: godotenv's own parse
// errors quote the rest of the file, so they are never passed on.
func readDotenv(ctx context.Context, root, path, name string) (map[string]string, error) {
	var (
		data []byte
		err  error
		nr   *safefile.NotRegularError
		tl   *safefile.TooLargeError
		or   *safefile.OutsideRootError
	)
	rel, rerr := filepath.Rel(root, path)
	if rerr != nil || !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("read dotenv file %s: %s is outside the project folder %s; keep dotenv files inside the project", name, path, root)
	}
	data, err = safefile.ReadFileIn(ctx, root, rel, MaxDotenvSize)
	switch {
	case err == nil:
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, err
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("dotenv file %s does not exist in %s: create it or remove it from the list", name, filepath.Dir(path))
	case errors.As(err, &nr):
		return nil, fmt.Errorf("read dotenv file %s: %w; point environment.files at a regular file", name, err)
	case errors.As(err, &tl):
		return nil, fmt.Errorf("read dotenv file %s: %w; keep only environment variables in it (Lambda takes 4 KB in all)", name, err)
	case errors.As(err, &or):
		return nil, fmt.Errorf("read dotenv file %s: %w; keep dotenv files inside the project", name, err)
	default:
		return nil, fmt.Errorf("read dotenv file %s: %w", name, err)
	}
	vars, err := godotenv.UnmarshalBytes(data)
	if err != nil {
		line, msg := locateDotenvError(data)
		if line == 0 {
			return nil, fmt.Errorf("parse dotenv file %s: %s", name, msg)
		}
		return nil, fmt.Errorf("parse dotenv file %s line %d: %s", name, line, msg)
	}
	return vars, nil
}

// maxShownName is the longest variable name an error repeats; anything
// longer is unlikely to be meant as a name.
const maxShownName = 64

// locateDotenvError walks data statement by statement the way godotenv
// reads it and says where and why godotenv stops, in words that hold no
// value. line is 0 when no fault is found.
func locateDotenvError(data []byte) (line int, msg string) {
	src := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	pos := 0
	lineAt := func(p int) int { return bytes.Count(src[:p], []byte("\n")) + 1 }
	for {
		pos = statementStart(src, pos)
		if pos < 0 {
			return 0, "invalid dotenv syntax: check the quotes and that every line reads NAME=value"
		}
		start := pos
		if rest, ok := bytes.CutPrefix(src[pos:], []byte("export")); ok && startsBlank(rest) {
			pos = len(src) - len(bytes.TrimLeftFunc(rest, isBlank))
		}
		nameStart := pos
		if nameStart == len(src) {
			return lineAt(start), "expected NAME=value after export"
		}
		sep := -1
		for i := pos; i < len(src) && sep < 0; i++ {
			c := src[i]
			switch r := rune(c); {
			case isBlank(r), c == '_', unicode.IsLetter(r), unicode.IsNumber(r), c == '.':
			case c == '=' || c == ':':
				sep = i
			default:
				return lineAt(start), badName(src, nameStart, i)
			}
		}
		if sep < 0 {
			return 0, "invalid dotenv syntax: check the quotes and that every line reads NAME=value"
		}
		key := strings.TrimRightFunc(string(src[nameStart:sep]), unicode.IsSpace)
		pos = len(src) - len(bytes.TrimLeftFunc(src[sep+1:], isBlank))
		if pos == len(src) {
			return 0, "invalid dotenv syntax: check the quotes and that every line reads NAME=value"
		}
		if q := src[pos]; q == '"' || q == '\'' {
			end := closingQuote(src, pos)
			if end < 0 {
				return lineAt(start), fmt.Sprintf("the value of %s has no closing %c: add it", key, q)
			}
			pos = end + 1
			continue
		}
		if eol := bytes.IndexAny(src[pos:], "\n\r"); eol >= 0 {
			pos += eol
		} else {
			pos = len(src)
		}
	}
}

// statementStart skips blank space and comment lines from pos; -1 means
// the end of the file.
func statementStart(src []byte, pos int) int {
	for {
		i := bytes.IndexFunc(src[pos:], func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			return -1
		}
		pos += i
		if src[pos] != '#' {
			return pos
		}
		nl := bytes.IndexByte(src[pos:], '\n')
		if nl < 0 {
			return -1
		}
		pos += nl
	}
}

// closingQuote returns the index of the quote ending the value opened at
// open, skipping quotes escaped with a backslash; -1 when there is none.
func closingQuote(src []byte, open int) int {
	for i := open + 1; i < len(src); i++ {
		if src[i] == src[open] && src[i-1] != '\\' {
			return i
		}
	}
	return -1
}

// badName explains a name that holds a character godotenv refuses at bad.
// The name is shown only when its line has an = after it: a line without
// one may be a pasted secret, so nothing of it is repeated.
func badName(src []byte, nameStart, bad int) string {
	lineEnd := bytes.IndexByte(src[nameStart:], '\n')
	if lineEnd < 0 {
		lineEnd = len(src) - nameStart
	}
	text := src[nameStart : nameStart+lineEnd]
	eq := bytes.IndexByte(text, '=')
	// "user-name:password" is no name either.
	if eq < 0 || bytes.IndexByte(text[:eq], ':') >= 0 {
		return "expected NAME=value, found no = (the line is not shown, as it may hold a secret)"
	}
	name := strings.TrimSpace(string(text[:eq]))
	if len(name) > maxShownName {
		return "the variable name has a character other than letters, digits and _: rename it"
	}
	for bad > nameStart && !utf8.RuneStart(src[bad]) {
		bad--
	}
	r, _ := utf8.DecodeRune(src[bad:])
	return fmt.Sprintf("variable name %q has the character %q: use only letters, digits and _", name, r)
}

func startsBlank(b []byte) bool {
	r, _ := utf8.DecodeRune(b)
	return len(b) > 0 && isBlank(r)
}

// isBlank is godotenv's notion of space: white space other than a newline.
func isBlank(r rune) bool {
	switch r {
	case '\t', '\v', '\f', '\r', ' ', 0x85, 0xA0:
		return true
	}
	return false
}
