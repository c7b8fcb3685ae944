package limits

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// RetentionDays are the retentions CloudWatch Logs' PutRetentionPolicy
// takes, in days; any other value is refused.
var RetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// CheckLogRetention checks logs.retentionDays (nil: unset) against
// CloudWatch Logs' list, naming the allowed values nearest a wrong one.
func CheckLogRetention(days *int) []Finding {
	if days == nil || slices.Contains(RetentionDays, *days) {
		return nil
	}
	v := *days
	i, _ := slices.BinarySearch(RetentionDays, v)
	var near []string
	if i > 0 {
		near = append(near, strconv.Itoa(RetentionDays[i-1]))
	}
	if i < len(RetentionDays) {
		near = append(near, strconv.Itoa(RetentionDays[i]))
	}
	return []Finding{{
		Check: "logs", Severity: SeverityError, Field: "logs.retentionDays",
		Message:  fmt.Sprintf("logs.retentionDays: %d is not a retention CloudWatch Logs offers", v),
		Hint:     fmt.Sprintf("set it to %s (the nearest allowed); leave it out to keep the log group's retention as it is", strings.Join(near, " or ")),
		Measured: num(int64(v)), Unit: "days",
	}}
}
