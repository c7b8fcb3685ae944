// Package units formats quantities for people, the same way in every
// command's output and every check's message.
package units

import "fmt"

// Bytes formats a byte count in binary units ("812 B", "4.1 KiB",
// "48.2 MiB"), the units Lambda's "50 MB" and "250 MB" limits are in.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// ByteCount writes an exact count of bytes: "1 byte", "4097 bytes". Limits
// and AWS's errors use exact counts, so messages give this beside Bytes.
func ByteCount(n int64) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d byte", n)
	}
	return fmt.Sprintf("%d bytes", n)
}
