package limits

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OS names a runtime's Amazon Linux base, which fixes the glibc it provides.
const (
	OSAL2023 = "al2023"
	OSAL2    = "al2"
	OSAMZN1  = "amzn1"
)

// glibcByOS is the glibc version each base provides: a native library built
// against a newer one fails to load with "GLIBC_2.xx not found".
var glibcByOS = map[string]string{OSAL2023: "2.34", OSAL2: "2.26", OSAMZN1: "2.17"}

// Runtime is one Lambda runtime identifier with its lifecycle. Zero dates
// are unknown: past a deprecation date lamb warns; past a create-block date
// it fails, because AWS refuses new functions; without a block date it only
// warns, so a guess never stops a deploy.
//
// JSON fields: name, family, os, glibc, and deprecated, blockCreate,
// blockUpdate as "YYYY-MM-DD" (absent when unknown), successor.
type Runtime struct {
	Name string `json:"name"`
	// Family is "nodejs", "python", "java", "dotnet", "ruby", "go" or "provided".
	Family string `json:"family"`
	// OS is the Amazon Linux base: "al2023", "al2" or "amzn1".
	OS string `json:"os"`
	// Glibc is the glibc version the base provides.
	Glibc       string    `json:"glibc"`
	Deprecated  time.Time `json:"-"`
	BlockCreate time.Time `json:"-"`
	BlockUpdate time.Time `json:"-"`
	// Successor is the runtime to move to.
	Successor string `json:"successor,omitempty"`
}

// MarshalJSON writes the lifecycle dates as plain dates (UTC days).
func (r Runtime) MarshalJSON() ([]byte, error) {
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	return json.Marshal(struct {
		Name        string `json:"name"`
		Family      string `json:"family"`
		OS          string `json:"os"`
		Glibc       string `json:"glibc"`
		Deprecated  string `json:"deprecated,omitempty"`
		BlockCreate string `json:"blockCreate,omitempty"`
		BlockUpdate string `json:"blockUpdate,omitempty"`
		Successor   string `json:"successor,omitempty"`
	}{r.Name, r.Family, r.OS, r.Glibc, date(r.Deprecated), date(r.BlockCreate), date(r.BlockUpdate), r.Successor})
}

func day(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic("limits: bad date in runtime table: " + s)
	}
	return t
}

