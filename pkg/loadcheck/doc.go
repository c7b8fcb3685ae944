// Package loadcheck answers "does the handler load?" before a deploy: it
// unpacks a packaged bundle into a scratch folder and loads the handler
// module with this machine's runtime (node, python3.X, a JVM) the way Lambda
// does at init, without calling the handler. The most common failed deploy
// is a bundle that imports a module it does not contain; Lambda only says so
// after the upload, as Runtime.ImportModuleError.
//
// The load runs as a child process with a minimal environment of its own:
// nothing of lamb's environment reaches it, so no AWS credentials, and its
// home, working folder and temporary folder are in the scratch folder. Code
// the module runs at import time runs there, with the user's rights, bounded
// by a timeout; its output is kept up to a bound. Modules the Lambda runtime
// itself provides (the AWS SDK for Node.js, boto3 and its dependencies) are
// stood in for by stubs when the bundle lacks them, as Lambda resolves them
// from outside the bundle.
//
// Load returns a limits.HandlerLoad, which limits.CheckHandlerLoad turns
// into findings: pkg/limits holds the type, as it holds every input of the
// checks, and stays free of I/O. The load is skipped, with a note, when
// this machine has no runtime of the function's major version, or when the
// function runs on another architecture and the bundle holds native
// binaries.
package loadcheck
