package packager

// nodeStateLines are the records Node.js package managers keep of an
// install inside node_modules: when it ran, the paths of the machine's
// store and project, the lockfile once more. No package reads them at run
// time, and their times and paths would make two builds of one lockfile
// differ, so they never ship.
var nodeStateLines = []string{
	"**/node_modules/.package-lock.json",          // npm
	"**/node_modules/.yarn-integrity",             // yarn 1
	"**/node_modules/.yarn-state.yml",             // yarn 2 and later, node-modules linker
	"**/node_modules/.modules.yaml",               // pnpm, also in .pnpm/node_modules
	"**/node_modules/.pnpm-workspace-state*.json", // pnpm
	"**/node_modules/.pnpm/lock.yaml",             // pnpm
	"**/node_modules/.cache/",                     // build tools' caches, with absolute paths
}
