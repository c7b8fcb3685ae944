// Package deploy is lamb's AWS side: it puts a packaged function into
// Lambda and moves its alias. It reads the function's state, creates or
// updates it (configuration, then code, waiting for each update to settle),
// publishes an immutable version and verifies it, moves the alias, and
// prunes old versions without touching one an alias uses. It also holds the
// S3 artifact route, the execution role lamb manages, and the pre-flight's
// AWS reads: the account's code-size limits and the sizes of layers (ranged
// reads of their zips' central directories, cached by ARN).
//
// Every AWS client reaches it as a narrow interface listing only the calls
// it makes, so the same code runs against AWS, an emulator and fakes. It
// never prints: progress goes to a progress.Sink the caller passes. Flags,
// rendering and the order of steps across functions are left to cmd and
// pkg/pipeline.
package deploy
