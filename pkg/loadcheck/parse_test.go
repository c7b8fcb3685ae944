package loadcheck

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/lambcli/lamb/pkg/limits"
)

// TestParseReport reads what each loader writes for the failures runtimes
// really report, and names the missing module and who imported it.
func TestParseReport(t *testing.T) {
	t.Parallel()
	root := filepath.FromSlash("/tmp/lamb-load-1/task")
	abs := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	for _, tt := range []struct {
		name   string
		family Family
		rep    report
		want   limits.HandlerLoad
	}{
		{
			name: "node require of a missing package", family: Node,
			rep: report{Status: "failed", File: "src/app.js", Error: "Error", Code: "MODULE_NOT_FOUND",
				Message: "Cannot find module 'express'\nRequire stack:\n- " + abs("src/app.js") + "\n- /tmp/lamb-load-1/loader/load.cjs"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadMissingModule, Module: "express", From: "src/app.js", File: "src/app.js",
				Message: "Cannot find module 'express'"},
		},
		{
			name: "node require inside a dependency", family: Node,
			rep: report{Status: "failed", File: "index.js", Error: "Error", Code: "MODULE_NOT_FOUND",
				Message: "Cannot find module 'debug'\nRequire stack:\n- " + abs("node_modules/express/lib/router.js") + "\n- " + abs("index.js")},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadMissingModule, Module: "debug", From: "node_modules/express/lib/router.js", File: "index.js",
				Message: "Cannot find module 'debug'"},
		},
		{
			name: "node ES module import of a missing package", family: Node,
			rep: report{Status: "failed", File: "app.mjs", Error: "Error", Code: "ERR_MODULE_NOT_FOUND",
				Message: "Cannot find package 'left-pad' imported from " + abs("lib/pad.mjs")},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadMissingModule, Module: "left-pad", From: "lib/pad.mjs", File: "app.mjs",
				Message: "Cannot find package 'left-pad' imported from lib/pad.mjs"},
		},
		{
			name: "node ES module import of a missing file", family: Node,
			rep: report{Status: "failed", File: "app.mjs", Error: "Error", Code: "ERR_MODULE_NOT_FOUND",
				Message: "Cannot find module '" + abs("lib/db.mjs") + "' imported from " + abs("app.mjs")},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadMissingModule, Module: "lib/db.mjs", From: "app.mjs", File: "app.mjs",
				Message: "Cannot find module 'lib/db.mjs' imported from app.mjs"},
		},
		{
			name: "node native addon for another machine", family: Node,
			rep: report{Status: "failed", File: "app.js", Error: "Error", Code: "ERR_DLOPEN_FAILED",
				Message: abs("node_modules/x/x.node") + ": invalid ELF header"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadNative, File: "app.js", Message: "node_modules/x/x.node: invalid ELF header"},
		},
		{
			name: "node syntax error", family: Node,
			rep:  report{Status: "failed", File: "app.js", Error: "SyntaxError", Message: "Unexpected token '}'"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadInvalid, File: "app.js", Message: "Unexpected token '}'"},
		},
		{
			name: "node named export of a stubbed runtime module", family: Node,
			rep: report{Status: "failed", File: "app.mjs", Error: "SyntaxError", Stubbed: []string{"@aws-sdk/client-s3"},
				Message: "The requested module '@aws-sdk/client-s3' does not provide an export named 'S3'"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadThrew, File: "app.mjs", Stubbed: []string{"@aws-sdk/client-s3"},
				Message: "The requested module '@aws-sdk/client-s3' does not provide an export named 'S3'"},
		},
		{
			name: "node named export a bundled module lacks", family: Node,
			rep: report{Status: "failed", File: "app.mjs", Error: "SyntaxError",
				Message: "The requested module './lib.mjs' does not provide an export named 'x'"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadInvalid, File: "app.mjs",
				Message: "The requested module './lib.mjs' does not provide an export named 'x'"},
		},
		{
			name: "node module that throws at import", family: Node,
			rep:  report{Status: "failed", File: "app.js", Error: "Error", Message: "TABLE is not set"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadThrew, File: "app.js", Message: "TABLE is not set"},
		},
		{
			name: "handler missing, classified by the loader", family: Node,
			rep:  report{Status: "failed", Kind: "missingHandler", File: "app.mjs", Message: "app.mjs does not export handler"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadMissingHandler, File: "app.mjs", Message: "app.mjs does not export handler"},
		},
		{
			name: "python missing module", family: Python,
			rep: report{Status: "failed", File: "pkg/db.py", Error: "ModuleNotFoundError", Name: "psycopg2",
				Message: "No module named 'psycopg2'"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadMissingModule, Module: "psycopg2", From: "pkg/db.py", Message: "No module named 'psycopg2'"},
		},
		{
			name: "python missing module, name from the message", family: Python,
			rep:  report{Status: "failed", Error: "ModuleNotFoundError", Message: "No module named 'yaml.cyaml'"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadMissingModule, Module: "yaml.cyaml", Message: "No module named 'yaml.cyaml'"},
		},
		{
			name: "python extension for another glibc", family: Python,
			rep: report{Status: "failed", File: "app.py", Error: "ImportError",
				Message: "/lib64/libc.so.6: version `GLIBC_2.38' not found"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadNative, From: "app.py", Message: "/lib64/libc.so.6: version `GLIBC_2.38' not found"},
		},
		{
			name: "python name a module lacks", family: Python,
			rep: report{Status: "failed", File: "app.py", Error: "ImportError",
				Message: "cannot import name 'x' from 'lib' (" + abs("lib/__init__.py") + ")"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadInvalid, From: "app.py", Message: "cannot import name 'x' from 'lib' (lib/__init__.py)"},
		},
		{
			name: "python syntax error", family: Python,
			rep:  report{Status: "failed", File: "app.py", Error: "SyntaxError", Message: "invalid syntax (app.py, line 3)"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadInvalid, File: "app.py", Message: "invalid syntax (app.py, line 3)"},
		},
		{
			name: "python exception at import", family: Python,
			rep:  report{Status: "failed", File: "app.py", Error: "KeyError", Message: "'TABLE'"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadThrew, File: "app.py", Message: "'TABLE'"},
		},
		{
			name: "java class a dependency jar would hold", family: Java,
			rep: report{Status: "failed", Error: "java.lang.NoClassDefFoundError", Message: "com/fasterxml/jackson/databind/ObjectMapper"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadMissingModule, Module: "com.fasterxml.jackson.databind.ObjectMapper",
				Message: "com/fasterxml/jackson/databind/ObjectMapper"},
		},
		{
			name: "java handler class", family: Java,
			rep:  report{Status: "failed", Error: "java.lang.ClassNotFoundException", Message: "com.example.Handler"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadMissingModule, Module: "com.example.Handler", Message: "com.example.Handler"},
		},
		{
			name: "java class the runtime provides", family: Java,
			rep: report{Status: "failed", Error: "java.lang.NoClassDefFoundError", Message: "com/amazonaws/services/lambda/runtime/RequestHandler"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadSkipped, Message: "com/amazonaws/services/lambda/runtime/RequestHandler",
				Module: "com.amazonaws.services.lambda.runtime.RequestHandler",
				Note:   "handler load stopped at com.amazonaws.services.lambda.runtime.RequestHandler, which the Java runtime provides; the rest of the class was not checked"},
		},
		{
			name: "java classes for a newer Java", family: Java,
			rep: report{Status: "failed", Error: "java.lang.UnsupportedClassVersionError",
				Message: "com/example/Handler has been compiled by a more recent version of the Java Runtime (class file version 65.0)"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadInvalid,
				Message: "com/example/Handler has been compiled by a more recent version of the Java Runtime (class file version 65.0)"},
		},
		{
			name: "java static initialiser", family: Java,
			rep:  report{Status: "failed", Error: "java.lang.IllegalStateException", Message: "no TABLE"},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadThrew, Message: "java.lang.IllegalStateException: no TABLE"},
		},
		{
			name: "loaded", family: Python,
			rep:  report{Status: "loaded", File: "app.py", Stubbed: []string{"boto3"}},
			want: limits.HandlerLoad{Outcome: limits.HandlerLoaded, File: "app.py", Stubbed: []string{"boto3"}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := json.Marshal(tt.rep)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseReport(tt.family, root, data)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Family = string(tt.family)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
