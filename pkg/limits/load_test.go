package limits

import (
	"testing"
)

// TestCheckHandlerLoad: what the bundle lacks is an error naming the module
// and the file that imports it, with the fix for the runtime's package
// manager; what may belong to this machine or to the load's missing
// credentials is a warning; a skip or a load is no finding.
func TestCheckHandlerLoad(t *testing.T) {
	t.Parallel()
	failed := func(r HandlerLoad) HandlerLoad { r.Outcome = HandlerLoadFailed; return r }
	for _, tt := range []struct {
		name     string
		r        HandlerLoad
		layers   bool
		severity Severity // "" = no finding
		path     string
		message  string
		hint     string
		awsError string
	}{
		{
			name: "npm package", r: failed(HandlerLoad{Family: "nodejs", Kind: LoadMissingModule, Module: "@aws-lambda-powertools/logger/types", From: "src/app.js", File: "src/app.js"}),
			severity: SeverityError, path: "src/app.js",
			message:  "handler load: src/app.js imports '@aws-lambda-powertools/logger/types', which is not in the bundle; Lambda fails with Runtime.ImportModuleError",
			hint:     "add @aws-lambda-powertools/logger to dependencies in package.json (not devDependencies) and package again, or bundle it",
			awsError: "Runtime.ImportModuleError: Error: Cannot find module '@aws-lambda-powertools/logger/types'",
		},
		{
			name: "python package, with layers", layers: true,
			r:        failed(HandlerLoad{Family: "python", Kind: LoadMissingModule, Module: "requests", From: "app.py", Handler: "app.handler"}),
			severity: SeverityWarning, path: "app.py",
			message:  "handler load: app.py imports 'requests', which is not in the bundle; unless a layer provides it, Lambda fails with Runtime.ImportModuleError",
			hint:     "add the package that provides requests to requirements.txt (or the lock file) and package again; a local module must be in the bundle",
			awsError: "Runtime.ImportModuleError: Unable to import module 'app': No module named 'requests'",
		},
		{
			name: "relative file", r: failed(HandlerLoad{Family: "nodejs", Kind: LoadMissingModule, Module: "./lib/db", From: "index.js"}),
			severity: SeverityError, path: "index.js",
			message:  "handler load: index.js imports './lib/db', which is not in the bundle; Lambda fails with Runtime.ImportModuleError",
			hint:     "include the file in the bundle (package.include), or fix the import path",
			awsError: "Runtime.ImportModuleError: Error: Cannot find module './lib/db'",
		},
		{
			name: "python package", r: failed(HandlerLoad{Family: "python", Kind: LoadMissingModule, Module: "yaml.cyaml", From: "pkg/app.py", Handler: "pkg/app.handler"}),
			severity: SeverityError, path: "pkg/app.py",
			message:  "handler load: pkg/app.py imports 'yaml.cyaml', which is not in the bundle; Lambda fails with Runtime.ImportModuleError",
			hint:     "add the package that provides yaml to requirements.txt (or the lock file) and package again; a local module must be in the bundle",
			awsError: "Runtime.ImportModuleError: Unable to import module 'pkg/app': No module named 'yaml.cyaml'",
		},
		{
			name: "java class", r: failed(HandlerLoad{Family: "java", Kind: LoadMissingModule, Module: "com.example.Dep", Handler: "com.example.Handler::handleRequest"}),
			severity: SeverityError,
			message:  "handler load: com.example.Handler needs class com.example.Dep, which is not in the bundle or its lib/*.jar; Lambda fails to load the handler",
			hint:     "put the jar that holds it in lib/ of the bundle (a runtime dependency), or shade it into the jar",
			awsError: "java.lang.NoClassDefFoundError: com/example/Dep",
		},
		{
			name: "missing export", r: failed(HandlerLoad{Family: "nodejs", Kind: LoadMissingHandler, File: "app.mjs", Handler: "app.handler", Message: "app.mjs does not export handler"}),
			severity: SeverityError, path: "app.mjs",
			message:  "handler load: app.mjs loads, but app.mjs does not export handler",
			hint:     `export a function named as handler "app.handler" says, or fix handler`,
			awsError: "Runtime.HandlerNotFound",
		},
		{
			name: "threw at import", r: failed(HandlerLoad{Family: "python", Kind: LoadThrew, File: "app.py", Message: "'TABLE'"}),
			severity: SeverityWarning, path: "app.py",
			message: "handler load: app.py failed while loading, with no AWS credentials and none of the function's environment: 'TABLE'",
			hint:    "if it reads the function's environment or calls AWS at import time this is expected; otherwise Lambda's init fails the same way",
		},
		{
			name: "no result", r: failed(HandlerLoad{Family: "nodejs", Kind: LoadNoResult, Message: "the load did not finish in 30s", Output: "connecting\nstill waiting\n"}),
			severity: SeverityWarning,
			message:  "handler load: the load did not finish in 30s: still waiting",
			hint:     "run the load again with --verbose, or skip it with --no-load",
		},
		{name: "skipped", r: HandlerLoad{Outcome: HandlerLoadSkipped, Note: "handler load skipped: node is not on PATH"}},
		{name: "loaded", r: HandlerLoad{Outcome: HandlerLoaded}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := CheckHandlerLoad(tt.r, tt.layers)
			if tt.severity == "" {
				if len(fs) != 0 {
					t.Errorf("want no finding, got %+v", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("want one finding, got %+v", fs)
			}
			f := fs[0]
			if f.Check != "handlerLoad" || f.Field != "handler" || f.Severity != tt.severity || f.Path != tt.path ||
				f.Message != tt.message || f.Hint != tt.hint || f.AWSError != tt.awsError {
				t.Errorf("got  %+v\nwant severity %s path %q\n message %q\n hint %q\n awsError %q", f, tt.severity, tt.path, tt.message, tt.hint, tt.awsError)
			}
		})
	}
}
