// A CommonJS module that requires a Node.js built-in: an ES module bundle
// needs a require function for it.
module.exports = function sep() {
  return require("node:path").posix.sep;
};