// Runtimes returns the runtime table, sorted by name. Dates of current
// runtimes come from LAMBDA-FACTS (mid-2026); older runtimes carry AWS's
// published create/update block dates, long past.
func Runtimes() []Runtime {
	rt := func(name, family, os, dep, create, update, successor string) Runtime {
		return Runtime{Name: name, Family: family, OS: os, Glibc: glibcByOS[os],
			Deprecated: day(dep), BlockCreate: day(create), BlockUpdate: day(update), Successor: successor}
	}
	list := []Runtime{
		// Supported (mid-2026), and identifiers the API model already lists.
		rt("nodejs26.x", "nodejs", OSAL2023, "", "", "", ""),
		rt("nodejs24.x", "nodejs", OSAL2023, "", "", "", ""),
		rt("nodejs22.x", "nodejs", OSAL2023, "", "", "", ""),
		rt("python3.15", "python", OSAL2023, "", "", "", ""),
		rt("python3.14", "python", OSAL2023, "", "", "", ""),
		rt("python3.13", "python", OSAL2023, "", "", "", ""),
		rt("python3.12", "python", OSAL2023, "", "", "", ""),
		rt("python3.11", "python", OSAL2, "", "", "", ""),
		rt("java25", "java", OSAL2023, "", "", "", ""),
		rt("java21", "java", OSAL2023, "", "", "", ""),
		rt("java17", "java", OSAL2, "", "", "", ""),
		rt("java17.al2023", "java", OSAL2023, "", "", "", ""),
		rt("java11.al2023", "java", OSAL2023, "", "", "", ""),
		rt("java8.al2023", "java", OSAL2023, "", "", "", ""),
		rt("dotnet10", "dotnet", OSAL2023, "", "", "", ""),
		rt("ruby4.0", "ruby", OSAL2023, "", "", "", ""),
		rt("ruby3.4", "ruby", OSAL2023, "", "", "", ""),
		rt("ruby3.3", "ruby", OSAL2023, "", "", "", ""),
		rt("provided.al2023", "provided", OSAL2023, "", "", "", ""),
		// Deprecated, create-block date not known to lamb: warn only.
		rt("nodejs20.x", "nodejs", OSAL2023, "2026-04-30", "", "", "nodejs24.x"),
		rt("nodejs18.x", "nodejs", OSAL2, "2025-09-01", "", "", "nodejs24.x"),
		rt("python3.10", "python", OSAL2, "2026-10-31", "", "", "python3.14"),
		rt("python3.9", "python", OSAL2, "2025-12-15", "", "", "python3.14"),
		rt("dotnet8", "dotnet", OSAL2023, "2026-11-10", "", "", "dotnet10"),
		rt("ruby3.2", "ruby", OSAL2, "2026-03-31", "", "", "ruby3.4"),
		rt("provided.al2", "provided", OSAL2, "2026-07-31", "", "", "provided.al2023"),
		rt("java11", "java", OSAL2, "", "", "", ""),
		rt("java8.al2", "java", OSAL2, "", "", "", ""),
		// Retired: AWS blocks creating (and updating) functions on these.
		rt("go1.x", "go", OSAMZN1, "2024-01-08", "2024-02-08", "2025-02-28", "provided.al2023"),
		rt("provided", "provided", OSAMZN1, "2024-01-08", "2024-02-08", "2025-02-28", "provided.al2023"),
		rt("java8", "java", OSAMZN1, "2024-01-08", "2024-02-08", "2025-02-28", "java21"),
		rt("nodejs16.x", "nodejs", OSAL2, "2024-06-12", "2025-02-28", "2025-03-31", "nodejs24.x"),
		rt("nodejs14.x", "nodejs", OSAL2, "2023-12-04", "2024-07-09", "2025-02-28", "nodejs24.x"),
		rt("nodejs12.x", "nodejs", OSAL2, "2023-03-31", "2023-03-31", "2023-04-30", "nodejs24.x"),
		rt("nodejs10.x", "nodejs", OSAL2, "2021-07-30", "2021-07-30", "2022-02-14", "nodejs24.x"),
		rt("nodejs8.10", "nodejs", OSAMZN1, "2020-03-06", "2020-03-06", "2020-03-06", "nodejs24.x"),
		rt("nodejs6.10", "nodejs", OSAMZN1, "2019-08-12", "2019-08-12", "2019-08-12", "nodejs24.x"),
		rt("nodejs4.3", "nodejs", OSAMZN1, "2020-03-05", "2020-03-05", "2020-03-05", "nodejs24.x"),
		rt("nodejs4.3-edge", "nodejs", OSAMZN1, "2019-04-30", "2019-04-30", "2019-04-30", "nodejs24.x"),
		rt("nodejs", "nodejs", OSAMZN1, "2016-10-31", "2016-10-31", "2016-10-31", "nodejs24.x"),
		rt("python3.8", "python", OSAL2, "2024-10-14", "2025-02-28", "2025-03-31", "python3.14"),
		rt("python3.7", "python", OSAMZN1, "2023-12-04", "2024-01-09", "2025-02-28", "python3.14"),
		rt("python3.6", "python", OSAMZN1, "2022-07-18", "2022-07-18", "2022-08-29", "python3.14"),
		rt("python2.7", "python", OSAMZN1, "2021-07-15", "2021-07-15", "2022-05-30", "python3.14"),
		rt("dotnet6", "dotnet", OSAL2, "2024-11-12", "2025-02-28", "2025-05-31", "dotnet10"),
		rt("dotnet7", "dotnet", OSAL2, "2024-05-14", "2024-05-14", "2024-05-14", "dotnet10"),
		rt("dotnetcore3.1", "dotnet", OSAL2, "2023-04-03", "2023-04-03", "2023-05-03", "dotnet10"),
		rt("dotnetcore2.1", "dotnet", OSAMZN1, "2022-01-05", "2022-01-05", "2022-04-13", "dotnet10"),
		rt("dotnetcore2.0", "dotnet", OSAMZN1, "2019-05-30", "2019-05-30", "2019-05-30", "dotnet10"),
		rt("dotnetcore1.0", "dotnet", OSAMZN1, "2019-06-27", "2019-07-30", "2019-07-30", "dotnet10"),
		rt("ruby2.7", "ruby", OSAL2, "2023-12-07", "2024-01-09", "2025-02-28", "ruby3.4"),
		rt("ruby2.5", "ruby", OSAMZN1, "2021-07-30", "2021-07-30", "2022-03-31", "ruby3.4"),
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// LookupRuntime finds a runtime by its exact, case-sensitive identifier.
func LookupRuntime(name string) (Runtime, bool) {
	for _, r := range Runtimes() {
		if r.Name == name {
			return r, true
		}
	}
	return Runtime{}, false
}

// SupportedRuntimes lists the identifiers not deprecated at now, for hints
// (here and in lamb validate).
func SupportedRuntimes(now time.Time) []string {
	var out []string
	for _, r := range Runtimes() {
		if r.Deprecated.IsZero() || now.Before(r.Deprecated) {
			if r.BlockCreate.IsZero() || now.Before(r.BlockCreate) {
				out = append(out, r.Name)
			}
		}
	}
	return out
}

// versionNewer reports whether glibc version a (e.g. "2.34" or "GLIBC_2.34")
// is newer than b.
func versionNewer(a, b string) bool {
	pa, pb := parseVersion(a), parseVersion(b)
	if pa == nil || pb == nil {
		return false
	}
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			return x > y
		}
	}
	return false
}

func parseVersion(s string) []int {
	s = strings.TrimPrefix(s, "GLIBC_")
	var v []int
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}
