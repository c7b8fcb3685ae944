package limits

import (
	"time"

	"github.com/lambcli/lamb/pkg/packager"
)

// Check runs every pre-flight check on one function and returns its
// findings, errors first and otherwise in a fixed order. m is the packaged
// bundle (nil checks the configuration only); layers are the measured
// layers (deploy.MeasureLayers measures them); now decides runtime
// deprecation. Every input is a value: Check reads no file and calls no
// service.
func Check(fn Function, m *packager.Manifest, layers []Layer, q Quotas, now time.Time) []Finding {
	var fs []Finding
	add := func(f ...Finding) { fs = append(fs, f...) }
	if !fn.Image {
		// A container image brings its own runtime and entry point.
		add(checkRuntime(fn.runtime(m), now)...)
	}
	add(checkArchitecture(fn.Architecture)...)
	add(checkFunctionName(fn.Name, q)...)
	add(checkHandlerSyntax(fn.handler(m), fn.runtime(m), q)...)
	add(checkRange("memory", int64(fn.Memory), fn.Explicit.Memory, q, QuotaMemoryMin, QuotaMemoryMax)...)
	add(checkRange("timeout", int64(fn.Timeout), fn.Explicit.Timeout, q, QuotaTimeoutMin, QuotaTimeoutMax)...)
	add(checkRange("ephemeralStorage", int64(fn.EphemeralStorage), fn.Explicit.EphemeralStorage, q, QuotaEphemeralStorageMin, QuotaEphemeralStorageMax)...)
	add(checkDescription(fn.Description, q)...)
	add(checkAlias(fn.Alias, q)...)
	add(checkLayerRefs(fn.Layers, q)...)
	add(checkLayerCompat(fn.runtime(m), fn.architecture(m), layers)...)
	add(checkVPC(fn.SecurityGroupIDs, fn.SubnetIDs, q)...)
	add(checkTags(fn.Tags, q)...)
	add(CheckEnvironment(fn.Environment, q)...)
	if m != nil {
		add(checkZipped(m.ZippedBytes, fn.S3Bucket, q)...)
		add(checkUnzipped(m, layers, q)...)
		add(checkEntries(m, q)...)
		add(checkHandlerTarget(fn.handler(m), fn.runtime(m), m, fn.HandlerJar, len(fn.Layers) > 0)...)
		add(checkNativeBinaries(m.NativeBinaries, fn.architecture(m), fn.runtime(m), fn.Package)...)
		add(checkSkippedScripts(m.SkippedInstallScripts)...)
		add(checkPermissionFixes(m.PermissionFixes)...)
		add(checkBackslashNames(m.BackslashNames)...)
	}
	sortFindings(fs)
	if fs == nil {
		fs = []Finding{}
	}
	return fs
}

// CheckFunction runs Check and wraps the findings with the sizes measured,
// ready for NewReport.
func CheckFunction(fn Function, m *packager.Manifest, layers []Layer, q Quotas, now time.Time) FunctionReport {
	fr := FunctionReport{
		Function:     fn.Key,
		Name:         fn.Name,
		Runtime:      fn.Runtime,
		Architecture: fn.Architecture,
		Findings:     Check(fn, m, layers, q, now),
	}
	if m != nil {
		fr.ZippedBytes, fr.UnzippedBytes = m.ZippedBytes, m.UnzippedBytes
		if fr.Runtime == "" {
			fr.Runtime = m.Runtime
		}
		if fr.Architecture == "" {
			fr.Architecture = m.Architecture
		}
	}
	for _, l := range layers {
		fr.LayersUnzippedBytes += l.UnzippedBytes
	}
	return fr
}
