package limits

import (
	"fmt"

	"github.com/lambcli/lamb/internal/units"
	"github.com/lambcli/lamb/pkg/packager"
)

// Size messages give exact byte counts, as AWS's errors do, with the
// binary-unit size beside them for readers.

func checkZipped(zipped int64, bucket string, q Quotas) []Finding {
	limit := q.Value(QuotaZippedSize)
	if zipped < limit {
		return nil
	}
	if bucket == "" {
		return []Finding{{
			Check: "zippedSize", Severity: SeverityError, Field: "deploy.s3.bucket",
			Message: fmt.Sprintf("zipped size: %s (%s) is not below Lambda's direct-upload limit of %s (%s)",
				units.ByteCount(zipped), units.Bytes(zipped), units.ByteCount(limit), units.Bytes(limit)),
			Hint:     "set deploy.s3.bucket so lamb uploads the zip through S3, or make the bundle smaller",
			Measured: num(zipped), Limit: num(limit), Unit: "bytes",
			AWSError: fmt.Sprintf("Zipped size must be smaller than %d bytes", limit),
		}}
	}
	return []Finding{{
		Check: "zippedSize", Severity: SeverityInfo, Field: "deploy.s3.bucket",
		Message: fmt.Sprintf("zipped size: %s (%s) is not below Lambda's direct-upload limit of %s; lamb will upload it via s3://%s",
			units.ByteCount(zipped), units.Bytes(zipped), units.ByteCount(limit), bucket),
		Measured: num(zipped), Limit: num(limit), Unit: "bytes",
	}}
}

func checkUnzipped(m *packager.Manifest, layers []Layer, q Quotas) []Finding {
	limit := q.Value(QuotaUnzippedSize)
	var layerSum int64
	for _, l := range layers {
		layerSum += l.UnzippedBytes
	}
	total := m.UnzippedBytes + layerSum
	if total < limit {
		return nil
	}
	f := Finding{
		Check: "unzippedSize", Severity: SeverityError, Field: "package",
		Measured: num(total), Limit: num(limit), Unit: "bytes",
	}
	over := total - limit + 1
	switch {
	case len(layers) == 0:
		f.Message = fmt.Sprintf("unzipped size: %s (%s) is not below Lambda's limit of %s (%s)",
			units.ByteCount(total), units.Bytes(total), units.ByteCount(limit), units.Bytes(limit))
		f.AWSError = fmt.Sprintf("Unzipped size must be smaller than %d bytes", limit)
	case layerSum >= limit:
		f.Field = "layers"
		f.Message = fmt.Sprintf("unzipped size: the layers alone take %s (%s), not below Lambda's limit of %s for function and layers together",
			units.ByteCount(layerSum), units.Bytes(layerSum), units.ByteCount(limit))
		f.AWSError = fmt.Sprintf("Layers consume more than the available size of %d bytes", limit)
	default:
		f.Message = fmt.Sprintf("unzipped size: function %s + layers %s = %s (%s) is not below Lambda's limit of %s (%s)",
			units.ByteCount(m.UnzippedBytes), units.ByteCount(layerSum), units.ByteCount(total), units.Bytes(total), units.ByteCount(limit), units.Bytes(limit))
		f.AWSError = fmt.Sprintf("Function code combined with layers exceeds the maximum allowed size of %d bytes. The actual size is %d bytes.", limit, total)
	}
	if f.Field == "layers" {
		f.Hint = "use fewer or smaller layers"
	} else {
		f.Hint = fmt.Sprintf("shrink the bundle by at least %s (%s): exclude what is not needed at run time (package.exclude), starting with the largest folders below, or deploy a container image (up to 10 GB)",
			units.ByteCount(over), units.Bytes(over))
	}
	share := func(n int64) float64 {
		if total == 0 {
			return 0
		}
		return float64(n) / float64(total)
	}
	if len(layers) > 0 {
		f.Details = append(f.Details, Detail{Kind: "function", Name: m.Function, Bytes: m.UnzippedBytes, Share: share(m.UnzippedBytes)})
		for _, l := range layers {
			f.Details = append(f.Details, Detail{Kind: "layer", Name: l.Ref, Bytes: l.UnzippedBytes, Share: share(l.UnzippedBytes)})
		}
	}
	for _, p := range firstPaths(m.LargestFolders, 10) {
		f.Details = append(f.Details, Detail{Kind: "folder", Name: p.Path, Bytes: p.Bytes})
	}
	for _, p := range firstPaths(m.LargestFiles, 10) {
		f.Details = append(f.Details, Detail{Kind: "file", Name: p.Path, Bytes: p.Bytes})
	}
	return []Finding{f}
}

func firstPaths(ps []packager.PathSize, n int) []packager.PathSize {
	if len(ps) > n {
		return ps[:n]
	}
	return ps
}

// checkEntries fails a zip that needs zip64 for its entry count: Lambda is
// not known to accept zip64 archives, and a deploy that AWS refuses or
// unpacks wrongly is worse than excluding files. archive/zip, like most
// writers, switches to zip64 from 65,535 entries on.
func checkEntries(m *packager.Manifest, q Quotas) []Finding {
	n := int64(m.FileCount)
	if m.Files != nil {
		n = max(n, int64(len(m.Files)))
	}
	limit := q.Value(QuotaZipEntries)
	if n < limit {
		return nil
	}
	return []Finding{{
		Check: "zipEntries", Severity: SeverityError, Field: "package",
		Message:  fmt.Sprintf("zip entries: %d entries (files and folders) is not below %d, so the zip needs zip64, which Lambda is not known to accept", n, limit),
		Hint:     "exclude files not needed at run time (package.exclude or .lambignore), or bundle the code (esbuild, webpack) into fewer files",
		Measured: num(n), Limit: num(limit), Unit: "entries",
	}}
}
